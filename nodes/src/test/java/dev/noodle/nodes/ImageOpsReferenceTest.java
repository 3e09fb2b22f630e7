package dev.noodle.nodes;

import static dev.noodle.nodes.ReferenceJson.floats;
import static dev.noodle.nodes.ReferenceJson.longs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noodle.nodes.image.ImageBatchNodes;
import dev.noodle.nodes.image.ImageCompositeNodes;
import dev.noodle.nodes.image.ImageFilterNodes;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.ImageValue;
import dev.noodle.nodes.values.MaskValue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * ImageBatch, ImageFromBatch, RepeatImageBatch, EmptyImage, ImagePadForOutpaint, ImageCompositeMasked, ImageCrop,
 * ImageScaleToTotalPixels' size, ImageBlur and ImageSharpen against an independent numpy/torch re-statement of
 * ComfyUI's semantics ({@code src/test/python/image_ops_reference.py}, which writes {@code image_ops.json}).
 */
class ImageOpsReferenceTest {
    @Test
    void imageOperationsMatchTheReference() throws Exception {
        JsonNode f = new ObjectMapper().readTree(DemoFilesTest.DIR.resolve("image_ops.json").toFile());
        Map<String, ImageValue> images = new HashMap<>();
        f.get("images").properties().forEach(e -> images.put(e.getKey(), new ImageValue(tensor(e.getValue()))));
        Map<String, MaskValue> masks = new HashMap<>();
        f.get("masks").properties().forEach(e -> masks.put(e.getKey(), new MaskValue(tensor(e.getValue()))));
        List<String> bad = new ArrayList<>();
        Map<String, Integer> counts = new HashMap<>();
        for (JsonNode c : f.get("cases")) {
            String node = c.get("node").asText();
            ImageValue got;
            double tolerance = 0;
            switch (node) {
                case "batch" -> {
                    got = ImageBatchNodes.batch(images.get(c.get("image1").asText()),
                            images.get(c.get("image2").asText()));
                    tolerance = 1e-6;
                }
                case "from_batch" -> got = ImageBatchNodes.fromBatch(images.get(c.get("image").asText()),
                        c.get("index").asInt(), c.get("length").asInt());
                case "repeat" -> got = ImageBatchNodes.repeat(images.get(c.get("image").asText()),
                        c.get("amount").asInt());
                case "empty" -> got = ImageBatchNodes.empty(c.get("width").asInt(), c.get("height").asInt(),
                        c.get("batch").asInt(), c.get("color").asLong());
                case "pad" -> {
                    ImageCompositeNodes.Padded p = ImageCompositeNodes.pad(images.get(c.get("image").asText()),
                            c.get("left").asInt(), c.get("top").asInt(), c.get("right").asInt(),
                            c.get("bottom").asInt(), c.get("feathering").asInt());
                    got = p.image();
                    check(bad, node + " mask " + c, p.mask().mask(), longs(c.get("mask_shape")),
                            floats(c.get("mask")), 0);
                }
                case "composite" -> {
                    got = ImageCompositeNodes.composite(images.get(c.get("destination").asText()),
                            images.get(c.get("source").asText()), c.get("x").asInt(), c.get("y").asInt(),
                            c.get("resize").asBoolean(), c.get("mask").isNull() ? null
                                    : masks.get(c.get("mask").asText()));
                    tolerance = 1e-6;
                }
                case "crop" -> got = ImageCompositeNodes.crop(images.get(c.get("image").asText()),
                        c.get("width").asInt(), c.get("height").asInt(), c.get("x").asInt(), c.get("y").asInt());
                case "blur" -> {
                    got = ImageFilterNodes.blur(images.get(c.get("image").asText()), c.get("radius").asInt(),
                            c.get("sigma").asDouble());
                    tolerance = 2e-6;
                }
                case "sharpen" -> {
                    got = ImageFilterNodes.sharpen(images.get(c.get("image").asText()), c.get("radius").asInt(),
                            c.get("sigma").asDouble(), c.get("alpha").asDouble());
                    tolerance = 2e-5; // kernel weights up to 50 times larger than the blur's
                }
                default -> throw new AssertionError("unknown case " + node);
            }
            counts.merge(node, 1, Integer::sum);
            check(bad, node + " " + c.toString().replaceAll("\"expected\":\\[[^]]*],?", "")
                    .replaceAll("\"mask\":\\[[^]]*],?", ""), got.pixels(), longs(c.get("shape")),
                    floats(c.get("expected")), tolerance);
        }
        for (JsonNode s : f.get("total_pixels")) {
            int[] size = ImageCompositeNodes.totalPixelsSize(s.get("width").asInt(), s.get("height").asInt(),
                    s.get("megapixels").asDouble(), s.get("steps").asInt());
            int[] want = {s.get("out").get(0).asInt(), s.get("out").get(1).asInt()};
            if (!Arrays.equals(want, size)) {
                bad.add("total pixels " + s + ": got " + Arrays.toString(size));
            }
        }
        assertEquals("", String.join("\n", bad));
        assertEquals(Map.of("batch", 3, "from_batch", 7, "repeat", 1, "empty", 3, "pad", 7, "composite", 9,
                "crop", 5, "blur", 4, "sharpen", 4), counts);
    }

    private static void check(List<String> bad, String what, HeapTensor got, long[] shape, float[] expected,
            double tolerance) {
        if (!Arrays.equals(shape, got.shape())) {
            bad.add(what + ": shape " + Arrays.toString(got.shape()) + ", expected " + Arrays.toString(shape));
            return;
        }
        float[] actual = got.data();
        double max = 0;
        for (int i = 0; i < actual.length; i++) {
            max = Math.max(max, Math.abs(actual[i] - expected[i]));
        }
        if (!(max <= tolerance)) {
            bad.add(what + ": max difference " + max);
        }
    }

    @Test
    void badInputsAreRefusedNamingNodeAndInput() {
        ImageValue empty = PixelNodesReferenceTest.filled(1, 0, 4, 0.5f);
        ImageValue img = PixelNodesReferenceTest.filled(2, 4, 4, 0.5f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageBatchNodes.batch(img, empty));
        assertTrue(e.getMessage().startsWith("Batch Images: image2 is empty"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ImageCompositeNodes.composite(empty, img, 0, 0,
                false, null));
        assertTrue(e.getMessage().startsWith("ImageCompositeMasked: destination is empty"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ImageCompositeNodes.composite(img, img, 0, 0,
                false, new MaskValue(new HeapTensor(new long[] {1, 0, 3}, new float[0]))));
        assertTrue(e.getMessage().startsWith("ImageCompositeMasked: mask is empty"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ImageCompositeNodes.crop(empty, 2, 2, 0, 0));
        assertTrue(e.getMessage().startsWith("Crop Image: image is empty"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ImageCompositeNodes.pad(empty, 8, 8, 8, 8, 4));
        assertTrue(e.getMessage().startsWith("Pad Image for Outpainting: image is empty"), e.getMessage());
        // reflection padding needs more pixels than the radius, as torch's reflect pad does
        e = assertThrows(IllegalArgumentException.class, () -> ImageFilterNodes.blur(img, 4, 1.0));
        assertTrue(e.getMessage().startsWith("Image Blur: blur_radius 4 needs an image larger than 4 pixels"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ImageFilterNodes.sharpen(img, 5, 1.0, 1.0));
        assertTrue(e.getMessage().startsWith("Image Sharpen: sharpen_radius 5"), e.getMessage());
        // sizes that cannot be allocated fail before allocating, naming the node
        e = assertThrows(IllegalArgumentException.class, () -> ImageBatchNodes.empty(16384, 16384, 4096, 0));
        assertTrue(e.getMessage().startsWith("EmptyImage: 4096 image(s) of 16384×16384 is too large"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ImageBatchNodes.repeat(img, 4096 * 4096));
        assertTrue(e.getMessage().startsWith("RepeatImageBatch:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ImageCompositeNodes.pad(img, 16384, 16384, 16384,
                16384, 0));
        assertTrue(e.getMessage().startsWith("Pad Image for Outpainting:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ImageCompositeNodes.totalPixelsSize(4096, 1, 0.01,
                256));
        assertTrue(e.getMessage().startsWith("Scale Image to Total Pixels: 4096×1"), e.getMessage());
    }

    @Test
    void cropPastTheEdgeKeepsComfyUisClamping() {
        ImageValue img = PixelNodesReferenceTest.filled(1, 4, 5, 0.5f);
        assertArrayEquals(new long[] {1, 1, 1, 3}, ImageCompositeNodes.crop(img, 8, 8, 50, 50).pixels().shape());
        assertArrayEquals(new long[] {1, 2, 3, 3}, ImageCompositeNodes.crop(img, 8, 8, 2, 2).pixels().shape());
    }

    @Test
    void nodesRunThroughTheirSchemas() throws Exception {
        ImageValue img = PixelNodesReferenceTest.filled(3, 5, 7, 0.25f);
        List<String> messages = new ArrayList<>();
        List<Object> size = run(new ImageBatchNodes.GetImageSize(), Map.of("image", img), messages);
        assertEquals(List.of(7L, 5L, 3L), size);
        ImageValue empty = (ImageValue) run(new ImageBatchNodes.EmptyImage(), Map.of("width", 2L, "height", 3L,
                "color", 0xFF8000L), messages).get(0);
        assertArrayEquals(new long[] {1, 3, 2, 3}, empty.pixels().shape());
        assertArrayEquals(new float[] {1f, (float) (128 / 255.0), 0f}, Arrays.copyOf(empty.pixels().data(), 3));
        ImageValue crop = (ImageValue) run(new ImageCompositeNodes.ImageCrop(), Map.of("image", img, "width", 4L,
                "height", 4L, "x", 5L, "y", 9L), messages).get(0);
        assertArrayEquals(new long[] {3, 1, 2, 3}, crop.pixels().shape());
        assertEquals(1, messages.size());
        assertTrue(messages.get(0).startsWith("Crop Image: the rectangle 4×4 at (5, 9) reaches past the 7×5 image;"
                + " the result is 2×1"), messages.get(0));
        List<Object> padded = run(new ImageCompositeNodes.ImagePadForOutpaint(), Map.of("image", img, "top", 8L),
                messages);
        assertArrayEquals(new long[] {3, 13, 7, 3}, ((ImageValue) padded.get(0)).pixels().shape());
        assertArrayEquals(new long[] {1, 13, 7}, ((MaskValue) padded.get(1)).mask().shape());
        ImageValue scaled = (ImageValue) run(new ImageCompositeNodes.ImageScaleToTotalPixels(), Map.of("image", img,
                "megapixels", 0.01, "resolution_steps", 8L), messages).get(0);
        // √(10485.76 / 35) = 17.31: 7 → 121.2 → 15 · 8, 5 → 86.5 → 11 · 8
        assertArrayEquals(new long[] {3, 88, 120, 3}, scaled.pixels().shape());
    }

    /** Runs a node on these inputs (by name; the others at their defaults), collecting its messages. */
    private static List<Object> run(dev.noodle.graph.node.Node node, Map<String, Object> inputs,
            List<String> messages) throws Exception {
        dev.noodle.graph.node.NodeInputs in = new dev.noodle.graph.node.NodeInputs() {
            @Override
            public Object value(dev.noodle.graph.spec.InputSpec spec) {
                if (inputs.containsKey(spec.name())) {
                    return inputs.get(spec.name());
                }
                return switch (spec) {
                    case dev.noodle.graph.spec.IntInput i -> i.defaultValue();
                    case dev.noodle.graph.spec.FloatInput f -> f.defaultValue();
                    case dev.noodle.graph.spec.BoolInput b -> b.defaultValue();
                    case dev.noodle.graph.spec.ComboInput c -> c.defaultValue() != null ? c.defaultValue()
                            : c.options().get().get(0);
                    default -> null;
                };
            }

            @Override
            public boolean has(dev.noodle.graph.spec.InputSpec spec) {
                return inputs.containsKey(spec.name());
            }
        };
        dev.noodle.graph.node.NodeContext ctx = new dev.noodle.graph.node.NodeContext() {
            @Override
            public String nodeId() {
                return "1";
            }

            @Override
            public String nodeType() {
                return node.schema().type();
            }

            @Override
            public dev.noodle.graph.node.NodeInputs inputs() {
                return in;
            }

            @Override
            public void progress(long value, long max) {}

            @Override
            public void progress(long value, long max, Object preview) {}

            @Override
            public void message(dev.noodle.graph.node.MessageLevel level, String text) {
                messages.add(text);
            }

            @Override
            public dev.noodle.graph.node.CancellationToken cancellation() {
                return new dev.noodle.graph.node.CancellationToken();
            }

            @Override
            public <T> T service(Class<T> type) {
                return null;
            }

            @Override
            public String runId() {
                return "test";
            }

            @Override
            public dev.noodle.graph.model.Workflow workflow() {
                return null;
            }

            @Override
            public Map<String, String> extraPngInfo() {
                return Map.of();
            }
        };
        return node.execute(ctx).values();
    }

    private static HeapTensor tensor(JsonNode v) {
        return new HeapTensor(longs(v.get("shape")), floats(v.get("data")));
    }
}
