package dev.noodle.nodes.image;

import dev.noodle.nodes.conditioning.ConditioningNodes;
import dev.noodle.nodes.host.MemoryPreflight;
import dev.noodle.nodes.host.NodeSupport;

import dev.noodle.engine.image.ImageResize;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.EnumInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.ImageValue;
import dev.noodle.nodes.values.LatentValue;
import java.util.Locale;

/** LatentUpscale(By) and ImageScale(By), shaped as ComfyUI's. */
public final class ScaleNodes {
    private ScaleNodes() {}

    /** The resize methods of ComfyUI's LatentUpscale: four of ImageScale's, and bislerp instead of lanczos. */
    public enum LatentMethod {
        NEAREST_EXACT("nearest-exact", ImageResize.Method.NEAREST_EXACT),
        BILINEAR("bilinear", ImageResize.Method.BILINEAR),
        AREA("area", ImageResize.Method.AREA),
        BICUBIC("bicubic", ImageResize.Method.BICUBIC),
        BISLERP("bislerp", null);

        private final String comfyName;
        private final ImageResize.Method imageMethod; // null for bislerp, which is not an image resize

        LatentMethod(String comfyName, ImageResize.Method imageMethod) {
            this.comfyName = comfyName;
            this.imageMethod = imageMethod;
        }

        /** The name in ComfyUI workflows. */
        public String comfyName() {
            return comfyName;
        }

        /** Looks up a ComfyUI name such as {@code "bislerp"}. */
        public static LatentMethod fromComfyName(String name) {
            for (LatentMethod m : values()) {
                if (m.comfyName.equals(name)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("unknown latent upscale method '" + name
                    + "'; use nearest-exact, bilinear, area, bicubic or bislerp");
        }

        /** Resizes one [h, w, c] sample to [outH, outW, c]. */
        float[] resize(float[] hwc, int h, int w, int c, int outH, int outW) {
            return imageMethod == null ? Bislerp.resize(hwc, h, w, c, outH, outW)
                    : ImageResize.resize(hwc, h, w, c, outH, outW, imageMethod);
        }
    }

    /** The crop choice of the resize nodes: none, or centre crop to the target aspect first. */
    public enum Crop {
        DISABLED,
        CENTER;

        /** The name in ComfyUI workflows ({@code disabled}, {@code center}). */
        public String comfyName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    static final EnumInput<LatentMethod> LATENT_METHOD =
            EnumInput.of("upscale_method", LatentMethod.class, LatentMethod::comfyName);
    static final EnumInput<ImageResize.Method> IMAGE_METHOD =
            EnumInput.of("upscale_method", ImageResize.Method.class, ImageResize.Method::comfyName);
    static final EnumInput<Crop> CROP = EnumInput.of("crop", Crop.class, Crop::comfyName);
    static final SocketInput<LatentValue> SAMPLES = SocketInput.of("samples", PortType.LATENT, LatentValue.class);
    static final SocketInput<ImageValue> IMAGE = SocketInput.of("image", PortType.IMAGE, ImageValue.class);

    /**
     * ComfyUI {@code common_upscale} on channels-first tensors: optional center crop to the target aspect, then
     * the method per sample.
     *
     * @param t [B, C, H, W]
     * @return [B, C, height, width]
     */
    public static HeapTensor upscaleChw(HeapTensor t, int width, int height, LatentMethod method, boolean center) {
        int b = (int) t.dim(0);
        int c = (int) t.dim(1);
        int h = (int) t.dim(2);
        int w = (int) t.dim(3);
        int[] crop = center ? ImageResize.centerCrop(w, h, width, height) : new int[] {0, 0, w, h};
        float[] out = new float[b * c * height * width];
        float[] d = t.data();
        for (int i = 0; i < b; i++) {
            float[] hwc = new float[crop[3] * crop[2] * c]; // [h', w', C]
            for (int y = 0; y < crop[3]; y++) {
                for (int x = 0; x < crop[2]; x++) {
                    for (int k = 0; k < c; k++) {
                        hwc[(y * crop[2] + x) * c + k] = d[((i * c + k) * h + crop[1] + y) * w + crop[0] + x];
                    }
                }
            }
            float[] r = method.resize(hwc, crop[3], crop[2], c, height, width);
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    for (int k = 0; k < c; k++) {
                        out[((i * c + k) * height + y) * width + x] = r[(y * width + x) * c + k];
                    }
                }
            }
        }
        return new HeapTensor(new long[] {b, c, height, width}, out);
    }

    /** ImageScale's resize of [B, H, W, C] images. */
    public static ImageValue scaleImage(ImageValue img, int width, int height, ImageResize.Method method,
            boolean center) {
        HeapTensor p = img.pixels();
        int b = img.batch();
        int c = (int) p.dim(3);
        int[] crop = center ? ImageResize.centerCrop(img.width(), img.height(), width, height)
                : new int[] {0, 0, img.width(), img.height()};
        float[] out = new float[b * height * width * c];
        for (int i = 0; i < b; i++) {
            float[] one = new float[crop[3] * crop[2] * c];
            for (int y = 0; y < crop[3]; y++) {
                System.arraycopy(p.data(), ((i * img.height() + crop[1] + y) * img.width() + crop[0]) * c, one,
                        y * crop[2] * c, crop[2] * c);
            }
            float[] r = ImageResize.resize(one, crop[3], crop[2], c, height, width, method);
            System.arraycopy(r, 0, out, i * r.length, r.length);
        }
        return new ImageValue(new HeapTensor(new long[] {b, height, width, c}, out));
    }

    /** LatentUpscale's resize of a latent to {@code w} × {@code h} latent cells. */
    public static LatentValue scaleLatent(LatentValue l, int w, int h, LatentMethod method, boolean center) {
        MemoryPreflight.check("LatentUpscale", l.batch(), h * 8L, w * 8L);
        return new LatentValue(upscaleChw(l.samples(), w, h, method, center), l.noiseMask(), l.batchIndex());
    }

    private static IntInput size(String name, long dflt, long step) {
        return new IntInput(name, dflt, 0, ConditioningNodes.MAX_RESOLUTION, step, false, "", false);
    }

    /** LatentUpscale: resizes a latent to a pixel size (0 = keep the aspect from the other side). */
    public static final class LatentUpscale extends Node {
        static final IntInput WIDTH = size("width", 512, 8);
        static final IntInput HEIGHT = size("height", 512, 8);

        public LatentUpscale() {
            super(NodeSupport.schema("LatentUpscale", "Upscale Latent", "latent",
                            "Resizes the latent to a new image size (pixels; 0 keeps the aspect ratio from the other"
                                    + " side), e.g. for a second 'hires fix' pass.")
                    .input(SAMPLES)
                    .input(LATENT_METHOD)
                    .input(WIDTH)
                    .input(HEIGHT)
                    .input(CROP)
                    .output(PortType.LATENT, "LATENT"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            LatentValue l = in.get(SAMPLES);
            long width = in.get(WIDTH);
            long height = in.get(HEIGHT);
            if (width == 0 && height == 0) {
                return NodeOutputs.of(l);
            }
            long lw = l.samples().dim(3);
            long lh = l.samples().dim(2);
            if (width == 0) {
                height = Math.max(64, height);
                width = Math.max(64, Math.round(Math.rint((double) lw * height / lh)));
            } else if (height == 0) {
                width = Math.max(64, width);
                height = Math.max(64, Math.round(Math.rint((double) lh * width / lw)));
            } else {
                width = Math.max(64, width);
                height = Math.max(64, height);
            }
            return NodeOutputs.of(scaleLatent(l, (int) (width / 8), (int) (height / 8), in.get(LATENT_METHOD),
                    in.get(CROP) == Crop.CENTER));
        }
    }

    /** LatentUpscaleBy: resizes a latent by a factor. */
    public static final class LatentUpscaleBy extends Node {
        static final FloatInput SCALE_BY = FloatInput.of("scale_by", 1.5, 0.01, 8.0, 0.01);

        public LatentUpscaleBy() {
            super(NodeSupport.schema("LatentUpscaleBy", "Upscale Latent By", "latent",
                            "Resizes the latent by a factor (1.5 = 50% larger).")
                    .input(SAMPLES)
                    .input(LATENT_METHOD)
                    .input(SCALE_BY)
                    .output(PortType.LATENT, "LATENT"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            LatentValue l = in.get(SAMPLES);
            double s = in.get(SCALE_BY);
            int w = (int) Math.rint(l.samples().dim(3) * s);
            int h = (int) Math.rint(l.samples().dim(2) * s);
            if (w < 1 || h < 1) {
                throw new IllegalArgumentException("scale_by " + s + " makes the latent empty; use a larger factor");
            }
            return NodeOutputs.of(scaleLatent(l, w, h, in.get(LATENT_METHOD), false));
        }
    }

    /** ImageScale: resizes images to a size (0 = keep the aspect from the other side). */
    public static final class ImageScale extends Node {
        static final IntInput WIDTH = size("width", 512, 1);
        static final IntInput HEIGHT = size("height", 512, 1);

        public ImageScale() {
            super(NodeSupport.schema("ImageScale", "Upscale Image", "image/upscaling",
                            "Resizes the images (0 keeps the aspect ratio from the other side).")
                    .input(IMAGE)
                    .input(IMAGE_METHOD)
                    .input(WIDTH)
                    .input(HEIGHT)
                    .input(CROP)
                    .output(PortType.IMAGE, "IMAGE"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            ImageValue img = in.get(IMAGE);
            long width = in.get(WIDTH);
            long height = in.get(HEIGHT);
            if (width == 0 && height == 0) {
                return NodeOutputs.of(img);
            }
            if (width == 0) {
                width = Math.max(1, Math.round(Math.rint((double) img.width() * height / img.height())));
            } else if (height == 0) {
                height = Math.max(1, Math.round(Math.rint((double) img.height() * width / img.width())));
            }
            MemoryPreflight.check("ImageScale", img.batch(), height, width);
            return NodeOutputs.of(scaleImage(img, (int) width, (int) height, in.get(IMAGE_METHOD),
                    in.get(CROP) == Crop.CENTER));
        }
    }

    /** ImageScaleBy: resizes images by a factor. */
    public static final class ImageScaleBy extends Node {
        static final FloatInput SCALE_BY = FloatInput.of("scale_by", 1.0, 0.01, 8.0, 0.01);

        public ImageScaleBy() {
            super(NodeSupport.schema("ImageScaleBy", "Upscale Image By", "image/upscaling",
                            "Resizes the images by a factor.")
                    .input(IMAGE)
                    .input(IMAGE_METHOD)
                    .input(SCALE_BY)
                    .output(PortType.IMAGE, "IMAGE"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            ImageValue img = in.get(IMAGE);
            double s = in.get(SCALE_BY);
            int w = (int) Math.rint(img.width() * s);
            int h = (int) Math.rint(img.height() * s);
            if (w < 1 || h < 1) {
                throw new IllegalArgumentException("scale_by " + s + " makes the image empty; use a larger factor");
            }
            MemoryPreflight.check("ImageScaleBy", img.batch(), h, w);
            return NodeOutputs.of(scaleImage(img, w, h, in.get(IMAGE_METHOD), false));
        }
    }
}
