package dev.noodle.nodes;

import static dev.noodle.nodes.ReferenceJson.floats;
import static dev.noodle.nodes.ReferenceJson.longs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.nodes.image.MaskNodes;
import dev.noodle.nodes.image.MaskNodes.Channel;
import dev.noodle.nodes.image.MaskNodes.Operation;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.ImageValue;
import dev.noodle.nodes.values.MaskValue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The MASK nodes against an independent numpy/torch re-statement of ComfyUI's definitions
 * ({@code src/test/python/mask_ops_reference.py}, which writes {@code mask_ops.json}): every node, every
 * MaskComposite operation at offsets inside, across and past the destination's edges, FeatherMask's ramps (with
 * ComfyUI's {@code -0} column), GrowMask both ways with and without tapered corners, bilinear alpha in
 * JoinImageWithAlpha. Values must be equal bit for bit except where a resize is involved.
 */
class MaskNodesReferenceTest {
    static final Runnable NEVER_CANCELLED = () -> { };

    @Test
    void maskNodesMatchTheReference() throws Exception {
        JsonNode f = new ObjectMapper().readTree(DemoFilesTest.DIR.resolve("mask_ops.json").toFile());
        Map<String, MaskValue> masks = new HashMap<>();
        f.get("masks").properties().forEach(e -> masks.put(e.getKey(),
                new MaskValue(new HeapTensor(longs(e.getValue().get("shape")), floats(e.getValue().get("data"))))));
        Map<String, ImageValue> images = new HashMap<>();
        f.get("images").properties().forEach(e -> images.put(e.getKey(), image(e.getValue())));
        List<String> bad = new ArrayList<>();
        Map<String, Integer> counts = new HashMap<>();
        for (JsonNode c : f.get("cases")) {
            String node = c.get("node").asText();
            JsonNode p = c.get("params");
            String what = node + " " + p + " " + text(c, "mask") + text(c, "image") + text(c, "destination")
                    + text(c, "source") + text(c, "alpha");
            Object got = switch (node) {
                case "image_to_mask" -> MaskNodes.imageToMask(images.get(c.get("image").asText()),
                        Channel.valueOf(p.get("channel").asText().toUpperCase(Locale.ROOT)));
                case "color_to_mask" -> MaskNodes.colorToMask(images.get(c.get("image").asText()),
                        p.get("color").asLong());
                case "mask_to_image" -> MaskNodes.maskToImage(masks.get(c.get("mask").asText()));
                case "solid" -> MaskNodes.solid(p.get("value").asDouble(), p.get("width").asInt(),
                        p.get("height").asInt());
                case "invert" -> MaskNodes.invert(masks.get(c.get("mask").asText()));
                case "crop" -> MaskNodes.crop(masks.get(c.get("mask").asText()), p.get("x").asInt(), p.get("y").asInt(),
                        p.get("width").asInt(), p.get("height").asInt());
                case "composite" -> MaskNodes.composite(masks.get(c.get("destination").asText()),
                        masks.get(c.get("source").asText()), p.get("x").asInt(), p.get("y").asInt(),
                        Operation.valueOf(p.get("operation").asText().toUpperCase(Locale.ROOT)));
                case "feather" -> MaskNodes.feather(masks.get(c.get("mask").asText()), p.get("left").asInt(),
                        p.get("top").asInt(), p.get("right").asInt(), p.get("bottom").asInt());
                case "grow" -> MaskNodes.grow(masks.get(c.get("mask").asText()), p.get("expand").asInt(),
                        p.get("tapered_corners").asBoolean(), NEVER_CANCELLED);
                case "threshold" -> MaskNodes.threshold(masks.get(c.get("mask").asText()), p.get("value").asDouble());
                case "join" -> MaskNodes.joinAlpha(images.get(c.get("image").asText()),
                        masks.get(c.get("alpha").asText()));
                case "split" -> MaskNodes.splitAlpha(images.get(c.get("image").asText()));
                default -> throw new AssertionError("unknown case " + node);
            };
            counts.merge(node, 1, Integer::sum);
            double tolerance = node.equals("join") ? 2e-6 : 0;
            switch (got) {
                case MaskValue m -> compare(bad, what, m.mask(), c.get("shape"), c.get("expected"), tolerance);
                case ImageValue img when node.equals("join") -> {
                    compare(bad, what, img.pixels(), c.get("shape"), c.get("expected"), 0);
                    compare(bad, what + " alpha", img.alpha(), c.get("mask_shape"), c.get("mask_expected"), tolerance);
                }
                case ImageValue img -> compare(bad, what, img.pixels(), c.get("shape"), c.get("expected"), 0);
                case NodeOutputs o -> {
                    ImageValue img = (ImageValue) o.value(0);
                    assertFalse(img.hasAlpha(), what);
                    compare(bad, what, img.pixels(), c.get("shape"), c.get("expected"), 0);
                    compare(bad, what + " mask", ((MaskValue) o.value(1)).mask(), c.get("mask_shape"),
                            c.get("mask_expected"), 0);
                }
                default -> throw new AssertionError(what + ": " + got);
            }
        }
        assertEquals("", String.join("\n", bad));
        assertEquals(Map.ofEntries(Map.entry("image_to_mask", 7), Map.entry("mask_to_image", 2),
                Map.entry("solid", 3), Map.entry("invert", 2), Map.entry("crop", 5), Map.entry("composite", 43),
                Map.entry("feather", 9), Map.entry("grow", 32), Map.entry("threshold", 5), Map.entry("join", 5),
                Map.entry("split", 3), Map.entry("color_to_mask", 7)), counts);
    }

    private static void compare(List<String> bad, String what, HeapTensor got, JsonNode shape, JsonNode expected,
            double tolerance) {
        if (got == null) {
            bad.add(what + ": missing");
            return;
        }
        if (!Arrays.equals(longs(shape), got.shape())) {
            bad.add(what + ": shape " + Arrays.toString(got.shape()) + ", expected " + shape);
            return;
        }
        float[] want = floats(expected);
        double max = 0;
        for (int i = 0; i < want.length; i++) {
            max = Math.max(max, Math.abs(got.data()[i] - want[i]));
        }
        if (!(max <= tolerance)) {
            bad.add(what + ": max difference " + max);
        }
    }

    @Test
    void growStopsEarlyWithTheSameResultAndIsCancellable() {
        float[] d = new float[5 * 6];
        d[7] = 1f;
        MaskValue dot = mask(1, 5, 6, d);
        // 16384 steps finish at once: after 10 steps the mask is all ones and later steps change nothing
        assertTrue(allEqual(MaskNodes.grow(dot, 16384, true, NEVER_CANCELLED), 1f));
        assertTrue(allEqual(MaskNodes.grow(dot, -16384, false, NEVER_CANCELLED), 0f));
        RuntimeException stop = new RuntimeException("cancelled");
        assertEquals(stop, assertThrows(RuntimeException.class, () -> MaskNodes.grow(dot, 3, true, () -> {
            throw stop;
        })));
    }

    @Test
    void badInputsAreRefusedNamingTheNodeAndInput() {
        MaskValue two = mask(2, 4, 4, new float[32]);
        MaskValue three = mask(3, 2, 2, new float[12]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MaskNodes.composite(two, three, 0, 0, Operation.ADD));
        assertTrue(e.getMessage().startsWith("Mask Composite: destination has 2 masks and source has 3"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MaskNodes.crop(two, 4, 0, 2, 2));
        assertTrue(e.getMessage().contains("Crop Mask: the crop starts at x=4, y=0, outside the 4×4 mask"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MaskNodes.crop(two, 0, 9, 2, 2));
        assertTrue(e.getMessage().contains("choose x below 4 and y below 4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MaskNodes.invert(mask(1, 0, 3, new float[0])));
        assertTrue(e.getMessage().startsWith("Invert Mask: mask is not a usable mask (shape [1, 0, 3])"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> MaskNodes.threshold(new MaskValue(new HeapTensor(new long[] {4}, new float[4])), 0.5));
        assertTrue(e.getMessage().startsWith("Threshold Mask: mask is not a usable mask (shape [4])"),
                e.getMessage());
        ImageValue rgb = PixelNodesReferenceTest.filled(1, 2, 2, 0.5f);
        e = assertThrows(IllegalArgumentException.class, () -> MaskNodes.imageToMask(rgb, Channel.ALPHA));
        assertTrue(e.getMessage().startsWith("Convert Image to Mask: the image has no alpha channel"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MaskNodes.solid(0.5, 0, 3));
        assertTrue(e.getMessage().startsWith("Solid Mask: width and height must be at least 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MaskNodes.feather(two, -1, 0, 0, 0));
        assertTrue(e.getMessage().startsWith("Feather Mask: left, top, right and bottom must be at least 0"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> MaskNodes.joinAlpha(PixelNodesReferenceTest.filled(1, 0, 2, 0.5f), two));
        assertTrue(e.getMessage().startsWith("Join Image with Alpha: image is not a usable image"), e.getMessage());
    }

    @Test
    void aRankTwoMaskReadsAsABatchOfOne() {
        MaskValue flat = new MaskValue(new HeapTensor(new long[] {2, 3}, new float[] {0, 0.25f, 1, 0.5f, 0.75f, 0}));
        MaskValue inv = MaskNodes.invert(flat);
        assertArrayEquals(new long[] {1, 2, 3}, inv.mask().shape());
        assertArrayEquals(new float[] {1, 0.75f, 0, 0.5f, 0.25f, 1}, inv.mask().data());
    }

    static MaskValue mask(int b, int h, int w, float[] d) {
        return new MaskValue(new HeapTensor(new long[] {b, h, w}, d));
    }

    private static boolean allEqual(MaskValue m, float v) {
        for (float x : m.mask().data()) {
            if (x != v) {
                return false;
            }
        }
        return true;
    }

    private static String text(JsonNode c, String key) {
        return c.has(key) ? key + "=" + c.get(key).asText() + " " : "";
    }

    private static ImageValue image(JsonNode e) {
        long[] shape = longs(e.get("shape"));
        HeapTensor alpha = e.has("alpha")
                ? new HeapTensor(new long[] {shape[0], shape[1], shape[2]}, floats(e.get("alpha"))) : null;
        return new ImageValue(new HeapTensor(shape, floats(e.get("data"))), alpha);
    }
}
