package dev.noodle.engine.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.model.ModelFamily;
import dev.noodle.engine.sampling.TorchRng;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which model takes unCLIP images where: the unCLIP y vector, SDXL's pooled slot, nothing elsewhere. */
class AdmUnclipTest {
    private static final long SEED = 123456789L;

    @Test
    void sd2UnclipTakesTheImageVectorAndZerosWithoutImages() {
        try (NDManager m = NDManager.newBaseManager()) {
            List<UnclipAdm.Image> images = List.of(new UnclipAdm.Image(TorchRng.randn(3, new Shape(1, 32), m), 0.8f,
                    250));
            NDArray y = AdmConditioning.y(m, ModelFamily.SD2, 64, null, images, SEED, Map.of(), 8, 8, false);
            assertArrayEquals(UnclipAdm.sd21(images, 64, SEED, m).toFloatArray(), y.toFloatArray());
            NDArray none = AdmConditioning.y(m, ModelFamily.SD2, 64, null, List.of(), SEED, Map.of(), 8, 8, true);
            assertEquals(new Shape(1, 64), none.getShape());
            assertEquals(0f, none.abs().sum().getFloat());
            // another seed, other augmentation noise
            NDArray other = AdmConditioning.y(m, ModelFamily.SD2, 64, null, images, SEED + 1, Map.of(), 8, 8, false);
            assertEquals(false, Arrays.equals(y.toFloatArray(), other.toFloatArray()));
        }
    }

    @Test
    void modelsWithoutLabelEmbIgnoreTheImages() {
        try (NDManager m = NDManager.newBaseManager()) {
            List<UnclipAdm.Image> images = List.of(new UnclipAdm.Image(m.ones(new Shape(1, 32)), 1f, 0));
            assertNull(AdmConditioning.y(m, ModelFamily.SD1, 0, null, images, SEED, Map.of(), 8, 8, false));
            assertNull(AdmConditioning.y(m, ModelFamily.SD2, 0, null, images, SEED, Map.of(), 8, 8, false));
        }
    }

    @Test
    void sdxlAndTheRefinerPutTheImageWhereThePooledPromptGoes() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray pooled = TorchRng.randn(5, new Shape(1, 128), m);
            List<UnclipAdm.Image> images = List.of(
                    new UnclipAdm.Image(TorchRng.randn(6, new Shape(2, 128), m), 0.75f, 0),
                    new UnclipAdm.Image(TorchRng.randn(7, new Shape(1, 128), m), 0.75f, 0));
            Map<String, Double> size = Map.of(AdmConditioning.WIDTH, 96.0);
            for (ModelFamily f : List.of(ModelFamily.SDXL, ModelFamily.SDXL_REFINER)) {
                int adm = 128 + (f == ModelFamily.SDXL ? 1536 : 1280);
                NDArray text = AdmConditioning.y(m, adm, pooled, size, 8, 8, false);
                NDArray withImages = AdmConditioning.y(m, f, adm, pooled, images, SEED, size, 8, 8, false);
                NDArray noImages = AdmConditioning.y(m, f, adm, pooled, List.of(), SEED, size, 8, 8, false);
                assertArrayEquals(text.toFloatArray(), noImages.toFloatArray(), f.toString());
                assertArrayEquals(UnclipAdm.revisionPooled(images, 128, SEED, m).toFloatArray(),
                        withImages.get(":, :128").toFloatArray(), f + " pooled slot");
                assertArrayEquals(text.get(":, 128:").toFloatArray(), withImages.get(":, 128:").toFloatArray(),
                        f + " size embeddings");
            }
        }
    }
}
