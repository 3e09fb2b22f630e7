package dev.noodle.nodes.image;

import dev.noodle.nodes.host.NodeSupport;

import dev.noodle.engine.image.ImageResize;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.BoolInput;
import dev.noodle.graph.spec.EnumInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.ImageValue;
import java.util.Locale;

/**
 * ComfyUI's per-pixel image nodes: ImageInvert ({@code nodes.py}), ImageBlend
 * ({@code comfy_extras/nodes_post_processing.py}) and ImageStitch ({@code comfy_extras/nodes_images.py}), with their
 * input names, order, defaults and formulas.
 *
 * <p>Images are [B, H, W, 3] floats in [0, 1]. Stateless and thread-safe.
 */
public final class PixelNodes {
    private PixelNodes() {}

    /** ImageBlend's modes, each a per-pixel formula f(a, b) of image1 = a and image2 = b. */
    public enum BlendMode {
        NORMAL,
        MULTIPLY,
        SCREEN,
        OVERLAY,
        SOFT_LIGHT,
        DIFFERENCE;

        /** The name in ComfyUI workflows ({@code soft_light}). */
        public String comfyName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * The blended value before mixing with {@code blend_factor}; formulas as ComfyUI's {@code Blend.blend_mode}
         * (soft light is the W3C compositing formula, with D(a) = ((16a − 12)a + 4)a for a ≤ 0.25, else √a;
         * difference is the signed a − b, clamped only after mixing, as ComfyUI computes it).
         */
        float apply(float a, float b) {
            return switch (this) {
                case NORMAL -> b;
                case MULTIPLY -> a * b;
                case SCREEN -> 1 - (1 - a) * (1 - b);
                case OVERLAY -> a <= 0.5f ? 2 * a * b : 1 - 2 * (1 - a) * (1 - b);
                case SOFT_LIGHT -> b <= 0.5f ? a - (1 - 2 * b) * a * (1 - a) : a + (2 * b - 1) * (softLightD(a) - a);
                case DIFFERENCE -> a - b;
            };
        }

        private static float softLightD(float a) {
            return a <= 0.25f ? ((16 * a - 12) * a + 4) * a : (float) Math.sqrt(a);
        }
    }

    /** Where ImageStitch puts image2 relative to image1. */
    public enum Direction {
        RIGHT,
        DOWN,
        LEFT,
        UP;

        /** The name in ComfyUI workflows. */
        public String comfyName() {
            return name().toLowerCase(Locale.ROOT);
        }

        boolean horizontal() {
            return this == RIGHT || this == LEFT;
        }

        boolean image2First() {
            return this == LEFT || this == UP;
        }
    }

    /** The colour of ImageStitch's spacing strip. */
    public enum SpacingColor {
        WHITE(1, 1, 1),
        BLACK(0, 0, 0),
        RED(1, 0, 0),
        GREEN(0, 1, 0),
        BLUE(0, 0, 1);

        private final float[] rgb;

        SpacingColor(float r, float g, float b) {
            this.rgb = new float[] {r, g, b};
        }

        /** The name in ComfyUI workflows. */
        public String comfyName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * The value that pads the shorter image when sizes are not matched: ComfyUI pads with the colour only for
         * white and black (a single number there) and with black (0) for red, green and blue.
         */
        float padValue() {
            return this == WHITE ? 1f : 0f;
        }
    }

    static final SocketInput<ImageValue> IMAGE = SocketInput.of("image", PortType.IMAGE, ImageValue.class);
    static final SocketInput<ImageValue> IMAGE1 = SocketInput.of("image1", PortType.IMAGE, ImageValue.class);
    static final SocketInput<ImageValue> IMAGE2 = SocketInput.of("image2", PortType.IMAGE, ImageValue.class);

    /** 1 − x for every value (ComfyUI's ImageInvert). */
    public static ImageValue invert(ImageValue image) {
        float[] in = image.pixels().data();
        float[] out = new float[in.length];
        for (int i = 0; i < in.length; i++) {
            out[i] = 1f - in[i];
        }
        return new ImageValue(new HeapTensor(image.pixels().shape(), out));
    }

    /**
     * ComfyUI's ImageBlend: image2 is resized to image1's size when their shapes differ (bicubic after a centre crop
     * to image1's aspect), then out = clamp(image1·(1 − factor) + mode(image1, image2)·factor, 0, 1). Batches
     * broadcast as torch does: equal, or one of them 1.
     *
     * @throws IllegalArgumentException naming the inputs when the batch sizes cannot broadcast or an image is empty
     */
    public static ImageValue blend(ImageValue image1, ImageValue image2, double factor, BlendMode mode) {
        requirePixels("Image Blend", "image1", image1);
        requirePixels("Image Blend", "image2", image2);
        int b1 = image1.batch();
        int b2 = image2.batch();
        if (b1 != b2 && b1 != 1 && b2 != 1) {
            throw new IllegalArgumentException("Image Blend: image1 has " + b1 + " images and image2 has " + b2
                    + "; give both the same batch size, or one of them a single image that blends into every one");
        }
        int h = image1.height();
        int w = image1.width();
        if (image2.height() != h || image2.width() != w) {
            image2 = ScaleNodes.scaleImage(image2, w, h, ImageResize.Method.BICUBIC, true);
        }
        int batch = Math.max(b1, b2);
        int plane = h * w * 3;
        float keep = (float) (1.0 - factor); // Python computes 1 - blend_factor in double, torch multiplies in float
        float take = (float) factor;
        float[] a = image1.pixels().data();
        float[] b = image2.pixels().data();
        float[] out = new float[batch * plane];
        for (int i = 0; i < batch; i++) {
            int oa = (b1 == 1 ? 0 : i) * plane;
            int ob = (b2 == 1 ? 0 : i) * plane;
            for (int p = 0; p < plane; p++) {
                float x = a[oa + p];
                float v = x * keep + mode.apply(x, b[ob + p]) * take;
                out[i * plane + p] = Math.min(1f, Math.max(0f, v));
            }
        }
        return new ImageValue(new HeapTensor(new long[] {batch, h, w, 3}, out));
    }

    /**
     * ComfyUI's ImageStitch: image2 joined to image1 on the given side. The shorter batch repeats its last image;
     * with {@code matchSize} image2 is resized (Lanczos) to image1's height (left/right: width
     * {@code int(h1 · w2 / h2)}) or width (up/down: height {@code int(w1 / (w2 / h2))}); without it the smaller
     * image is padded, centred, to the other's height or width. A strip of {@code spacing} pixels (rounded up to
     * even) in the spacing colour goes between them.
     *
     * @throws IllegalArgumentException naming the input when an image is empty or would be resized to nothing
     */
    public static ImageValue stitch(ImageValue image1, ImageValue image2, Direction direction, boolean matchSize,
            int spacing, SpacingColor color) {
        requirePixels("Image Stitch", "image1", image1);
        if (image2 == null) {
            return image1;
        }
        requirePixels("Image Stitch", "image2", image2);
        int batch = Math.max(image1.batch(), image2.batch());
        if (matchSize) {
            int h1 = image1.height();
            int w1 = image1.width();
            double aspect = (double) image2.width() / image2.height();
            int tw = direction.horizontal() ? (int) (h1 * aspect) : w1;
            int th = direction.horizontal() ? h1 : (int) (w1 / aspect);
            if (tw < 1 || th < 1) {
                throw new IllegalArgumentException("Image Stitch: image2 (" + image2.width() + "×" + image2.height()
                        + ") matched to image1's " + (direction.horizontal() ? "height " + h1 : "width " + w1)
                        + " would be " + tw + "×" + th + " pixels; turn match_image_size off or use a less narrow"
                        + " image2");
            }
            image2 = ScaleNodes.scaleImage(image2, tw, th, ImageResize.Method.LANCZOS, false);
        }
        int h1 = image1.height();
        int w1 = image1.width();
        int h2 = image2.height();
        int w2 = image2.width();
        int strip = spacing <= 0 ? 0 : spacing + spacing % 2;
        int outH = direction.horizontal() ? Math.max(h1, h2) : h1 + h2 + strip;
        int outW = direction.horizontal() ? w1 + w2 + strip : Math.max(w1, w2);
        // the canvas starts as padding; the images and the strip are drawn over it
        float[] out = new float[batch * outH * outW * 3];
        java.util.Arrays.fill(out, color.padValue());
        ImageValue first = direction.image2First() ? image2 : image1;
        ImageValue second = direction.image2First() ? image1 : image2;
        int firstExtent = direction.horizontal() ? first.width() : first.height();
        for (int i = 0; i < batch; i++) {
            place(out, i, outH, outW, first, 0, direction.horizontal());
            for (int s = firstExtent; s < firstExtent + strip; s++) {
                int across = direction.horizontal() ? outH : outW;
                for (int t = 0; t < across; t++) {
                    int y = direction.horizontal() ? t : s;
                    int x = direction.horizontal() ? s : t;
                    System.arraycopy(color.rgb, 0, out, ((i * outH + y) * outW + x) * 3, 3);
                }
            }
            place(out, i, outH, outW, second, firstExtent + strip, direction.horizontal());
        }
        return new ImageValue(new HeapTensor(new long[] {batch, outH, outW, 3}, out));
    }

    /**
     * Copies sample {@code i} of {@code img} (its last sample when its batch is shorter) onto the canvas at
     * {@code offset} along the join axis, centred across it (top/left padding {@code pad / 2}, as ComfyUI pads).
     */
    private static void place(float[] out, int i, int outH, int outW, ImageValue img, int offset, boolean horizontal) {
        int h = img.height();
        int w = img.width();
        int src = Math.min(i, img.batch() - 1);
        int y0 = horizontal ? (outH - h) / 2 : offset;
        int x0 = horizontal ? offset : (outW - w) / 2;
        float[] d = img.pixels().data();
        for (int y = 0; y < h; y++) {
            System.arraycopy(d, ((src * h + y) * w) * 3, out, ((i * outH + y0 + y) * outW + x0) * 3, w * 3);
        }
    }

    private static void requirePixels(String node, String input, ImageValue img) {
        if (img.batch() < 1 || img.height() < 1 || img.width() < 1) {
            throw new IllegalArgumentException(node + ": " + input + " is empty (" + img.batch() + " image(s) of "
                    + img.width() + "×" + img.height() + "); connect an image with pixels");
        }
    }

    /** ImageInvert: the photographic negative, 1 − x. */
    public static final class ImageInvert extends Node {
        public ImageInvert() {
            super(NodeSupport.schema("ImageInvert", "Invert Image", "image",
                            "Inverts the colours: every value x becomes 1 − x (a photographic negative).")
                    .input(IMAGE)
                    .output(PortType.IMAGE));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            ImageValue image = ctx.inputs().get(IMAGE);
            requirePixels("Invert Image", "image", image);
            return NodeOutputs.of(invert(image));
        }
    }

    /** ImageBlend: image2 over image1 with a blend mode and a factor. */
    public static final class ImageBlend extends Node {
        static final FloatInput BLEND_FACTOR = FloatInput.of("blend_factor", 0.5, 0.0, 1.0, 0.01);
        static final EnumInput<BlendMode> BLEND_MODE =
                EnumInput.of("blend_mode", BlendMode.class, BlendMode::comfyName);

        public ImageBlend() {
            super(NodeSupport.schema("ImageBlend", "Image Blend", "image/postprocessing",
                            "Blends image2 into image1 with a blend mode (normal, multiply, screen, overlay, soft"
                                    + " light, difference); blend_factor 0 keeps image1, 1 gives the blend. image2"
                                    + " is resized to image1's size when they differ.")
                    .input(IMAGE1)
                    .input(IMAGE2)
                    .input(BLEND_FACTOR)
                    .input(BLEND_MODE)
                    .output(PortType.IMAGE));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            return NodeOutputs.of(blend(in.get(IMAGE1), in.get(IMAGE2), in.get(BLEND_FACTOR), in.get(BLEND_MODE)));
        }
    }

    /** ImageStitch: two images side by side or one above the other, with optional spacing. */
    public static final class ImageStitch extends Node {
        static final EnumInput<Direction> DIRECTION = EnumInput.of("direction", Direction.class, Direction::comfyName);
        static final BoolInput MATCH_IMAGE_SIZE = BoolInput.of("match_image_size", true);
        static final IntInput SPACING_WIDTH = new IntInput("spacing_width", 0, 0, 1024, 2, false, "", false);
        static final EnumInput<SpacingColor> SPACING_COLOR =
                EnumInput.of("spacing_color", SpacingColor.class, SpacingColor::comfyName);
        static final SocketInput<ImageValue> OPTIONAL_IMAGE2 = IMAGE2.asOptional();

        public ImageStitch() {
            super(NodeSupport.schema("ImageStitch", "Image Stitch", "image/transform",
                            "Stitches image2 to image1 in the specified direction.\nIf image2 is not provided,"
                                    + " returns image1 unchanged.\nOptional spacing can be added between images.")
                    .input(IMAGE1)
                    .input(DIRECTION)
                    .input(MATCH_IMAGE_SIZE)
                    .input(SPACING_WIDTH)
                    .input(SPACING_COLOR)
                    .input(OPTIONAL_IMAGE2)
                    .output(PortType.IMAGE));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            return NodeOutputs.of(stitch(in.get(IMAGE1), in.get(OPTIONAL_IMAGE2), in.get(DIRECTION),
                    in.get(MATCH_IMAGE_SIZE), in.getInt(SPACING_WIDTH), in.get(SPACING_COLOR)));
        }
    }
}
