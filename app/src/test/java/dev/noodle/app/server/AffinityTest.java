package dev.noodle.app.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noodle.app.server.BrokerJob.ModelRef;
import dev.noodle.app.server.WorkerAdvert.Held;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which queued prompt an idle worker takes: loaded checkpoint, then file held, then any; patience; queue order. */
class AffinityTest {
    private static final ObjectMapper M = new ObjectMapper();
    private static final Held A = new Held("checkpoints", "a.safetensors", "aaaa");
    private static final Held A_RENAMED = new Held("checkpoints", "copy of a.safetensors", "aaaa");
    private static final Held B = new Held("checkpoints", "b.safetensors", "bbbb");
    private static final Held LORA = new Held("loras", "style.safetensors", "llll");

    private static BrokerJob job(String id, long queuedAt, ModelRef... refs) {
        return new BrokerJob(id, queuedAt, queuedAt, M.createObjectNode(), M.createObjectNode(), List.of("9"),
                BrokerJob.QUEUED, null, 0, List.of(refs), queuedAt, 0, List.of(), 1);
    }

    private static ModelRef ref(Held h) {
        return new ModelRef("4", "ckpt_name", h.name(), h.kind(), h.sha256());
    }

    private static WorkerAdvert worker(String id, String state, List<Held> files, List<Held> loaded) {
        return new WorkerAdvert(id, "host", 1, state, null, null, null, 0, 0, 0, files, loaded, "cpu", 0);
    }

    @Test
    void tiersFollowLoadedThenHeldMatchedByHash() {
        Affinity.Holdings w = new Affinity.Holdings(List.of(A_RENAMED, LORA), List.of(A_RENAMED));
        assertEquals(Affinity.LOADED, Affinity.tier(List.of(ref(A)), w), "a renamed copy matches by hash");
        assertEquals(Affinity.LOADED, Affinity.tier(List.of(ref(A), ref(LORA)), w));
        assertEquals(Affinity.NONE, Affinity.tier(List.of(ref(B)), w));
        assertEquals(Affinity.FILE, Affinity.tier(List.of(), w), "a prompt naming no model suits any worker");
        assertEquals(Affinity.FILE, Affinity.tier(List.of(ref(A)), new Affinity.Holdings(List.of(A), List.of())));
        ModelRef byName = new ModelRef("4", "ckpt_name", "a.safetensors", null, null);
        assertEquals(Affinity.NONE, Affinity.tier(List.of(byName), w), "without a hash only the name matches");
        assertEquals(Affinity.FILE, Affinity.tier(List.of(byName), new Affinity.Holdings(List.of(A), List.of())));
    }

    @Test
    void anIdleWorkerLeavesAPromptToTheWorkerThatHasItsCheckpointLoaded() {
        BrokerJob forA = job("1", 1000, ref(A));
        BrokerJob forB = job("2", 1001, ref(B));
        Affinity.Holdings me = new Affinity.Holdings(List.of(A, B), List.of(B));
        WorkerAdvert busyWithA = worker("w2", "running", List.of(A), List.of(A));
        Affinity.Choice c = Affinity.choose(List.of(forA, forB), me, List.of(busyWithA), 2000, 30_000);
        assertEquals("2", c.job().id(), "my loaded B before A, which w2 has loaded");
        assertEquals("loaded", c.label());
        // nothing suits me better: I take A, though w2 has it loaded, because w2 is busy
        c = Affinity.choose(List.of(forA), me, List.of(busyWithA), 2000, 30_000);
        assertEquals("1", c.job().id());
        assertEquals("file", c.label());
        // but when w2 is idle it takes A itself
        assertNull(Affinity.choose(List.of(forA), me, List.of(worker("w2", "idle", List.of(A), List.of(A))), 2000,
                30_000));
        // unless A has waited longer than the patience
        assertEquals("1", Affinity.choose(List.of(forA), me, List.of(worker("w2", "idle", List.of(A),
                List.of(A))), 40_000, 30_000).job().id());
    }

    @Test
    void aPromptOnlyAnotherWorkerCanRunIsLeftToItAndOneNobodyCanRunGoesToAnyone() {
        BrokerJob forB = job("1", 1000, ref(B));
        Affinity.Holdings me = new Affinity.Holdings(List.of(A), List.of());
        assertNull(Affinity.choose(List.of(forB), me, List.of(worker("w3", "running", List.of(B), List.of())), 99_000,
                30_000), "never taken by a worker without the file while one that has it is alive");
        assertEquals("any", Affinity.choose(List.of(forB), me, List.of(worker("w3", "idle", List.of(A), List.of())),
                2000, 30_000).label(), "nobody has it: any worker takes it and reports the missing file");
    }

    @Test
    void withEqualSuitabilityQueueOrderDecides() {
        BrokerJob first = job("1", 1000, ref(A));
        BrokerJob second = job("2", 1001, ref(A));
        Affinity.Holdings me = new Affinity.Holdings(List.of(A), List.of());
        assertEquals("1", Affinity.choose(List.of(first, second), me, List.of(), 1002, 30_000).job().id());
    }
}
