package dev.noodle.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** Fast and fallback group norm (and group norm + SiLU) agree with a direct double-precision computation. */
class GroupNormTest {
    private static final int B = 2;
    private static final int C = 6;
    private static final int G = 3;
    private static final int HW = 5;
    private static final double EPS = 1e-5;

    @Test
    void bothPathsMatchDirectComputation() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] x = TorchOps.randn(m, 11, new Shape(B, C, 1, HW)).toFloatArray();
            float[] w = TorchOps.randn(m, 12, new Shape(C)).toFloatArray();
            float[] b = TorchOps.randn(m, 13, new Shape(C)).toFloatArray();
            NDArray xa = m.create(x, new Shape(B, C, 1, HW));
            NDArray wa = m.create(w);
            NDArray ba = m.create(b);
            float[] plain = direct(x, w, b, false);
            float[] silu = direct(x, w, b, true);
            assertArrayEquals(plain, GroupNorm.apply(xa, G, wa, ba, EPS, GroupNorm.Mode.FAST).toFloatArray(), 1e-5f);
            assertArrayEquals(plain, GroupNorm.apply(xa, G, wa, ba, EPS, GroupNorm.Mode.FALLBACK).toFloatArray(), 1e-5f);
            assertArrayEquals(silu, TorchOps.groupNormSilu(xa, G, wa, ba, EPS).toFloatArray(), 1e-5f);
            assertArrayEquals(silu, GroupNorm.fallback(xa, G, wa, ba, EPS, true).toFloatArray(), 1e-5f);
        }
    }

    @Test
    void channelsNotDivisibleByGroupsIsAClearError() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.zeros(new Shape(1, 5, 2, 2));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> GroupNorm.apply(x, 2, m.ones(new Shape(5)), m.zeros(new Shape(5)), EPS, GroupNorm.Mode.FAST));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("5 channels"), e.getMessage());
        }
    }

    private static float[] direct(float[] x, float[] w, float[] b, boolean silu) {
        float[] out = new float[x.length];
        int per = C / G * HW;
        for (int n = 0; n < B; n++) {
            for (int g = 0; g < G; g++) {
                int base = (n * C + g * (C / G)) * HW;
                double mean = 0;
                for (int i = 0; i < per; i++) {
                    mean += x[base + i];
                }
                mean /= per;
                double var = 0;
                for (int i = 0; i < per; i++) {
                    var += (x[base + i] - mean) * (x[base + i] - mean);
                }
                var /= per;
                for (int i = 0; i < per; i++) {
                    int c = g * (C / G) + i / HW;
                    double y = (x[base + i] - mean) / Math.sqrt(var + EPS) * w[c] + b[c];
                    out[base + i] = (float) (silu ? y / (1 + Math.exp(-y)) : y);
                }
            }
        }
        return out;
    }
}
