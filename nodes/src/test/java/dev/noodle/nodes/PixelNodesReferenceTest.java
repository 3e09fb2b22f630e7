package dev.noodle.nodes;

import static dev.noodle.nodes.ReferenceJson.floats;
import static dev.noodle.nodes.ReferenceJson.longs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noodle.nodes.image.PixelNodes;
import dev.noodle.nodes.image.PixelNodes.BlendMode;
import dev.noodle.nodes.image.PixelNodes.Direction;
import dev.noodle.nodes.image.PixelNodes.SpacingColor;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.ImageValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * ImageInvert, ImageBlend (every mode, resized and broadcast image2) and ImageStitch (every direction, with and without
 * size matching and spacing, batches of different lengths) against an independent numpy/torch/Pillow re-statement of
 * ComfyUI's formulas ({@code src/test/python/image_pixel_reference.py}, which writes {@code image_pixel.json}).
 */
class PixelNodesReferenceTest {
    @Test
    void pixelNodesMatchTheReference() throws Exception {
        JsonNode f = new ObjectMapper().readTree(DemoFilesTest.DIR.resolve("image_pixel.json").toFile());
        Map<String, ImageValue> images = new HashMap<>();
        f.get("images").properties().forEach(e -> images.put(e.getKey(), image(e.getValue().get("shape"),
                e.getValue().get("data"))));
        List<String> bad = new ArrayList<>();
        Map<String, Integer> counts = new HashMap<>();
        for (JsonNode c : f.get("cases")) {
            String node = c.get("node").asText();
            ImageValue a = images.get(c.get("image1").asText());
            String what;
            ImageValue got;
            switch (node) {
                case "invert" -> {
                    what = "invert";
                    got = PixelNodes.invert(a);
                }
                case "blend" -> {
                    BlendMode mode = BlendMode.valueOf(c.get("mode").asText().toUpperCase(Locale.ROOT));
                    what = "blend " + mode.comfyName() + " " + c.get("image1").asText() + "+" + c.get("image2").asText()
                            + " f=" + c.get("factor").asDouble();
                    got = PixelNodes.blend(a, images.get(c.get("image2").asText()), c.get("factor").asDouble(), mode);
                }
                case "stitch" -> {
                    Direction d = Direction.valueOf(c.get("direction").asText().toUpperCase(Locale.ROOT));
                    SpacingColor color = SpacingColor.valueOf(c.get("color").asText().toUpperCase(Locale.ROOT));
                    ImageValue b = c.get("image2").isNull() ? null : images.get(c.get("image2").asText());
                    what = "stitch " + d.comfyName() + " " + c.get("image1").asText() + "+" + c.get("image2").asText()
                            + " match=" + c.get("match").asBoolean() + " spacing=" + c.get("spacing").asInt() + " "
                            + color.comfyName();
                    got = PixelNodes.stitch(a, b, d, c.get("match").asBoolean(), c.get("spacing").asInt(), color);
                }
                default -> throw new AssertionError("unknown case " + node);
            }
            counts.merge(node, 1, Integer::sum);
            long[] shape = longs(c.get("shape"));
            if (!java.util.Arrays.equals(shape, got.pixels().shape())) {
                bad.add(what + ": shape " + java.util.Arrays.toString(got.pixels().shape()) + ", expected "
                        + java.util.Arrays.toString(shape));
                continue;
            }
            float[] expected = floats(c.get("expected"));
            float[] actual = got.pixels().data();
            double max = 0;
            for (int i = 0; i < actual.length; i++) {
                max = Math.max(max, Math.abs(actual[i] - expected[i]));
            }
            if (!(max <= 2e-6)) {
                bad.add(what + ": max difference " + max);
            }
        }
        assertEquals("", String.join("\n", bad));
        assertEquals(Map.of("invert", 1, "blend", 30, "stitch", 35), counts);
    }

    @Test
    void stitchWithoutImage2ReturnsImage1() {
        ImageValue a = filled(2, 3, 4, 0.25f);
        assertSame(a, PixelNodes.stitch(a, null, Direction.UP, false, 8, SpacingColor.BLUE));
    }

    @Test
    void badSizesAreRefusedNamingTheInputs() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PixelNodes.blend(filled(2, 4, 4, 0.5f), filled(3, 4, 4, 0.5f), 0.5, BlendMode.NORMAL));
        assertTrue(e.getMessage().contains("Image Blend: image1 has 2 images and image2 has 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PixelNodes.blend(filled(1, 0, 4, 0.5f),
                filled(1, 4, 4, 0.5f), 0.5, BlendMode.SCREEN));
        assertTrue(e.getMessage().startsWith("Image Blend: image1 is empty"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PixelNodes.stitch(filled(1, 4, 4, 0.5f),
                filled(1, 4, 0, 0.5f), Direction.RIGHT, false, 0, SpacingColor.WHITE));
        assertTrue(e.getMessage().startsWith("Image Stitch: image2 is empty"), e.getMessage());
        // a 1-pixel-wide, 9-high image2 matched to a 4-high image1 would be int(4 · 1/9) = 0 pixels wide
        e = assertThrows(IllegalArgumentException.class, () -> PixelNodes.stitch(filled(1, 4, 4, 0.5f),
                filled(1, 9, 1, 0.5f), Direction.LEFT, true, 0, SpacingColor.WHITE));
        assertTrue(e.getMessage().contains("image2 (1×9) matched to image1's height 4 would be 0×4 pixels"),
                e.getMessage());
        // without matching, the same images stitch: image1 is padded to image2's height
        ImageValue padded = PixelNodes.stitch(filled(1, 4, 4, 0.5f), filled(1, 9, 1, 0.5f), Direction.LEFT, false, 0,
                SpacingColor.WHITE);
        assertArrayEquals(new long[] {1, 9, 5, 3}, padded.pixels().shape());
    }

    static ImageValue filled(int b, int h, int w, float v) {
        float[] d = new float[b * h * w * 3];
        java.util.Arrays.fill(d, v);
        return new ImageValue(new HeapTensor(new long[] {b, h, w, 3}, d));
    }

    private static ImageValue image(JsonNode shape, JsonNode data) {
        return new ImageValue(new HeapTensor(longs(shape), floats(data)));
    }
}
