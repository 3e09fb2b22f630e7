package dev.noodle.engine.io.pickle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.noodle.engine.io.DType;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Jazzer fuzz targets for the restricted unpickler and the {@code .ckpt} zip reader (bad-inputs P1–P8). Every input
 * must load or fail with {@link ModelFormatException} (of which {@link ForbiddenGlobalException} is one); a
 * {@code ClassCastException}, {@code StackOverflowError}, {@code OutOfMemoryError}, any other throwable or a hang
 * is a finding. Regression inputs live under {@code PickleFuzzTestInputs/<method>/}.
 */
class PickleFuzzTest {
    /** Caps storages the fake resolver accepts, so a fuzzed numel cannot make the test itself allocate. */
    private static final long MAX_FAKE_NUMEL = 1 << 16;

    /** One pickle stream with a resolver that accepts small storages and refuses large ones. */
    @FuzzTest(maxDuration = "10m")
    void unpickle(byte[] pickle) {
        try {
            Object root = RestrictedUnpickler.load(pickle, "fuzz.pkl", (DType dtype, String key, long numel) -> {
                if (numel < 0 || numel > MAX_FAKE_NUMEL) {
                    throw new ModelFormatException("storage " + key + " has " + numel + " elements");
                }
                return new Py.StorageRef(key, dtype, numel);
            });
            PickleTree.check(root, "fuzz.pkl"); // the loaded tree is acyclic and bounded
        } catch (ModelFormatException expected) {
            // typed refusal
        }
    }

    /** A whole checkpoint file: zip names, data.pkl, storages, then every tensor read back. */
    @FuzzTest(maxDuration = "10m")
    void checkpointZip(byte[] file) throws IOException {
        Path tmp = Files.createTempFile("fuzz", ".ckpt");
        try {
            Files.write(tmp, file);
            try (PickleCheckpoint c = PickleCheckpoint.open(tmp)) {
                for (String key : c.keys()) {
                    TensorInfo info = c.info(key);
                    try {
                        ByteBuffer raw = c.readBytes(key);
                        assertEquals(info.elementCount() * info.dtype().bytes(), raw.remaining(), key);
                        float[] v = c.loadFloats(key);
                        assertEquals(info.elementCount(), v.length, key);
                    } catch (ModelFormatException refused) {
                        // e.g. a tensor view larger than loadFloats allows
                    }
                }
            } catch (ModelFormatException expected) {
                // typed refusal
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
