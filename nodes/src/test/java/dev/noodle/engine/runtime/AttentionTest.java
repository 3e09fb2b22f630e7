package dev.noodle.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** Fast (SDPA) and fallback (matmul + softmax) attention agree with a direct double-precision computation. */
class AttentionTest {
    private static final int B = 2;
    private static final int H = 3;
    private static final int NQ = 5;
    private static final int NK = 7;
    private static final int D = 4;

    @Test
    void bothPathsMatchDirectComputation() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] q = TorchOps.randn(m, 1, new Shape(B, H, NQ, D)).toFloatArray();
            float[] k = TorchOps.randn(m, 2, new Shape(B, H, NK, D)).toFloatArray();
            float[] v = TorchOps.randn(m, 3, new Shape(B, H, NK, D)).toFloatArray();
            float[] expected = direct(q, k, v);
            NDArray qa = m.create(q, new Shape(B, H, NQ, D));
            NDArray ka = m.create(k, new Shape(B, H, NK, D));
            NDArray va = m.create(v, new Shape(B, H, NK, D));
            for (Attention.Mode mode : Attention.Mode.values()) {
                NDArray o = Attention.sdpa(qa, ka, va, mode);
                assertEquals(new Shape(B, H, NQ, D), o.getShape());
                assertArrayEquals(expected, o.toFloatArray(), 1e-5f, mode.name());
            }
            // a score budget of two query rows forces three chunks (2 + 2 + 1 rows)
            NDArray chunked = Attention.fallback(qa, ka, va, 2L * B * H * NK);
            assertArrayEquals(expected, chunked.toFloatArray(), 1e-5f, "chunked");
        }
    }

    @Test
    void multiHeadSplitsAndMergesChannels() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray q = TorchOps.randn(m, 4, new Shape(B, NQ, H * D));
            NDArray k = TorchOps.randn(m, 5, new Shape(B, NK, H * D));
            NDArray v = TorchOps.randn(m, 6, new Shape(B, NK, H * D));
            // reference: split by hand, attend directly, merge by hand
            float[] qh = q.reshape(B, NQ, H, D).transpose(0, 2, 1, 3).toFloatArray();
            float[] kh = k.reshape(B, NK, H, D).transpose(0, 2, 1, 3).toFloatArray();
            float[] vh = v.reshape(B, NK, H, D).transpose(0, 2, 1, 3).toFloatArray();
            float[] oh = direct(qh, kh, vh); // [B, H, NQ, D]
            float[] expected = new float[oh.length];
            for (int b = 0; b < B; b++) {
                for (int h = 0; h < H; h++) {
                    for (int i = 0; i < NQ; i++) {
                        for (int d = 0; d < D; d++) {
                            expected[((b * NQ + i) * H + h) * D + d] = oh[((b * H + h) * NQ + i) * D + d];
                        }
                    }
                }
            }
            for (Attention.Mode mode : Attention.Mode.values()) {
                NDArray o = Attention.multiHead(q, k, v, H, mode);
                assertEquals(new Shape(B, NQ, H * D), o.getShape());
                assertArrayEquals(expected, o.toFloatArray(), 1e-5f, mode.name());
            }
        }
    }

    private static float[] direct(float[] q, float[] k, float[] v) {
        float[] out = new float[B * H * NQ * D];
        double scale = 1 / Math.sqrt(D);
        for (int bh = 0; bh < B * H; bh++) {
            for (int i = 0; i < NQ; i++) {
                double[] s = new double[NK];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < NK; j++) {
                    double dot = 0;
                    for (int d = 0; d < D; d++) {
                        dot += q[(bh * NQ + i) * D + d] * (double) k[(bh * NK + j) * D + d];
                    }
                    s[j] = dot * scale;
                    max = Math.max(max, s[j]);
                }
                double z = 0;
                for (int j = 0; j < NK; j++) {
                    s[j] = Math.exp(s[j] - max);
                    z += s[j];
                }
                for (int d = 0; d < D; d++) {
                    double acc = 0;
                    for (int j = 0; j < NK; j++) {
                        acc += s[j] / z * v[(bh * NK + j) * D + d];
                    }
                    out[(bh * NQ + i) * D + d] = (float) acc;
                }
            }
        }
        return out;
    }
}
