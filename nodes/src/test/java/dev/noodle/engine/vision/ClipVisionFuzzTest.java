package dev.noodle.engine.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.io.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Jazzer fuzz targets for CLIP vision and style model files (safetensors or torch zip, as CLIPVisionLoader and
 * StyleModelLoader read them). Every input must either load, and then encode a small image (or make style tokens)
 * of the right shape, or be refused with a {@link ModelFormatException} naming the file; any other throwable or a
 * hang is a finding. The normal test run replays the committed inputs under {@code ClipVisionFuzzTestInputs/};
 * {@code tools/fuzz.sh clip-vision} and {@code tools/fuzz.sh style-model} fuzz.
 */
class ClipVisionFuzzTest {
    private static final String NAME = "fuzz_model";

    private interface Body {
        void run(ModelFile f, NDManager m);
    }

    private static void withFile(byte[] bytes, Body body) throws IOException {
        Path tmp = Files.createTempFile(NAME, ".safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            Files.write(tmp, bytes);
            try (ModelFile f = ModelFiles.open(tmp)) {
                body.run(f, m);
            } catch (ModelFormatException refused) {
                assertTrue(refused.getMessage().contains(NAME), refused.getMessage());
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** A clip_vision file: recognised, bound strictly, then an odd-sized image encoded both ways. */
    @FuzzTest(maxDuration = "10m")
    void clipVisionFile(byte[] bytes) throws IOException {
        withFile(bytes, (f, m) -> {
            try (ClipVisionModel model = ClipVisionModel.load(f, "fuzz")) {
                ClipVisionConfig c = model.config();
                NDArray img = m.randomUniform(0f, 1f, new Shape(1, 5, 7, 3));
                for (String crop : new String[] {"center", "none"}) {
                    ClipVisionEncoder.Output o = model.encode(img, crop, m);
                    assertArrayEquals(new long[] {1, c.positions(), c.width()},
                            o.lastHiddenState().getShape().getShape());
                    assertArrayEquals(new long[] {1, c.positions(), c.width()},
                            o.penultimateHiddenStates().getShape().getShape());
                    assertArrayEquals(new long[] {1, c.projectionDim()}, o.imageEmbeds().getShape().getShape());
                }
            }
        });
    }

    /** A style_models file: recognised, bound strictly, then tokens made from a short hidden state. */
    @FuzzTest(maxDuration = "10m")
    void styleModelFile(byte[] bytes) throws IOException {
        withFile(bytes, (f, m) -> {
            try (StyleAdapter adapter = StyleAdapter.load(f, "fuzz")) {
                StyleAdapter.Config c = adapter.config();
                NDArray hidden = m.randomNormal(new Shape(2, 3, c.width()));
                NDArray tokens = adapter.tokens(hidden, m);
                assertArrayEquals(new long[] {2, c.tokens(), c.context()}, tokens.getShape().getShape());
            }
        });
    }
}
