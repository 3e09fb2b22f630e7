package dev.noodle.engine.control;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/**
 * The control image as ComfyUI's ControlBase meets a UNet call: {@code common_upscale(hint, 8w, 8h,
 * "nearest-exact", "center")} and {@code broadcast_image_to}, against a re-statement of both written from the
 * Python (torch nearest-exact: source index {@code min(floor((i + 0.5)·in/out), in − 1)}; center crop offsets
 * rounded half to even as Python's {@code round}).
 */
class ControlHintsTest {
    // image [b, c, h, w] with distinct values per place
    private static float[] image(int b, int c, int h, int w) {
        float[] v = new float[b * c * h * w];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((i * 7919 % 1009) / 1009.0);
        }
        return v;
    }

    // ComfyUI common_upscale(s, width, height, "nearest-exact", "center") re-stated on [b, c, h, w]
    private static float[] reference(float[] s, int b, int c, int h, int w, int outH, int outW) {
        double oldAspect = (double) w / h;
        double newAspect = (double) outW / outH;
        int x0 = 0;
        int y0 = 0;
        if (oldAspect > newAspect) {
            x0 = (int) Math.rint((w - w * (newAspect / oldAspect)) / 2);
        } else if (oldAspect < newAspect) {
            y0 = (int) Math.rint((h - h * (oldAspect / newAspect)) / 2);
        }
        int ch = h - 2 * y0;
        int cw = w - 2 * x0;
        float[] out = new float[b * c * outH * outW];
        for (int n = 0; n < b; n++) {
            for (int k = 0; k < c; k++) {
                for (int y = 0; y < outH; y++) {
                    int sy = Math.min((int) Math.floor((y + 0.5) * ch / outH), ch - 1) + y0;
                    for (int x = 0; x < outW; x++) {
                        int sx = Math.min((int) Math.floor((x + 0.5) * cw / outW), cw - 1) + x0;
                        out[((n * c + k) * outH + y) * outW + x] = s[((n * c + k) * h + sy) * w + sx];
                    }
                }
            }
        }
        return out;
    }

    @Test
    void resizesToEightPixelsPerCellNearestExactWithACenterCrop() {
        try (NDManager m = NDManager.newBaseManager()) {
            // wider, taller, odd, smaller and larger than the target, and a crop offset of exactly .5 (9 → 8 wide:
            // round(0.5) = 0 in Python)
            int[][] cases = {{2, 3, 9, 5, 2, 3}, {1, 3, 5, 9, 2, 3}, {1, 3, 37, 29, 3, 1}, {1, 1, 17, 9, 1, 1},
                {2, 3, 13, 13, 2, 2}, {1, 3, 16, 9, 2, 2}};
            for (int[] k : cases) {
                int b = k[0];
                int c = k[1];
                int w = k[2];
                int h = k[3];
                float[] src = image(b, c, h, w);
                NDArray img = m.create(src, new Shape(b, c, h, w));
                NDArray got = ControlHints.resize(img, k[4], k[5], m);
                assertEquals(new Shape(b, c, 8L * k[4], 8L * k[5]), got.getShape(), java.util.Arrays.toString(k));
                assertArrayEquals(reference(src, b, c, h, w, 8 * k[4], 8 * k[5]), got.toFloatArray(), 0f,
                        java.util.Arrays.toString(k));
            }
            // by hand: a 2×4 picture to one cell (8×8) keeps the middle 2×2 columns 1..2, each repeated 4×4
            NDArray tiny = m.create(new float[] {0, 1, 2, 3, 4, 5, 6, 7}, new Shape(1, 1, 2, 4));
            float[] r = ControlHints.resize(tiny, 1, 1, m).toFloatArray();
            assertEquals(1f, r[0]);
            assertEquals(2f, r[4]);
            assertEquals(5f, r[8 * 4]);
            assertEquals(6f, r[8 * 7 + 7]);
        }
    }

    // ComfyUI broadcast_image_to re-stated on row indices
    private static int[] referenceRows(int have, int target, int batched) {
        if (have == 1 || have == target) { // the caller only broadcasts when the sizes differ
            int[] same = new int[have];
            for (int i = 0; i < have; i++) {
                same[i] = i;
            }
            return same;
        }
        int perBatch = target / batched;
        int[] t = new int[Math.min(perBatch, have)];
        for (int i = 0; i < t.length; i++) {
            t[i] = i;
        }
        if (perBatch > t.length) {
            int[] grown = new int[perBatch];
            for (int i = 0; i < perBatch; i++) {
                grown[i] = t[i % t.length];
            }
            t = grown;
        }
        if (t.length == target) {
            return t;
        }
        int[] out = new int[t.length * batched];
        for (int i = 0; i < out.length; i++) {
            out[i] = t[i % t.length];
        }
        return out;
    }

    @Test
    void spreadsTheImageBatchOverTheCallsRowsAsComfyUi() {
        try (NDManager m = NDManager.newBaseManager()) {
            int[][] cases = {{2, 4, 2}, {3, 4, 2}, {2, 6, 2}, {1, 4, 2}, {4, 4, 2}, {2, 3, 1}, {5, 2, 1}, {3, 8, 2},
                {2, 2, 2}, {3, 6, 3}};
            for (int[] k : cases) {
                float[] rows = new float[k[0] * 2];
                for (int i = 0; i < k[0]; i++) {
                    rows[2 * i] = i;
                    rows[2 * i + 1] = i;
                }
                NDArray hint = m.create(rows, new Shape(k[0], 1, 1, 2));
                NDArray got = ControlHints.broadcast(hint, k[1], k[2]);
                int[] want = referenceRows(k[0], k[1], k[2]);
                float[] g = got.toFloatArray();
                assertEquals(want.length * 2, g.length, java.util.Arrays.toString(k));
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], g[2 * i], java.util.Arrays.toString(k) + " row " + i);
                }
                if (k[0] == 1) {
                    assertSame(hint, got, "a single image is used as it is");
                }
            }
            // by hand: two images, batch 2 under CFG (4 rows) → 0, 1 for the positive, 0, 1 for the negative
            NDArray two = m.create(new float[] {10, 20}, new Shape(2, 1, 1, 1));
            assertArrayEquals(new float[] {10, 20, 10, 20}, ControlHints.broadcast(two, 4, 2).toFloatArray());
            // three images, batch 2 under CFG → the first two only
            NDArray three = m.create(new float[] {10, 20, 30}, new Shape(3, 1, 1, 1));
            assertArrayEquals(new float[] {10, 20, 10, 20}, ControlHints.broadcast(three, 4, 2).toFloatArray());
            // two images, batch 3 without CFG → cycled
            assertArrayEquals(new float[] {10, 20, 10}, ControlHints.broadcast(two, 3, 1).toFloatArray());
        }
    }

    @Test
    void countsTheConditioningChunksOfACall() {
        assertEquals(2, ControlHints.chunks(new int[] {0, 0, 1, 1}));
        assertEquals(1, ControlHints.chunks(new int[] {1, 1, 1}));
        assertEquals(3, ControlHints.chunks(new int[] {0, 1, 2}));
        assertEquals(1, ControlHints.chunks(new int[] {0}));
    }
}
