package dev.noodle.nodes.image;

import static dev.noodle.nodes.image.ImageBatchNodes.requirePixels;

import dev.noodle.engine.image.ImageResize;
import dev.noodle.graph.node.MessageLevel;
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
import dev.noodle.nodes.conditioning.ConditioningNodes;
import dev.noodle.nodes.host.MemoryPreflight;
import dev.noodle.nodes.host.NodeSupport;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.ImageValue;
import dev.noodle.nodes.values.MaskValue;
import java.util.Arrays;

/**
 * ComfyUI's image placement nodes: ImagePadForOutpaint ({@code nodes.py}), ImageCompositeMasked
 * ({@code comfy_extras/nodes_mask.py}), ImageCrop ({@code comfy_extras/nodes_images.py}) and ImageScaleToTotalPixels
 * ({@code comfy_extras/nodes_post_processing.py}), with their input names, order, defaults and semantics.
 *
 * <p>Images are [B, H, W, 3] floats in [0, 1], masks [B, H, W]. Stateless and thread-safe.
 */
public final class ImageCompositeNodes {
    private ImageCompositeNodes() {}

    static final SocketInput<ImageValue> IMAGE = SocketInput.of("image", PortType.IMAGE, ImageValue.class);
    static final long MAX = ConditioningNodes.MAX_RESOLUTION;

    /** The padded image and its outpainting mask. */
    public record Padded(ImageValue image, MaskValue mask) {}

    /**
     * ComfyUI's ImagePadForOutpaint: the image placed on a canvas grown by the four margins and filled with 0.5
     * grey, and a mask that is 1 on the new margins and 0 on the image, except that with {@code feathering > 0}
     * (and twice it smaller than both image sides) an image pixel at distance d < feathering from a padded side
     * gets ((feathering − d) / feathering)². The distance to a side is i (top), h − i (bottom), j (left), w − j
     * (right), counted only for the sides that were padded.
     */
    public static Padded pad(ImageValue image, int left, int top, int right, int bottom, int feathering) {
        requirePixels("Pad Image for Outpainting", "image", image);
        int b = image.batch();
        int h = image.height();
        int w = image.width();
        long outHL = (long) h + top + bottom;
        long outWL = (long) w + left + right;
        MemoryPreflight.check("Pad Image for Outpainting", b, outHL, outWL);
        int outH = (int) outHL;
        int outW = (int) outWL;
        float[] out = new float[b * outH * outW * 3];
        Arrays.fill(out, 0.5f);
        float[] in = image.pixels().data();
        for (int i = 0; i < b; i++) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(in, ((i * h + y) * w) * 3, out, ((i * outH + top + y) * outW + left) * 3, w * 3);
            }
        }
        float[] mask = new float[outH * outW];
        Arrays.fill(mask, 1f);
        boolean feather = feathering > 0 && feathering * 2L < h && feathering * 2L < w;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                float v = 0f;
                if (feather) {
                    int dt = top != 0 ? y : h;
                    int db = bottom != 0 ? h - y : h;
                    int dl = left != 0 ? x : w;
                    int dr = right != 0 ? w - x : w;
                    int d = Math.min(Math.min(dt, db), Math.min(dl, dr));
                    if (d < feathering) {
                        double f = (double) (feathering - d) / feathering;
                        v = (float) (f * f);
                    }
                }
                mask[(top + y) * outW + left + x] = v;
            }
        }
        return new Padded(new ImageValue(new HeapTensor(new long[] {b, outH, outW, 3}, out)),
                new MaskValue(new HeapTensor(new long[] {1, outH, outW}, mask)));
    }

    /**
     * ComfyUI's {@code composite} in image space (multiplier 1, so no rounding of x and y to multiples of 8): the
     * source (resized bilinearly to the destination's size with {@code resizeSource}, then repeated or cut to the
     * destination's batch) is laid over the destination at (x, y), as out = m·source + (1 − m)·destination where
     * m is the mask resized bilinearly to the source's size (its batch repeated likewise), or 1 without a mask.
     * What falls outside the destination is dropped.
     *
     * @throws IllegalArgumentException naming the node and input when an image or the mask is empty
     */
    public static ImageValue composite(ImageValue destination, ImageValue source, int x, int y, boolean resizeSource,
            MaskValue mask) {
        String node = "ImageCompositeMasked";
        requirePixels(node, "destination", destination);
        requirePixels(node, "source", source);
        int db = destination.batch();
        int dh = destination.height();
        int dw = destination.width();
        if (resizeSource && (source.height() != dh || source.width() != dw)) {
            source = ScaleNodes.scaleImage(source, dw, dh, ImageResize.Method.BILINEAR, false);
        }
        int sb = source.batch();
        int sh = source.height();
        int sw = source.width();
        float[] m = null; // [Bm, sh, sw]
        int mb = 0;
        if (mask != null) {
            HeapTensor mt = mask.mask();
            long[] ms = mt.shape();
            int mh = (int) ms[ms.length - 2];
            int mw = (int) ms[ms.length - 1];
            mb = ms.length == 2 ? 1 : (int) ms[0];
            if (mb < 1 || mh < 1 || mw < 1) {
                throw new IllegalArgumentException(node + ": mask is empty (" + Arrays.toString(ms)
                        + "); connect a mask with pixels or leave the input unconnected");
            }
            m = new float[mb * sh * sw];
            float[] md = mt.data();
            for (int i = 0; i < mb; i++) {
                float[] one = Arrays.copyOfRange(md, i * mh * mw, (i + 1) * mh * mw);
                float[] r = mh == sh && mw == sw ? one
                        : ImageResize.resize(one, mh, mw, 1, sh, sw, ImageResize.Method.BILINEAR);
                System.arraycopy(r, 0, m, i * sh * sw, sh * sw);
            }
        }
        int left = Math.min(x, dw);
        int top = Math.min(y, dh);
        int visW = Math.min(sw, dw - left);
        int visH = Math.min(sh, dh - top);
        float[] out = destination.pixels().data().clone();
        float[] s = source.pixels().data();
        for (int i = 0; i < db; i++) {
            int si = i % sb; // repeat_to_batch_size: repeat a shorter batch, cut a longer one
            int mi = m == null ? 0 : i % mb;
            for (int yy = 0; yy < visH; yy++) {
                for (int xx = 0; xx < visW; xx++) {
                    float mv = m == null ? 1f : m[(mi * sh + yy) * sw + xx];
                    float inv = 1f - mv;
                    int o = ((i * dh + top + yy) * dw + left + xx) * 3;
                    int p = ((si * sh + yy) * sw + xx) * 3;
                    for (int k = 0; k < 3; k++) {
                        out[o + k] = mv * s[p + k] + inv * out[o + k];
                    }
                }
            }
        }
        return new ImageValue(new HeapTensor(destination.pixels().shape(), out));
    }

    /** ComfyUI's ImageCrop: x and y clamped to the last column and row, the size to what is left. */
    public static ImageValue crop(ImageValue image, int width, int height, int x, int y) {
        requirePixels("Crop Image", "image", image);
        int h = image.height();
        int w = image.width();
        int x0 = Math.min(x, w - 1);
        int y0 = Math.min(y, h - 1);
        int cw = Math.min(width, w - x0);
        int ch = Math.min(height, h - y0);
        int b = image.batch();
        float[] in = image.pixels().data();
        float[] out = new float[b * ch * cw * 3];
        for (int i = 0; i < b; i++) {
            for (int r = 0; r < ch; r++) {
                System.arraycopy(in, ((i * h + y0 + r) * w + x0) * 3, out, ((i * ch + r) * cw) * 3, cw * 3);
            }
        }
        return new ImageValue(new HeapTensor(new long[] {b, ch, cw, 3}, out));
    }

    /**
     * The size ImageScaleToTotalPixels resizes to: scale s = √(megapixels · 1024² / (w · h)), each side
     * round(side · s / steps) · steps with Python's round (half to even).
     */
    public static int[] totalPixelsSize(int width, int height, double megapixels, int resolutionSteps) {
        double total = megapixels * 1024 * 1024;
        double scale = Math.sqrt(total / ((double) width * height));
        long w = (long) Math.rint(width * scale / resolutionSteps) * resolutionSteps;
        long h = (long) Math.rint(height * scale / resolutionSteps) * resolutionSteps;
        if (w < 1 || h < 1 || w > Integer.MAX_VALUE || h > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("Scale Image to Total Pixels: " + width + "×" + height + " at "
                    + megapixels + " megapixels in steps of " + resolutionSteps + " gives " + w + "×" + h
                    + "; use more megapixels or smaller resolution_steps");
        }
        return new int[] {(int) w, (int) h};
    }

    /** ImagePadForOutpaint: grows the canvas for outpainting and returns the mask of the new area. */
    public static final class ImagePadForOutpaint extends Node {
        static final IntInput LEFT = margin("left");
        static final IntInput TOP = margin("top");
        static final IntInput RIGHT = margin("right");
        static final IntInput BOTTOM = margin("bottom");
        static final IntInput FEATHERING = IntInput.of("feathering", 40, 0, MAX);

        private static IntInput margin(String name) {
            return new IntInput(name, 0, 0, MAX, 8, false, "", false);
        }

        public ImagePadForOutpaint() {
            super(NodeSupport.schema("ImagePadForOutpaint", "Pad Image for Outpainting", "image",
                            "Adds grey margins around the image for outpainting, with a mask that is 1 on the margins"
                                    + " and fades into the image over 'feathering' pixels.")
                    .input(IMAGE)
                    .input(LEFT)
                    .input(TOP)
                    .input(RIGHT)
                    .input(BOTTOM)
                    .input(FEATHERING)
                    .output(PortType.IMAGE)
                    .output(PortType.MASK));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            Padded p = pad(in.get(IMAGE), in.getInt(LEFT), in.getInt(TOP), in.getInt(RIGHT), in.getInt(BOTTOM),
                    in.getInt(FEATHERING));
            return NodeOutputs.of(p.image(), p.mask());
        }
    }

    /** ImageCompositeMasked: pastes a source image into a destination through an optional mask. */
    public static final class ImageCompositeMasked extends Node {
        static final SocketInput<ImageValue> DESTINATION =
                SocketInput.of("destination", PortType.IMAGE, ImageValue.class);
        static final SocketInput<ImageValue> SOURCE = SocketInput.of("source", PortType.IMAGE, ImageValue.class);
        static final IntInput X = IntInput.of("x", 0, 0, MAX);
        static final IntInput Y = IntInput.of("y", 0, 0, MAX);
        static final BoolInput RESIZE_SOURCE = BoolInput.of("resize_source", false);
        static final SocketInput<MaskValue> MASK = SocketInput.of("mask", PortType.MASK, MaskValue.class)
                .asOptional();

        public ImageCompositeMasked() {
            super(NodeSupport.schema("ImageCompositeMasked", "Image Composite Masked", "image",
                            "Composites a source image into a destination image using an optional mask and offset"
                                    + " coordinates.")
                    .input(DESTINATION)
                    .input(SOURCE)
                    .input(X)
                    .input(Y)
                    .input(RESIZE_SOURCE)
                    .input(MASK)
                    .output(PortType.IMAGE));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            return NodeOutputs.of(composite(in.get(DESTINATION), in.get(SOURCE), in.getInt(X), in.getInt(Y),
                    in.get(RESIZE_SOURCE), in.get(MASK)));
        }
    }

    /** ImageCrop: a rectangle of every image. */
    public static final class ImageCrop extends Node {
        static final IntInput WIDTH = IntInput.of("width", 512, 1, MAX);
        static final IntInput HEIGHT = IntInput.of("height", 512, 1, MAX);
        static final IntInput X = IntInput.of("x", 0, 0, MAX);
        static final IntInput Y = IntInput.of("y", 0, 0, MAX);

        public ImageCrop() {
            super(NodeSupport.schema("ImageCrop", "Crop Image", "image/transform",
                            "Crops every image to width × height from (x, y); a rectangle reaching past the image"
                                    + " is cut at its edge.")
                    .input(IMAGE)
                    .input(WIDTH)
                    .input(HEIGHT)
                    .input(X)
                    .input(Y)
                    .output(PortType.IMAGE));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            ImageValue img = in.get(IMAGE);
            int width = in.getInt(WIDTH);
            int height = in.getInt(HEIGHT);
            int x = in.getInt(X);
            int y = in.getInt(Y);
            ImageValue out = crop(img, width, height, x, y);
            if (img.width() > 0 && img.height() > 0 && (x >= img.width() || y >= img.height()
                    || out.width() < width || out.height() < height)) {
                ctx.message(MessageLevel.WARNING, "Crop Image: the rectangle " + width + "×" + height + " at ("
                        + x + ", " + y + ") reaches past the " + img.width() + "×" + img.height() + " image; the"
                        + " result is " + out.width() + "×" + out.height() + " (x and y are clamped to the last"
                        + " column and row, as ComfyUI does)");
            }
            return NodeOutputs.of(out);
        }
    }

    /** ImageScaleToTotalPixels: resizes to about a number of megapixels, keeping the aspect. */
    public static final class ImageScaleToTotalPixels extends Node {
        static final EnumInput<ImageResize.Method> UPSCALE_METHOD = ScaleNodes.IMAGE_METHOD;
        static final FloatInput MEGAPIXELS = FloatInput.of("megapixels", 1.0, 0.01, 16.0, 0.01);
        static final IntInput RESOLUTION_STEPS = IntInput.of("resolution_steps", 1, 1, 256);

        public ImageScaleToTotalPixels() {
            super(NodeSupport.schema("ImageScaleToTotalPixels", "Scale Image to Total Pixels", "image/upscaling",
                            "Resizes the images to about the given number of megapixels (1 megapixel = 1024²"
                                    + " pixels), keeping the aspect ratio; each side is rounded to a multiple of"
                                    + " resolution_steps.")
                    .input(IMAGE)
                    .input(UPSCALE_METHOD)
                    .input(MEGAPIXELS)
                    .input(RESOLUTION_STEPS)
                    .output(PortType.IMAGE));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            ImageValue img = in.get(IMAGE);
            requirePixels("Scale Image to Total Pixels", "image", img);
            int[] size = totalPixelsSize(img.width(), img.height(), in.get(MEGAPIXELS), in.getInt(RESOLUTION_STEPS));
            MemoryPreflight.check("Scale Image to Total Pixels", img.batch(), size[1], size[0]);
            return NodeOutputs.of(ScaleNodes.scaleImage(img, size[0], size[1], in.get(UPSCALE_METHOD), false));
        }
    }
}
