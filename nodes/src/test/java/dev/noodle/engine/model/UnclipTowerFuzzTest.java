package dev.noodle.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.vision.ClipVisionEncoder;
import dev.noodle.engine.vision.ClipVisionModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Jazzer fuzz target for unCLIP checkpoints as unCLIPCheckpointLoader reads their image tower
 * ({@link UnclipTower#load}): every input must either load, and then encode a small image into an embedding half
 * as wide as the UNet's label_emb, or be refused with a {@link ModelFormatException} naming the file; any other
 * throwable or a hang is a finding. The normal test run replays the committed inputs under
 * {@code UnclipTowerFuzzTestInputs/} (written by {@code nodes/src/test/python/make_unclip_fuzz_seeds.py});
 * {@code tools/fuzz.sh unclip} fuzzes.
 */
class UnclipTowerFuzzTest {
    private static final String NAME = "fuzz_unclip";

    @FuzzTest(maxDuration = "10m")
    void unclipCheckpoint(byte[] bytes) throws IOException {
        Path tmp = Files.createTempFile(NAME, ".safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            Files.write(tmp, bytes);
            try (ClipVisionModel tower = UnclipTower.load(tmp)) {
                ClipVisionEncoder.Output o = tower.encode(m.randomUniform(0f, 1f, new Shape(1, 5, 7, 3)), "center",
                        m);
                assertArrayEquals(new long[] {1, tower.config().projectionDim()},
                        o.imageEmbeds().getShape().getShape());
            } catch (ModelFormatException refused) {
                assertTrue(refused.getMessage().contains(NAME), refused.getMessage());
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
