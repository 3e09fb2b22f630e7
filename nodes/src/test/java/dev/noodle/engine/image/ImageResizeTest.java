package dev.noodle.engine.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/** Resize values against hand-computed numbers and torch/Pillow references (make_resize_fixtures.py). */
class ImageResizeTest {
    private static float[] floats(JsonNode n) {
        float[] f = new float[n.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) n.get(i).asDouble();
        }
        return f;
    }

    @Test
    void bilinearTwoToFourByHand() {
        // torch align_corners=False: src = (o + 0.5)/2 - 0.5 → 0 (clamped), 0.25, 0.75, 1 (clamped to last)
        float[] out = ImageResize.resize(new float[] {0f, 1f}, 1, 2, 1, 1, 4, ImageResize.Method.BILINEAR);
        assertArrayEquals(new float[] {0f, 0.25f, 0.75f, 1f}, out, 1e-6f);
    }

    @Test
    void areaAndNearestByHand() {
        float[] in = {1f, 2f, 3f, 4f, 5f, 6f}; // 1x6
        assertArrayEquals(new float[] {1.5f, 3.5f, 5.5f},
                ImageResize.resize(in, 1, 6, 1, 1, 3, ImageResize.Method.AREA), 1e-6f);
        // nearest-exact: floor((o + 0.5) · 2) = 1, 3, 5
        assertArrayEquals(new float[] {2f, 4f, 6f},
                ImageResize.resize(in, 1, 6, 1, 1, 3, ImageResize.Method.NEAREST_EXACT), 0f);
        // area 1x4 → 1x3 overlapping windows [0,2), [1,3), [2,4)
        assertArrayEquals(new float[] {1.5f, 2.5f, 3.5f},
                ImageResize.resize(new float[] {1, 2, 3, 4}, 1, 4, 1, 1, 3, ImageResize.Method.AREA), 1e-6f);
    }

    @Test
    void bicubicByHand() {
        // 1x2 → 1x4: src 0.25 for o = 1, taps (-1→0, 0, 1, 2→1), weights of Keys' cubic with A = -0.75
        float[] out = ImageResize.resize(new float[] {0f, 1f}, 1, 2, 1, 1, 4, ImageResize.Method.BICUBIC);
        double a = -0.75;
        double t = 0.25;
        double w2 = ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1;
        double w3 = ((a * (2 - t) - 5 * a) * (2 - t) + 8 * a) * (2 - t) - 4 * a;
        assertEquals(w2 + w3, out[1], 1e-6);
    }

    @Test
    void matchesTorchAndPillow() throws Exception {
        JsonNode root;
        try (InputStream in = getClass().getResourceAsStream("resize.json")) {
            root = new ObjectMapper().readTree(in);
        }
        int h = root.get("height").asInt();
        int w = root.get("width").asInt();
        int c = root.get("channels").asInt();
        float[] input = floats(root.get("input"));
        for (JsonNode cs : root.get("cases")) {
            ImageResize.Method m = ImageResize.Method.fromComfyName(cs.get("method").asText());
            float[] out = ImageResize.resize(input, h, w, c, cs.get("height").asInt(), cs.get("width").asInt(), m);
            assertArrayEquals(floats(cs.get("expected")), out, 1e-5f, m + " " + cs.get("height") + "x" + cs.get("width"));
        }
    }

    @Test
    void centerCropThenResizeABatch() {
        // 4 wide x 2 high → 1x1 target aspect: keep x 1..2 (round((4 - 2) / 2) = 1)
        assertArrayEquals(new int[] {1, 0, 2, 2}, ImageResize.centerCrop(4, 2, 8, 8));
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray img = m.arange(16f).reshape(2, 2, 4, 1); // [B=2, H=2, W=4, C=1]
            NDArray out = ImageResize.resize(img, 1, 1, ImageResize.Method.AREA, true);
            assertEquals(new Shape(2, 1, 1, 1), out.getShape());
            // sample 0 keeps {1, 2, 5, 6} → 3.5; sample 1 keeps {9, 10, 13, 14} → 11.5
            assertArrayEquals(new float[] {3.5f, 11.5f}, out.toFloatArray(), 1e-6f);
        }
    }
}
