package dev.noodle.nodes.image;

import dev.noodle.engine.image.ImageFormatException;
import dev.noodle.engine.image.ImageResize;
import dev.noodle.engine.image.LoadedImage;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.BoolInput;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.EnumInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.nodes.conditioning.ConditioningNodes;
import dev.noodle.nodes.host.MemoryPreflight;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NodeSupport;
import dev.noodle.nodes.loaders.LoaderNodes;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.ImageValue;
import dev.noodle.nodes.values.MaskValue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * ComfyUI's MASK nodes, with their names, inputs, defaults and semantics: LoadImageMask ({@code nodes.py}),
 * ImageToMask, ImageColorToMask, MaskToImage, SolidMask, InvertMask, CropMask, MaskComposite, FeatherMask, GrowMask,
 * ThresholdMask and MaskPreview ({@code comfy_extras/nodes_mask.py}), JoinImageWithAlpha and SplitImageWithAlpha
 * ({@code comfy_extras/nodes_compositing.py}).
 *
 * <p>Masks are [B, H, W] floats, 1 = masked. The static methods are the nodes' computations, stateless and
 * thread-safe; they throw {@link IllegalArgumentException} naming the node and input for input they cannot use.
 */
public final class MaskNodes {
    private MaskNodes() {}

    static final int MAX_RESOLUTION = (int) ConditioningNodes.MAX_RESOLUTION;

    static final SocketInput<MaskValue> MASK = SocketInput.of("mask", PortType.MASK, MaskValue.class);
    static final SocketInput<ImageValue> IMAGE = SocketInput.of("image", PortType.IMAGE, ImageValue.class);

    /** An image channel, in ComfyUI's spelling. */
    public enum Channel {
        RED,
        GREEN,
        BLUE,
        ALPHA;

        /** The name in ComfyUI workflows. */
        public String comfyName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** MaskComposite's operations, in ComfyUI's order. */
    public enum Operation {
        MULTIPLY,
        ADD,
        SUBTRACT,
        AND,
        OR,
        XOR;

        /** The name in ComfyUI workflows. */
        public String comfyName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * The combined value before clamping. The logical ones read each value as torch's {@code round().bool()}:
         * rounded half to even, true when not zero (so 0.5 is false, 0.51 true), and give 0 or 1.
         */
        float apply(float d, float s) {
            return switch (this) {
                case MULTIPLY -> d * s;
                case ADD -> d + s;
                case SUBTRACT -> d - s;
                case AND -> truth(d) && truth(s) ? 1f : 0f;
                case OR -> truth(d) || truth(s) ? 1f : 0f;
                case XOR -> truth(d) ^ truth(s) ? 1f : 0f;
            };
        }

        private static boolean truth(float v) {
            return Math.rint(v) != 0; // NaN rounds to NaN, which is true, as in torch
        }
    }

    // ---------------------------------------------------------------- computations

    /** The mask as [B, H, W] floats; a rank-2 mask is a batch of one. */
    static void requireMask(String node, String input, MaskValue m) {
        int rank = m.mask().rank();
        if ((rank != 2 && rank != 3) || m.batch() < 1 || m.height() < 1 || m.width() < 1) {
            throw new IllegalArgumentException(node + ": " + input + " is not a usable mask (shape "
                    + Arrays.toString(m.mask().shape()) + "); connect a mask of at least one pixel");
        }
    }

    static void requireImage(String node, String input, ImageValue img) {
        if (img.pixels().rank() != 4 || img.pixels().dim(3) != 3 || img.batch() < 1 || img.height() < 1
                || img.width() < 1) {
            throw new IllegalArgumentException(node + ": " + input + " is not a usable image (shape "
                    + Arrays.toString(img.pixels().shape()) + "); connect an image of at least one pixel");
        }
    }

    private static MaskValue mask(int b, int h, int w, float[] data) {
        return new MaskValue(new HeapTensor(new long[] {b, h, w}, data));
    }

    /**
     * ImageToMask: one channel of every image, [B, H, W]. Alpha is the opacity as stored (not inverted); an image
     * without alpha has none to give.
     */
    public static MaskValue imageToMask(ImageValue image, Channel channel) {
        requireImage("Convert Image to Mask", "image", image);
        int b = image.batch();
        int h = image.height();
        int w = image.width();
        if (channel == Channel.ALPHA) {
            if (!image.hasAlpha()) {
                throw new IllegalArgumentException("Convert Image to Mask: the image has no alpha channel (it has"
                        + " red, green and blue only); pick red, green or blue, or give an image with alpha (Join"
                        + " Image with Alpha)");
            }
            return mask(b, h, w, image.alpha().data().clone());
        }
        float[] px = image.pixels().data();
        float[] out = new float[b * h * w];
        int c = channel.ordinal();
        for (int i = 0; i < out.length; i++) {
            out[i] = px[i * 3 + c];
        }
        return mask(b, h, w, out);
    }

    /**
     * ImageColorToMask: 1 where a pixel's colour, as 8-bit values {@code round(clamp(v, 0, 1) · 255)} (half to even)
     * packed as 0xRRGGBB, equals {@code color}, else 0.
     */
    public static MaskValue colorToMask(ImageValue image, long color) {
        requireImage("Image Color to Mask", "image", image);
        float[] px = image.pixels().data();
        float[] out = new float[image.batch() * image.height() * image.width()];
        for (int i = 0; i < out.length; i++) {
            long rgb = (byte8(px[i * 3]) << 16) + (byte8(px[i * 3 + 1]) << 8) + byte8(px[i * 3 + 2]);
            out[i] = rgb == color ? 1f : 0f;
        }
        return mask(image.batch(), image.height(), image.width(), out);
    }

    /** torch's {@code (clamp(v, 0, 1) * 255).round().to(int)} (NaN stays NaN through clamp and becomes 0 here). */
    private static long byte8(float v) {
        return (long) Math.rint(clamp01(v) * 255f);
    }

    /** MaskToImage: each mask as a grey RGB image, [B, H, W, 3]. */
    public static ImageValue maskToImage(MaskValue mask) {
        requireMask("Convert Mask to Image", "mask", mask);
        float[] m = mask.mask().data();
        float[] out = new float[m.length * 3];
        for (int i = 0; i < m.length; i++) {
            out[i * 3] = m[i];
            out[i * 3 + 1] = m[i];
            out[i * 3 + 2] = m[i];
        }
        return new ImageValue(new HeapTensor(new long[] {mask.batch(), mask.height(), mask.width(), 3}, out));
    }

    /** SolidMask: one [1, height, width] mask filled with {@code value} (as float32). */
    public static MaskValue solid(double value, int width, int height) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("Solid Mask: width and height must be at least 1, got " + width + "×"
                    + height);
        }
        MemoryPreflight.check("SolidMask", 1, height, width);
        float[] out = new float[width * height];
        Arrays.fill(out, (float) value);
        return mask(1, height, width, out);
    }

    /** InvertMask: 1 − m for every value. */
    public static MaskValue invert(MaskValue mask) {
        requireMask("Invert Mask", "mask", mask);
        float[] m = mask.mask().data();
        float[] out = new float[m.length];
        for (int i = 0; i < m.length; i++) {
            out[i] = 1f - m[i];
        }
        return mask(mask.batch(), mask.height(), mask.width(), out);
    }

    /**
     * CropMask: rows y..y+height and columns x..x+width of every mask, cut at the mask's edges as Python slices are
     * (a crop reaching past the right or bottom edge is smaller).
     *
     * @throws IllegalArgumentException when the crop starts at or past the right or bottom edge (nothing is left)
     */
    public static MaskValue crop(MaskValue mask, int x, int y, int width, int height) {
        requireMask("Crop Mask", "mask", mask);
        int b = mask.batch();
        int h = mask.height();
        int w = mask.width();
        if (x < 0 || y < 0 || width < 1 || height < 1) {
            throw new IllegalArgumentException("Crop Mask: x and y must be at least 0 and width and height at least"
                    + " 1, got x=" + x + " y=" + y + " width=" + width + " height=" + height);
        }
        if (x >= w || y >= h) {
            throw new IllegalArgumentException("Crop Mask: the crop starts at x=" + x + ", y=" + y + ", outside the "
                    + w + "×" + h + " mask, so nothing is left; choose x below " + w + " and y below " + h);
        }
        int x1 = (int) Math.min((long) x + width, w);
        int y1 = (int) Math.min((long) y + height, h);
        int ow = x1 - x;
        int oh = y1 - y;
        float[] m = mask.mask().data();
        float[] out = new float[b * oh * ow];
        for (int i = 0; i < b; i++) {
            for (int r = 0; r < oh; r++) {
                System.arraycopy(m, (i * h + y + r) * w + x, out, (i * oh + r) * ow, ow);
            }
        }
        return mask(b, oh, ow, out);
    }

    /**
     * MaskComposite: {@code source} combined into {@code destination} with its top-left corner at (x, y); the part of
     * the source past the destination's right and bottom edges is dropped, a source placed entirely outside changes
     * nothing. Then the whole result is clamped to [0, 1]. The source batch must equal the destination's or be 1
     * (one source mask for every destination mask).
     */
    public static MaskValue composite(MaskValue destination, MaskValue source, int x, int y, Operation op) {
        requireMask("Mask Composite", "destination", destination);
        requireMask("Mask Composite", "source", source);
        int bd = destination.batch();
        int bs = source.batch();
        if (bs != bd && bs != 1) {
            throw new IllegalArgumentException("Mask Composite: destination has " + bd + " masks and source has " + bs
                    + "; give the source the same batch size, or a single mask that applies to every one");
        }
        if (x < 0 || y < 0) {
            throw new IllegalArgumentException("Mask Composite: x and y must be at least 0, got x=" + x + " y=" + y);
        }
        int h = destination.height();
        int w = destination.width();
        int sh = source.height();
        int sw = source.width();
        float[] out = destination.mask().data().clone();
        float[] s = source.mask().data();
        int right = (int) Math.min((long) x + sw, w);
        int bottom = (int) Math.min((long) y + sh, h);
        for (int i = 0; i < bd; i++) {
            int si = bs == 1 ? 0 : i;
            for (int r = y; r < bottom; r++) {
                for (int c = x; c < right; c++) {
                    int o = (i * h + r) * w + c;
                    out[o] = op.apply(out[o], s[(si * sh + r - y) * sw + c - x]);
                }
            }
        }
        for (int i = 0; i < out.length; i++) {
            out[i] = clamp01(out[i]);
        }
        return mask(bd, h, w, out);
    }

    /** torch.clamp(v, 0, 1): NaN stays NaN. */
    private static float clamp01(float v) {
        return v < 0f ? 0f : (v > 1f ? 1f : v);
    }

    /**
     * FeatherMask: linear ramps towards the edges, exactly as ComfyUI computes them (each ramp is a run of
     * multiplications in float32, left, then right, then top, then bottom; each distance is cut to the mask's size).
     * Left: column x (0-based) is multiplied by (x + 1) / left. Top likewise by rows. Right: for k = 0..right−1 the
     * column {@code -k} (Python indexing) is multiplied by (k + 1) / right; as {@code -0} is column 0, the first
     * column takes a factor 1/right and the last column 2/right, not 1/right. Bottom likewise with rows.
     */
    public static MaskValue feather(MaskValue mask, int left, int top, int right, int bottom) {
        requireMask("Feather Mask", "mask", mask);
        if (left < 0 || top < 0 || right < 0 || bottom < 0) {
            throw new IllegalArgumentException("Feather Mask: left, top, right and bottom must be at least 0, got "
                    + left + ", " + top + ", " + right + ", " + bottom);
        }
        int b = mask.batch();
        int h = mask.height();
        int w = mask.width();
        left = Math.min(left, w);
        right = Math.min(right, w);
        top = Math.min(top, h);
        bottom = Math.min(bottom, h);
        float[] out = mask.mask().data().clone();
        for (int x = 0; x < left; x++) {
            scaleColumn(out, b, h, w, x, (float) ((x + 1.0) / left));
        }
        for (int x = 0; x < right; x++) {
            scaleColumn(out, b, h, w, x == 0 ? 0 : w - x, (float) ((x + 1.0) / right));
        }
        for (int y = 0; y < top; y++) {
            scaleRow(out, b, h, w, y, (float) ((y + 1.0) / top));
        }
        for (int y = 0; y < bottom; y++) {
            scaleRow(out, b, h, w, y == 0 ? 0 : h - y, (float) ((y + 1.0) / bottom));
        }
        return mask(b, h, w, out);
    }

    private static void scaleColumn(float[] m, int b, int h, int w, int col, float f) {
        for (int i = 0; i < b * h; i++) {
            m[i * w + col] *= f;
        }
    }

    private static void scaleRow(float[] m, int b, int h, int w, int row, float f) {
        for (int i = 0; i < b; i++) {
            int o = (i * h + row) * w;
            for (int x = 0; x < w; x++) {
                m[o + x] *= f;
            }
        }
    }

    /**
     * GrowMask: |expand| steps of greyscale dilation (expand &gt; 0: each value becomes the largest in its 3×3
     * neighbourhood) or erosion (expand &lt; 0: the smallest), as ComfyUI's {@code scipy.ndimage.grey_dilation} /
     * {@code grey_erosion} with a 3×3 footprint; with tapered corners the footprint is the cross (centre and its four
     * edge neighbours), without it the full square. Pixels past the edge are mirrored (scipy's "reflect"), which for
     * a 3×3 footprint is the same as leaving them out. Steps stop early once a step changes nothing, which gives
     * the same result.
     */
    public static MaskValue grow(MaskValue mask, int expand, boolean taperedCorners, Runnable checkCancelled) {
        requireMask("Grow Mask", "mask", mask);
        int b = mask.batch();
        int h = mask.height();
        int w = mask.width();
        boolean dilate = expand > 0;
        int steps = Math.abs(expand);
        float[] out = mask.mask().data().clone();
        float[] cur = new float[h * w];
        float[] next = new float[h * w];
        for (int i = 0; i < b; i++) {
            System.arraycopy(out, i * h * w, cur, 0, h * w);
            for (int s = 0; s < steps; s++) {
                checkCancelled.run();
                if (!morphStep(cur, next, h, w, dilate, !taperedCorners)) {
                    break;
                }
                float[] t = cur;
                cur = next;
                next = t;
            }
            System.arraycopy(cur, 0, out, i * h * w, h * w);
        }
        return mask(b, h, w, out);
    }

    /** One 3×3 dilation or erosion step from {@code in} into {@code out}; returns whether any value changed. */
    private static boolean morphStep(float[] in, float[] out, int h, int w, boolean dilate, boolean square) {
        boolean changed = false;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                float v = in[y * w + x];
                for (int dy = -1; dy <= 1; dy++) {
                    int yy = y + dy;
                    if (yy < 0 || yy >= h) {
                        continue;
                    }
                    for (int dx = -1; dx <= 1; dx++) {
                        int xx = x + dx;
                        if (xx < 0 || xx >= w || (!square && dx != 0 && dy != 0)) {
                            continue;
                        }
                        float n = in[yy * w + xx];
                        v = dilate ? Math.max(v, n) : Math.min(v, n);
                    }
                }
                changed |= Float.compare(v, in[y * w + x]) != 0;
                out[y * w + x] = v;
            }
        }
        return changed;
    }

    /** ThresholdMask: 1 where the value is above {@code value} (compared in float32), else 0. */
    public static MaskValue threshold(MaskValue mask, double value) {
        requireMask("Threshold Mask", "mask", mask);
        float t = (float) value;
        float[] m = mask.mask().data();
        float[] out = new float[m.length];
        for (int i = 0; i < m.length; i++) {
            out[i] = m[i] > t ? 1f : 0f;
        }
        return mask(mask.batch(), mask.height(), mask.width(), out);
    }

    /**
     * JoinImageWithAlpha: the images with alpha = 1 − mask, the masks resized (bilinear, as torch's
     * {@code interpolate(mode="bilinear")}) to the image size when they differ. The result has as many images as the
     * shorter of the two batches.
     */
    public static ImageValue joinAlpha(ImageValue image, MaskValue alpha) {
        requireImage("Join Image with Alpha", "image", image);
        requireMask("Join Image with Alpha", "alpha", alpha);
        int n = Math.min(image.batch(), alpha.batch());
        int h = image.height();
        int w = image.width();
        int ah = alpha.height();
        int aw = alpha.width();
        float[] a = alpha.mask().data();
        float[] outAlpha = new float[n * h * w];
        for (int i = 0; i < n; i++) {
            float[] one = Arrays.copyOfRange(a, i * ah * aw, (i + 1) * ah * aw);
            float[] sized = ah == h && aw == w ? one
                    : ImageResize.resize(one, ah, aw, 1, h, w, ImageResize.Method.BILINEAR);
            for (int p = 0; p < h * w; p++) {
                outAlpha[i * h * w + p] = 1f - sized[p];
            }
        }
        float[] px = Arrays.copyOf(image.pixels().data(), n * h * w * 3);
        return new ImageValue(new HeapTensor(new long[] {n, h, w, 3}, px),
                new HeapTensor(new long[] {n, h, w}, outAlpha));
    }

    /**
     * SplitImageWithAlpha: the colours, and the mask 1 − alpha (all zeros, nothing masked, for an image without
     * alpha).
     */
    public static NodeOutputs splitAlpha(ImageValue image) {
        requireImage("Split Image with Alpha", "image", image);
        int b = image.batch();
        int h = image.height();
        int w = image.width();
        float[] out = new float[b * h * w];
        if (image.hasAlpha()) {
            float[] a = image.alpha().data();
            for (int i = 0; i < out.length; i++) {
                out[i] = 1f - a[i];
            }
        }
        return NodeOutputs.of(new ImageValue(image.pixels()), mask(b, h, w, out));
    }

    /**
     * LoadImageMask's computation on a loaded image: one colour channel, or for alpha the mask 1 − alpha; an image
     * without alpha is opaque, so its alpha mask is all zeros at the image's size (ComfyUI converts to RGBA first).
     *
     * @param image [1, H, W, 3] as LoadImage gives it
     * @param alphaMask LoadImage's mask: 1 − alpha [1, H, W], or its 64×64 stand-in when there is no alpha
     * @param hasAlpha whether {@code alphaMask} comes from the file's alpha channel
     */
    static MaskValue channelMask(HeapTensor image, HeapTensor alphaMask, boolean hasAlpha, Channel channel) {
        int h = (int) image.dim(1);
        int w = (int) image.dim(2);
        if (channel == Channel.ALPHA) {
            return hasAlpha ? mask(1, h, w, alphaMask.data()) : mask(1, h, w, new float[h * w]);
        }
        float[] px = image.data();
        float[] out = new float[h * w];
        for (int i = 0; i < out.length; i++) {
            out[i] = px[i * 3 + channel.ordinal()];
        }
        return mask(1, h, w, out);
    }

    // ---------------------------------------------------------------- nodes

    /** LoadImageMask: one channel of an input-folder image as a MASK. */
    public static final class LoadImageMask extends Node {
        static final EnumInput<Channel> CHANNEL = EnumInput.of("channel",
                List.of(Channel.ALPHA, Channel.RED, Channel.GREEN, Channel.BLUE), Channel::comfyName);

        private final NodeEnvironment env;
        private final ComboInput image;

        public LoadImageMask(NodeEnvironment env) {
            this(env, ImageNodes.imageInput(env));
        }

        private LoadImageMask(NodeEnvironment env, ComboInput image) {
            super(NodeSupport.schema("LoadImageMask", "Load Image (as Mask)", "mask",
                            "Loads an image from the input folder and gives one channel of it as a MASK: alpha"
                                    + " (transparent parts are masked, 1 − alpha; an image without alpha masks"
                                    + " nothing), red, green or blue (bright parts are masked).")
                    .input(image)
                    .input(CHANNEL)
                    .output(PortType.MASK, "MASK"));
            this.env = env;
            this.image = image;
        }

        @Override
        public Optional<String> changeFingerprint(NodeInputs inputs) {
            return LoaderNodes.fileFingerprint(ImageNodes.inputImage(env, inputs.get(image)));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            String name = ctx.inputs().get(image);
            Path p;
            try {
                p = ImageNodes.inputImage(env, name);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Load Image (as Mask): " + e.getMessage(), e);
            }
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException("Load Image (as Mask): image '" + name + "' is not the file " + p
                        + "; put the file there (or upload it) and pick it again");
            }
            try (ai.djl.ndarray.NDManager m = NodeSupport.scope(ctx)) {
                LoadedImage img = LoadedImage.load(p, m);
                HeapTensor rgb = HeapTensor.of(img.image());
                HeapTensor alpha = HeapTensor.of(img.mask());
                // without alpha LoadedImage gives a 64×64 stand-in; a 64×64 image without alpha gets zeros either way
                boolean hasAlpha = alpha.dim(1) == rgb.dim(1) && alpha.dim(2) == rgb.dim(2);
                return NodeOutputs.of(channelMask(rgb, alpha, hasAlpha, ctx.inputs().get(CHANNEL)));
            } catch (ImageFormatException e) {
                throw new IllegalArgumentException("Load Image (as Mask): " + e.getMessage()
                        + "; replace it with a PNG, JPEG, BMP or GIF image", e);
            }
        }
    }

    /** ImageToMask: one channel of an image as a MASK. */
    public static final class ImageToMask extends Node {
        static final EnumInput<Channel> CHANNEL = EnumInput.of("channel", Channel.class, Channel::comfyName);

        public ImageToMask() {
            super(NodeSupport.schema("ImageToMask", "Convert Image to Mask", "mask",
                            "Takes one channel (red, green, blue or alpha) of the image as a mask.")
                    .input(IMAGE)
                    .input(CHANNEL)
                    .output(PortType.MASK));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            return NodeOutputs.of(imageToMask(ctx.inputs().get(IMAGE), ctx.inputs().get(CHANNEL)));
        }
    }

    /** ImageColorToMask: where the image has exactly one colour. */
    public static final class ImageColorToMask extends Node {
        static final IntInput COLOR = IntInput.of("color", 0, 0, 0xFFFFFF);

        public ImageColorToMask() {
            super(NodeSupport.schema("ImageColorToMask", "Image Color to Mask", "mask",
                            "Masks the pixels of exactly one colour, given as a number 0xRRGGBB (0 black, 16777215"
                                    + " white), comparing 8-bit values.")
                    .input(IMAGE)
                    .input(COLOR)
                    .output(PortType.MASK));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            return NodeOutputs.of(colorToMask(ctx.inputs().get(IMAGE), ctx.inputs().get(COLOR)));
        }
    }

    /** MaskPreview: shows a mask as a grey image, kept in the temp folder like Preview Image. */
    public static final class MaskPreview extends Node {
        private final NodeEnvironment env;

        public MaskPreview(NodeEnvironment env) {
            super(NodeSupport.schema("MaskPreview", "Preview Mask", "mask",
                            "Shows the mask as a grey picture (white = masked) without keeping it.")
                    .input(MASK)
                    .outputNode(true));
            this.env = env;
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) throws java.io.IOException {
            ImageValue grey = maskToImage(ctx.inputs().get(MASK));
            String prefix = "NoodleTemp_" + Long.toString(System.nanoTime() & 0xffffff, 36);
            return new NodeOutputs(List.of(), java.util.Map.of("images",
                    ImageNodes.save(ctx, grey, env.tempDir(), prefix)));
        }
    }

    /** MaskToImage: a mask as a grey image. */
    public static final class MaskToImage extends Node {
        public MaskToImage() {
            super(NodeSupport.schema("MaskToImage", "Convert Mask to Image", "mask",
                            "Shows a mask as a grey image: the same value in red, green and blue.")
                    .input(MASK)
                    .output(PortType.IMAGE));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            return NodeOutputs.of(maskToImage(ctx.inputs().get(MASK)));
        }
    }

    /** SolidMask: a mask of one value. */
    public static final class SolidMask extends Node {
        static final FloatInput VALUE = FloatInput.of("value", 1.0, 0.0, 1.0, 0.01);
        static final IntInput WIDTH = IntInput.of("width", 512, 1, MAX_RESOLUTION);
        static final IntInput HEIGHT = IntInput.of("height", 512, 1, MAX_RESOLUTION);

        public SolidMask() {
            super(NodeSupport.schema("SolidMask", "Solid Mask", "mask",
                            "A width × height mask with the same value everywhere (1 masks everything, 0 nothing).")
                    .input(VALUE)
                    .input(WIDTH)
                    .input(HEIGHT)
                    .output(PortType.MASK));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            return NodeOutputs.of(solid(in.get(VALUE), in.getInt(WIDTH), in.getInt(HEIGHT)));
        }
    }

    /** InvertMask: 1 − mask. */
    public static final class InvertMask extends Node {
        public InvertMask() {
            super(NodeSupport.schema("InvertMask", "Invert Mask", "mask",
                            "Swaps masked and unmasked: every value m becomes 1 − m.")
                    .input(MASK)
                    .output(PortType.MASK));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            return NodeOutputs.of(invert(ctx.inputs().get(MASK)));
        }
    }

    /** CropMask: a rectangle of the mask. */
    public static final class CropMask extends Node {
        static final IntInput X = IntInput.of("x", 0, 0, MAX_RESOLUTION);
        static final IntInput Y = IntInput.of("y", 0, 0, MAX_RESOLUTION);
        static final IntInput WIDTH = IntInput.of("width", 512, 1, MAX_RESOLUTION);
        static final IntInput HEIGHT = IntInput.of("height", 512, 1, MAX_RESOLUTION);

        public CropMask() {
            super(NodeSupport.schema("CropMask", "Crop Mask", "mask",
                            "Cuts the width × height rectangle at (x, y) out of the mask; a rectangle reaching past"
                                    + " the mask's right or bottom edge is cut there.")
                    .input(MASK)
                    .input(X)
                    .input(Y)
                    .input(WIDTH)
                    .input(HEIGHT)
                    .output(PortType.MASK));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            return NodeOutputs.of(crop(in.get(MASK), in.getInt(X), in.getInt(Y), in.getInt(WIDTH), in.getInt(HEIGHT)));
        }
    }

    /** MaskComposite: two masks combined at an offset. */
    public static final class MaskComposite extends Node {
        static final SocketInput<MaskValue> DESTINATION =
                SocketInput.of("destination", PortType.MASK, MaskValue.class);
        static final SocketInput<MaskValue> SOURCE = SocketInput.of("source", PortType.MASK, MaskValue.class);
        static final IntInput X = IntInput.of("x", 0, 0, MAX_RESOLUTION);
        static final IntInput Y = IntInput.of("y", 0, 0, MAX_RESOLUTION);
        static final EnumInput<Operation> OPERATION =
                EnumInput.of("operation", Operation.class, Operation::comfyName);

        public MaskComposite() {
            super(NodeSupport.schema("MaskComposite", "Mask Composite", "mask",
                            "Combines source into destination with its top-left corner at (x, y): multiply, add,"
                                    + " subtract, or the logical and, or, xor (values rounded to 0 or 1). The result"
                                    + " is kept between 0 and 1.")
                    .input(DESTINATION)
                    .input(SOURCE)
                    .input(X)
                    .input(Y)
                    .input(OPERATION)
                    .output(PortType.MASK));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            return NodeOutputs.of(composite(in.get(DESTINATION), in.get(SOURCE), in.getInt(X), in.getInt(Y),
                    in.get(OPERATION)));
        }
    }

    /** FeatherMask: linear fades towards the edges. */
    public static final class FeatherMask extends Node {
        static final IntInput LEFT = IntInput.of("left", 0, 0, MAX_RESOLUTION);
        static final IntInput TOP = IntInput.of("top", 0, 0, MAX_RESOLUTION);
        static final IntInput RIGHT = IntInput.of("right", 0, 0, MAX_RESOLUTION);
        static final IntInput BOTTOM = IntInput.of("bottom", 0, 0, MAX_RESOLUTION);

        public FeatherMask() {
            super(NodeSupport.schema("FeatherMask", "Feather Mask", "mask",
                            "Fades the mask out linearly over the given number of pixels at each edge, so an"
                                    + " inpainted region blends into its surroundings.")
                    .input(MASK)
                    .input(LEFT)
                    .input(TOP)
                    .input(RIGHT)
                    .input(BOTTOM)
                    .output(PortType.MASK));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            return NodeOutputs.of(feather(in.get(MASK), in.getInt(LEFT), in.getInt(TOP), in.getInt(RIGHT),
                    in.getInt(BOTTOM)));
        }
    }

    /** GrowMask: dilate (grow) or erode (shrink) the mask a number of pixels. */
    public static final class GrowMask extends Node {
        static final IntInput EXPAND = IntInput.of("expand", 0, -MAX_RESOLUTION, MAX_RESOLUTION);
        static final BoolInput TAPERED_CORNERS = BoolInput.of("tapered_corners", true);

        public GrowMask() {
            super(NodeSupport.schema("GrowMask", "Grow Mask", "mask",
                            "Grows the mask by expand pixels (or shrinks it when expand is negative), one pixel per"
                                    + " step; tapered corners grow diagonals more slowly, giving rounder corners.")
                    .input(MASK)
                    .input(EXPAND)
                    .input(TAPERED_CORNERS)
                    .output(PortType.MASK));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            return NodeOutputs.of(grow(in.get(MASK), in.getInt(EXPAND), in.get(TAPERED_CORNERS),
                    () -> ctx.cancellation().throwIfCancelled()));
        }
    }

    /** ThresholdMask: 1 above the value, 0 elsewhere. */
    public static final class ThresholdMask extends Node {
        static final FloatInput VALUE = FloatInput.of("value", 0.5, 0.0, 1.0, 0.01);

        public ThresholdMask() {
            super(NodeSupport.schema("ThresholdMask", "Threshold Mask", "mask",
                            "Makes a hard mask: 1 where the mask is above value, 0 elsewhere.")
                    .input(MASK)
                    .input(VALUE)
                    .output(PortType.MASK));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            return NodeOutputs.of(threshold(ctx.inputs().get(MASK), ctx.inputs().get(VALUE)));
        }
    }

    /** JoinImageWithAlpha: an image with an alpha channel made from a mask. */
    public static final class JoinImageWithAlpha extends Node {
        static final SocketInput<MaskValue> ALPHA = SocketInput.of("alpha", PortType.MASK, MaskValue.class);

        public JoinImageWithAlpha() {
            super(NodeSupport.schema("JoinImageWithAlpha", "Join Image with Alpha", "mask/compositing",
                            "Adds an alpha channel to the image: masked parts (1) become transparent. The mask is"
                                    + " resized to the image when their sizes differ; Save Image keeps the"
                                    + " transparency.")
                    .input(IMAGE)
                    .input(ALPHA)
                    .output(PortType.IMAGE));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            return NodeOutputs.of(joinAlpha(ctx.inputs().get(IMAGE), ctx.inputs().get(ALPHA)));
        }
    }

    /** SplitImageWithAlpha: the colours and the transparency (as a mask) of an image. */
    public static final class SplitImageWithAlpha extends Node {
        public SplitImageWithAlpha() {
            super(NodeSupport.schema("SplitImageWithAlpha", "Split Image with Alpha", "mask/compositing",
                            "Separates an image into its colours and its transparency as a mask (1 − alpha;"
                                    + " all 0 for an image without alpha).")
                    .input(IMAGE)
                    .output(PortType.IMAGE)
                    .output(PortType.MASK));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            return splitAlpha(ctx.inputs().get(IMAGE));
        }
    }
}
