package dev.noodle.nodes.image;

import static dev.noodle.nodes.image.ImageBatchNodes.requirePixels;

import dev.noodle.engine.image.PillowQuantize;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.EnumInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.nodes.host.NodeSupport;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.ImageValue;

/**
 * ComfyUI's filters from {@code comfy_extras/nodes_post_processing.py}: ImageBlur, ImageSharpen and ImageQuantize,
 * with their input names, order, defaults, kernels and Pillow's quantization.
 *
 * <p>Both build ComfyUI's "gaussian" kernel: k = 2r + 1 taps on a grid from −1 to 1 in each direction (so the taps
 * are 2/(k − 1) apart whatever the radius), g = exp(−(x² + y²) / (2σ²)) normalised to sum 1; the image is padded by
 * r with reflection (the edge pixel not repeated) and convolved, so the output keeps its size. Stateless.
 */
public final class ImageFilterNodes {
    private ImageFilterNodes() {}

    static final SocketInput<ImageValue> IMAGE = SocketInput.of("image", PortType.IMAGE, ImageValue.class);

    /**
     * ComfyUI's {@code gaussian_kernel(k, sigma)} as float32: torch.linspace(−1, 1, k) on both axes (values from
     * the nearer end, as torch computes them), d² = x² + y² after a square root and square, exp(−d² / (2σ²)) over
     * its sum.
     *
     * @return k × k row-major weights
     */
    public static float[] gaussianKernel(int k, double sigma) {
        float[] lin = new float[k];
        if (k == 1) {
            lin[0] = -1f;
        } else {
            float step = 2f / (k - 1);
            int half = k / 2;
            for (int i = 0; i < k; i++) {
                lin[i] = i < half ? -1f + step * i : 1f - step * (k - 1 - i);
            }
        }
        float twoSigma2 = (float) (2.0 * sigma * sigma);
        float[] g = new float[k * k];
        double sum = 0;
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                float d = (float) Math.sqrt(lin[i] * lin[i] + lin[j] * lin[j]);
                float v = (float) Math.exp(-(d * d) / twoSigma2);
                g[i * k + j] = v;
                sum += v;
            }
        }
        float s = (float) sum;
        for (int i = 0; i < g.length; i++) {
            g[i] /= s;
        }
        return g;
    }

    /**
     * Convolves every channel of every image with a (2r + 1)² kernel over the image reflect-padded by r.
     *
     * @throws IllegalArgumentException naming the node when a side is not longer than r (reflection needs it)
     */
    static ImageValue convolveReflect(String node, String radiusInput, ImageValue image, float[] kernel, int r,
            boolean clamp) {
        requirePixels(node, "image", image);
        int b = image.batch();
        int h = image.height();
        int w = image.width();
        if (r >= h || r >= w) {
            throw new IllegalArgumentException(node + ": " + radiusInput + " " + r + " needs an image larger than "
                    + r + " pixels on each side (reflection padding), got " + w + "×" + h + "; use a smaller "
                    + radiusInput + " or a larger image");
        }
        int k = 2 * r + 1;
        int[] rows = reflectIndex(h, r);
        int[] cols = reflectIndex(w, r);
        float[] in = image.pixels().data();
        float[] out = new float[in.length];
        for (int i = 0; i < b; i++) {
            int base = i * h * w * 3;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double a0 = 0;
                    double a1 = 0;
                    double a2 = 0;
                    for (int ky = 0; ky < k; ky++) {
                        int row = base + rows[y + ky] * w * 3;
                        for (int kx = 0; kx < k; kx++) {
                            float kv = kernel[ky * k + kx];
                            int p = row + cols[x + kx] * 3;
                            a0 += kv * in[p];
                            a1 += kv * in[p + 1];
                            a2 += kv * in[p + 2];
                        }
                    }
                    int o = base + (y * w + x) * 3;
                    out[o] = clamp ? clamp01((float) a0) : (float) a0;
                    out[o + 1] = clamp ? clamp01((float) a1) : (float) a1;
                    out[o + 2] = clamp ? clamp01((float) a2) : (float) a2;
                }
            }
        }
        return new ImageValue(new HeapTensor(image.pixels().shape(), out));
    }

    /** Source index of each position of an axis of length n reflect-padded by r on both sides. */
    private static int[] reflectIndex(int n, int r) {
        int[] idx = new int[n + 2 * r];
        for (int i = 0; i < idx.length; i++) {
            int s = i - r;
            if (s < 0) {
                s = -s;
            } else if (s >= n) {
                s = 2 * (n - 1) - s;
            }
            idx[i] = s;
        }
        return idx;
    }

    private static float clamp01(float v) {
        return Math.min(1f, Math.max(0f, v));
    }

    /** ComfyUI's ImageBlur: the gaussian kernel of radius r and sigma, no clamping. */
    public static ImageValue blur(ImageValue image, int radius, double sigma) {
        if (radius == 0) {
            return image;
        }
        return convolveReflect("Image Blur", "blur_radius", image, gaussianKernel(2 * radius + 1, sigma), radius,
                false);
    }

    /**
     * ComfyUI's ImageSharpen: the gaussian kernel times −10·alpha, its centre raised so the kernel sums to 1
     * (centre − sum + 1), result clamped to [0, 1].
     */
    public static ImageValue sharpen(ImageValue image, int radius, double sigma, double alpha) {
        if (radius == 0) {
            return image;
        }
        int k = 2 * radius + 1;
        float[] kernel = gaussianKernel(k, sigma);
        float f = (float) -(alpha * 10);
        double sum = 0;
        for (int i = 0; i < kernel.length; i++) {
            kernel[i] *= f;
            sum += kernel[i];
        }
        int c = (k / 2) * k + k / 2;
        kernel[c] = kernel[c] - (float) sum + 1f;
        return convolveReflect("Image Sharpen", "sharpen_radius", image, kernel, radius, true);
    }

    /** ImageQuantize's dithering choices. */
    public enum Dither {
        NONE("none", 0),
        FLOYD_STEINBERG("floyd-steinberg", 0),
        BAYER_2("bayer-2", 2),
        BAYER_4("bayer-4", 4),
        BAYER_8("bayer-8", 8),
        BAYER_16("bayer-16", 16);

        private final String comfyName;
        private final int order;

        Dither(String comfyName, int order) {
            this.comfyName = comfyName;
            this.order = order;
        }

        /** The name in ComfyUI workflows. */
        public String comfyName() {
            return comfyName;
        }
    }

    /**
     * ComfyUI's normalised Bayer matrix of size 2ⁿ as float32: M₀ = [0], Mₙ = [[m − 1.5, m + 0.5], [m + 1.5,
     * m − 0.5]] / 4ⁿ with m = 4ⁿ · Mₙ₋₁, then spread · M + 0.5 with spread = 512 / palette size.
     */
    static float[][] bayerMatrix(int order, int paletteSize) {
        float[][] m = {{0f}};
        for (int n = 1; (1 << n) <= order; n++) {
            int q = 1 << (2 * n);
            int k = m.length;
            float[][] next = new float[2 * k][2 * k];
            float[] offsets = {-1.5f, 0.5f, 1.5f, -0.5f}; // top-left, top-right, bottom-left, bottom-right
            for (int y = 0; y < k; y++) {
                for (int x = 0; x < k; x++) {
                    float v = q * m[y][x];
                    next[y][x] = (v + offsets[0]) / q;
                    next[y][x + k] = (v + offsets[1]) / q;
                    next[y + k][x] = (v + offsets[2]) / q;
                    next[y + k][x + k] = (v + offsets[3]) / q;
                }
            }
            m = next;
        }
        float spread = (float) (2 * 256.0 / paletteSize);
        for (float[] row : m) {
            for (int x = 0; x < row.length; x++) {
                row[x] = spread * row[x] + 0.5f;
            }
        }
        return m;
    }

    /**
     * ComfyUI's ImageQuantize: each image to 8 bits (x · 255 truncated), Pillow's median-cut palette of at most
     * {@code colors} colours, then every pixel to its palette colour: directly, with Floyd–Steinberg error
     * diffusion, or after adding ComfyUI's ordered Bayer offsets (clamped to 0..255 and truncated). Values are the
     * palette bytes / 255.
     *
     * @param behaviour current Pillow's mapping (the node's), or Pillow 9's (its palette padded to 256 entries with
     *     black, which also sets the Bayer spread as ComfyUI reads the palette size from Pillow)
     */
    public static ImageValue quantize(ImageValue image, int colors, Dither dither,
            PillowQuantize.Behaviour behaviour) {
        requirePixels("Image Quantize", "image", image);
        if (colors < 1 || colors > 256) {
            throw new IllegalArgumentException("Image Quantize: colors must be 1 to 256, got " + colors);
        }
        int b = image.batch();
        int h = image.height();
        int w = image.width();
        float[] in = image.pixels().data();
        float[] out = new float[in.length];
        for (int i = 0; i < b; i++) {
            int[] rgb = new int[h * w];
            for (int p = 0; p < rgb.length; p++) {
                int o = (i * h * w + p) * 3;
                rgb[p] = (toByte(in[o]) << 16) | (toByte(in[o + 1]) << 8) | toByte(in[o + 2]);
            }
            int[][] palette = PillowQuantize.medianCutPalette(rgb, colors);
            int[] mapped;
            if (dither.order > 0) {
                float[][] m = bayerMatrix(dither.order, behaviour.searched(palette).length);
                int n = m.length;
                int[] shifted = new int[rgb.length];
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        int p = rgb[y * w + x];
                        float add = m[y % n][x % n];
                        int r = ditherByte(((p >> 16) & 0xFF) + add);
                        int g = ditherByte(((p >> 8) & 0xFF) + add);
                        int bl = ditherByte((p & 0xFF) + add);
                        shifted[y * w + x] = (r << 16) | (g << 8) | bl;
                    }
                }
                mapped = PillowQuantize.map(shifted, w, h, palette, false, behaviour);
            } else {
                mapped = PillowQuantize.map(rgb, w, h, palette, dither == Dither.FLOYD_STEINBERG, behaviour);
            }
            for (int p = 0; p < mapped.length; p++) {
                int o = (i * h * w + p) * 3;
                out[o] = ((mapped[p] >> 16) & 0xFF) / 255f;
                out[o + 1] = ((mapped[p] >> 8) & 0xFF) / 255f;
                out[o + 2] = (mapped[p] & 0xFF) / 255f;
            }
        }
        return new ImageValue(new HeapTensor(image.pixels().shape(), out));
    }

    /** (x · 255) in float32 truncated to a byte, as torch's {@code .to(torch.uint8)}; out-of-range values clamp. */
    private static int toByte(float x) {
        float v = x * 255f;
        return v <= 0f ? 0 : v >= 255f ? 255 : (int) v;
    }

    /** A float32 byte value plus a Bayer offset clamped to 0..255 and truncated. */
    private static int ditherByte(float v) {
        return v <= 0f ? 0 : v >= 255f ? 255 : (int) v;
    }

    /** ImageQuantize: reduces the colours to a palette, optionally dithered. */
    public static final class ImageQuantize extends Node {
        static final IntInput COLORS = IntInput.of("colors", 256, 1, 256);
        static final EnumInput<Dither> DITHER = EnumInput.of("dither", Dither.class, Dither::comfyName);

        public ImageQuantize() {
            super(NodeSupport.schema("ImageQuantize", "Image Quantize", "image/postprocessing",
                            "Reduces every image to a palette of at most 'colors' colours (median cut, as Pillow),"
                                    + " without dithering, with Floyd-Steinberg error diffusion, or with an ordered"
                                    + " Bayer pattern.")
                    .input(IMAGE)
                    .input(COLORS)
                    .input(DITHER)
                    .output(PortType.IMAGE));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            return NodeOutputs.of(quantize(in.get(IMAGE), in.getInt(COLORS), in.get(DITHER),
                    PillowQuantize.Behaviour.CURRENT));
        }
    }

    /** ImageBlur: gaussian blur. */
    public static final class ImageBlur extends Node {
        static final IntInput BLUR_RADIUS = IntInput.of("blur_radius", 1, 1, 31);
        static final FloatInput SIGMA = FloatInput.of("sigma", 1.0, 0.1, 10.0, 0.1);

        public ImageBlur() {
            super(NodeSupport.schema("ImageBlur", "Image Blur", "image/postprocessing",
                            "Blurs the images with a gaussian kernel of 2·blur_radius + 1 taps; sigma is measured in"
                                    + " units of the radius (the kernel spans −1 to 1).")
                    .input(IMAGE)
                    .input(BLUR_RADIUS)
                    .input(SIGMA)
                    .output(PortType.IMAGE));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            return NodeOutputs.of(blur(in.get(IMAGE), in.getInt(BLUR_RADIUS), in.get(SIGMA)));
        }
    }

    /** ImageSharpen: unsharp-style sharpening with a gaussian kernel. */
    public static final class ImageSharpen extends Node {
        static final IntInput SHARPEN_RADIUS = IntInput.of("sharpen_radius", 1, 1, 31);
        static final FloatInput SIGMA = FloatInput.of("sigma", 1.0, 0.1, 10.0, 0.01);
        static final FloatInput ALPHA = FloatInput.of("alpha", 1.0, 0.0, 5.0, 0.01);

        public ImageSharpen() {
            super(NodeSupport.schema("ImageSharpen", "Image Sharpen", "image/postprocessing",
                            "Sharpens the images: subtracts a gaussian blur weighted by 10·alpha and adds the"
                                    + " difference back, clamped to [0, 1].")
                    .input(IMAGE)
                    .input(SHARPEN_RADIUS)
                    .input(SIGMA)
                    .input(ALPHA)
                    .output(PortType.IMAGE));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            return NodeOutputs.of(sharpen(in.get(IMAGE), in.getInt(SHARPEN_RADIUS), in.get(SIGMA), in.get(ALPHA)));
        }
    }
}
