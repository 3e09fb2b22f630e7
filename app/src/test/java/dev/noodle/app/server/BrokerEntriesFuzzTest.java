package dev.noodle.app.server;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * Jazzer fuzz target for what a process reads from the broker's buckets: a queued prompt ({@link BrokerJob}) and a
 * worker's advertisement ({@link WorkerAdvert}), any bytes another client of the broker may have written. Each must
 * be read or refused with an {@link IOException} (the watcher then skips the entry with a warning); any other
 * throwable is a finding. Regression inputs live under {@code BrokerEntriesFuzzTestInputs/bucketEntry/}.
 */
class BrokerEntriesFuzzTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @FuzzTest(maxDuration = "10m")
    void bucketEntry(byte[] data) {
        try {
            BrokerJob job = BrokerJob.fromBytes(data, 1, MAPPER);
            job.tuple(MAPPER);
            BrokerJob.fromBytes(job.toBytes(MAPPER), 2, MAPPER);
        } catch (IOException expected) {
            // refused: not a queued prompt
        }
        try {
            WorkerAdvert ad = WorkerAdvert.fromBytes(data, MAPPER);
            ad.toJson(MAPPER, 0);
            WorkerAdvert.fromBytes(ad.toBytes(MAPPER), MAPPER);
        } catch (IOException expected) {
            // refused: not an advertisement
        }
    }
}
