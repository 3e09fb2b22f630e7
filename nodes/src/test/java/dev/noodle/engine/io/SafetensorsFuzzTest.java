package dev.noodle.engine.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Jazzer fuzz targets for the safetensors reader (bad-inputs S1–S13). Every input must either parse into a header
 * that tiles the file exactly, or fail with {@link SafetensorsException}; any other throwable (an unchecked
 * exception, {@link OutOfMemoryError}, {@link StackOverflowError}) or a hang is a finding. In the normal test run
 * these replay the committed inputs under {@code SafetensorsFuzzTestInputs/<method>/}; {@code tools/fuzz.sh} fuzzes.
 */
class SafetensorsFuzzTest {

    /** The pure header parser over a whole in-memory file. */
    @FuzzTest(maxDuration = "10m")
    void parseFile(byte[] file) {
        SafetensorsHeader h;
        try {
            h = SafetensorsHeader.parseFile(file, "fuzz.safetensors");
        } catch (SafetensorsException expected) {
            return;
        }
        checkTiling(h, file.length);
    }

    /**
     * The file reader: accepted files are read back tensor by tensor, as floats and as raw bytes; a reader may
     * refuse a dtype it cannot widen only with a {@link ModelFormatException}.
     */
    @FuzzTest(maxDuration = "10m")
    void openFile(byte[] file) throws IOException {
        Path tmp = Files.createTempFile("fuzz", ".safetensors");
        try {
            Files.write(tmp, file);
            try (SafetensorsFile f = SafetensorsFile.open(tmp)) {
                checkTiling(f.header(), file.length);
                for (String key : f.keys()) {
                    TensorInfo info = f.info(key);
                    ByteBuffer raw = f.readBytes(key);
                    assertEquals(f.header().byName().get(key).byteLength(), raw.remaining(), key);
                    try {
                        float[] v = f.loadFloats(key);
                        assertEquals(info.elementCount(), v.length, key);
                    } catch (ModelFormatException refused) {
                        assertTrue(refused.getMessage().contains(key), refused.getMessage());
                    }
                }
            } catch (ModelFormatException expected) {
                // SafetensorsException included: a typed, user-facing refusal
            }
        } catch (UncheckedIOException e) {
            throw new AssertionError(e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void checkTiling(SafetensorsHeader h, long fileSize) {
        long at = 0;
        for (SafetensorsHeader.Entry e : h.tensors()) {
            assertEquals(at, e.begin(), e.info().name());
            long bytes = Math.multiplyExact(e.info().elementCount(), (long) e.info().dtype().bits()) / 8;
            assertEquals(bytes, e.byteLength(), e.info().name());
            at = e.end();
        }
        assertEquals(fileSize, h.dataStart() + at);
    }
}
