package dev.noodle.engine.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Jazzer fuzz target for ComfyUI's {@code .latent} files (LoadLatent): every input either reads as a [B, C, H, W]
 * latent with as many values as its shape, or is refused with a {@link ModelFormatException} naming the file; any
 * other throwable or a hang is a finding. The normal test run replays the committed inputs under
 * {@code LatentFileFuzzTestInputs/read/}; {@code tools/fuzz.sh latent} fuzzes.
 */
class LatentFileFuzzTest {
    @FuzzTest(maxDuration = "10m")
    void read(byte[] file) throws IOException {
        Path tmp = Files.createTempFile("fuzz", ".latent");
        try {
            Files.write(tmp, file);
            try {
                LatentFile.Latent l = LatentFile.read(tmp);
                long[] s = l.shape();
                assertEquals(4, s.length);
                assertEquals(s[0] * s[1] * s[2] * s[3], l.data().length);
                assertTrue(l.data().length > 0);
            } catch (ModelFormatException refused) {
                assertTrue(refused.getMessage().contains(tmp.getFileName().toString()), refused.getMessage());
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
