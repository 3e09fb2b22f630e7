package dev.noodle.nodes.image;

import static dev.noodle.nodes.image.ImageBatchNodes.requirePixels;

import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.nodes.host.NodeSupport;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.ImageValue;

/**
 * ComfyUI's convolution filters from {@code comfy_extras/nodes_post_processing.py}: ImageBlur and ImageSharpen, with
 * their input names, order, defaults and kernels.
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
