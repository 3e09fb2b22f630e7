package dev.noodle.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import org.junit.jupiter.api.Test;

/** The in-memory TorchScript module loads and its ops give PyTorch's numbers. */
class TorchOpsTest {
    @Test
    void randnMatchesTorchManualSeedAndIgnoresGlobalSeed() {
        try (NDManager m = NDManager.newBaseManager()) {
            JniUtils.setSeed(1234);
            NDArray a = TorchOps.randn(m, 0, new Shape(5));
            assertArrayEquals(
                    new float[] {1.5410f, -0.2934f, -2.1788f, 0.5684f, -1.0845f}, a.toFloatArray(), 1e-4f);
            NDArray b = TorchOps.randn(m, 0, new Shape(1, 4, 8, 8));
            assertEquals(new Shape(1, 4, 8, 8), b.getShape());
            float[] v = b.toFloatArray();
            assertArrayEquals(new float[] {-1.1258f, -1.1524f, -0.2506f, -0.4339f},
                    new float[] {v[0], v[1], v[2], v[3]}, 1e-4f);
            // the global DJL seed is untouched: seeding it again reproduces the DJL stream
            JniUtils.setSeed(7);
            float[] g1 = m.randomNormal(new Shape(3)).toFloatArray();
            JniUtils.setSeed(7);
            TorchOps.randn(m, 99, new Shape(3));
            float[] g2 = m.randomNormal(new Shape(3)).toFloatArray();
            assertArrayEquals(g1, g2);
        }
    }

    @Test
    void upsampleNearestRepeatsEachPixel() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(new float[] {1, 2, 3, 4}, new Shape(1, 1, 2, 2));
            NDArray y = TorchOps.upsampleNearest2x(x);
            assertEquals(new Shape(1, 1, 4, 4), y.getShape());
            assertArrayEquals(new float[] {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}, y.toFloatArray());
        }
    }

    @Test
    void gegluIsHalfTimesGeluOfOtherHalf() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] in = {0.5f, -1f, 2f, 1.5f, -0.7f, 0.3f};
            NDArray y = TorchOps.geglu(m.create(in, new Shape(1, 6)));
            float[] out = y.toFloatArray();
            for (int i = 0; i < 3; i++) {
                double g = in[3 + i];
                double gelu = 0.5 * g * (1 + erf(g / Math.sqrt(2)));
                assertEquals(in[i] * gelu, out[i], 1e-5);
            }
        }
    }

    /** Abramowitz–Stegun 7.1.26 is too coarse; use a series good to 1e-12 for |x| < 3. */
    static double erf(double x) {
        double sum = 0;
        double term = x;
        for (int n = 0; n < 80; n++) {
            sum += term / (2 * n + 1);
            term *= -x * x / (n + 1);
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }
}
