package dev.noodle.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * ComfyUI's prepare_noise with batch_index: the noise of latent i of an EmptyLatentImage batch (one randn of the whole
 * batch) is the noise a single latent with batch_index [i] gets (randn of one latent, i + 1 times), bit for bit, so
 * LatentFromBatch followed by sampling starts from the same noise as the whole batch. (torch draws normals in blocks
 * of 16, so this holds for latents whose size is a multiple of 16 values, as every 4-channel latent of a size that
 * is a multiple of 16 pixels.)
 */
class BatchIndexNoiseTest {
    @Test
    void batchRowsAreTheNoiseOfTheirBatchIndex() {
        try (NDManager m = NDManager.newBaseManager()) {
            Shape batch = new Shape(3, 4, 8, 6);
            float[] all = TorchRng.prepareNoise(99, batch, null, m).toFloatArray();
            int per = 4 * 8 * 6;
            for (int i = 0; i < 3; i++) {
                float[] one = TorchRng.prepareNoise(99, new Shape(1, 4, 8, 6), new int[] {i}, m).toFloatArray();
                assertArrayEquals(Arrays.copyOfRange(all, i * per, (i + 1) * per), one, "row " + i);
            }
            // a slice of two keeps both rows; repeated indices repeat a row
            float[] two = TorchRng.prepareNoise(99, new Shape(2, 4, 8, 6), new int[] {2, 2}, m).toFloatArray();
            assertArrayEquals(Arrays.copyOfRange(all, 2 * per, 3 * per), Arrays.copyOfRange(two, per, 2 * per));
            assertFalse(Arrays.equals(Arrays.copyOfRange(all, 0, per), Arrays.copyOfRange(all, per, 2 * per)));
        }
    }
}
