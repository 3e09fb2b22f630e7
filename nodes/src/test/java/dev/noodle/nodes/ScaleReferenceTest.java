package dev.noodle.nodes;

import dev.noodle.nodes.image.ScaleNodes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noodle.engine.image.ImageResize;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.ImageValue;
import dev.noodle.nodes.values.LatentValue;
import org.junit.jupiter.api.Test;

/**
 * LatentUpscale / ImageScale resizes (ComfyUI's common_upscale with centre crop) against torch interpolate, and
 * the bislerp latent method against an independent numpy implementation of ComfyUI's formula
 * ({@code src/test/python/make_scale_fixtures.py}).
 */
class ScaleReferenceTest {
    @Test
    void resizesMatchTheReference() throws Exception {
        JsonNode f = new ObjectMapper().readTree(DemoFilesTest.DIR.resolve("scale.json").toFile());
        HeapTensor latent = new HeapTensor(longs(f.get("latent_shape")), DemoFilesTest.floats(f.get("latent")));
        HeapTensor image = new HeapTensor(longs(f.get("image_shape")), DemoFilesTest.floats(f.get("image")));
        int checked = 0;
        for (JsonNode c : f.get("cases")) {
            int w = c.get("width").asInt();
            int h = c.get("height").asInt();
            String method = c.get("method").asText();
            boolean crop = c.get("crop").asBoolean();
            float[] expected = DemoFilesTest.floats(c.get("expected"));
            float[] got;
            long[] shape;
            if (c.get("kind").asText().equals("latent")) {
                HeapTensor out = ScaleNodes.scaleLatent(new LatentValue(latent, null, null), w, h,
                                ScaleNodes.LatentMethod.fromComfyName(method), crop)
                        .samples();
                got = out.data();
                shape = out.shape();
                assertArrayEquals(new long[] {1, 4, h, w}, shape, method);
            } else {
                HeapTensor out = ScaleNodes.scaleImage(new ImageValue(image), w, h,
                        ImageResize.Method.fromComfyName(method), crop).pixels();
                got = out.data();
                assertArrayEquals(new long[] {1, h, w, 3}, out.shape(), method);
            }
            double max = 0;
            for (int i = 0; i < got.length; i++) {
                max = Math.max(max, Math.abs(got[i] - expected[i]));
            }
            assertTrue(max < 1e-4, c.get("kind").asText() + " " + method + " " + w + "x" + h + (crop ? " centre" : "")
                    + ": max difference " + max);
            checked++;
        }
        assertTrue(checked == 23, "cases: " + checked);
    }

    private static long[] longs(JsonNode a) {
        long[] l = new long[a.size()];
        for (int i = 0; i < l.length; i++) {
            l[i] = a.get(i).asLong();
        }
        return l;
    }
}
