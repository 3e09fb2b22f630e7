package dev.noodle.engine.image;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Resizes image batches [B, H, W, C] as ComfyUI's ImageScale ({@code comfy.utils.common_upscale}): torch
 * {@code interpolate} semantics (align_corners = false, no antialias) for nearest-exact, bilinear, bicubic
 * (A = −0.75) and area (adaptive average pooling), and Pillow's LANCZOS (a = 3, 8-bit fixed point) on the uint8
 * image for lanczos. Stateless and thread-safe.
 */
public final class ImageResize {
    /** The upscale methods of ComfyUI's ImageScale. */
    public enum Method {
        NEAREST_EXACT("nearest-exact"),
        BILINEAR("bilinear"),
        AREA("area"),
        BICUBIC("bicubic"),
        LANCZOS("lanczos");

        private final String comfyName;

        Method(String comfyName) {
            this.comfyName = comfyName;
        }

        /** The name in ComfyUI workflows. */
        public String comfyName() {
            return comfyName;
        }

        /** Looks up a ComfyUI name such as {@code "nearest-exact"}. */
        public static Method fromComfyName(String name) {
            for (Method m : values()) {
                if (m.comfyName.equals(name)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("unknown upscale method '" + name
                    + "'; use nearest-exact, bilinear, area, bicubic or lanczos");
        }
    }

    private ImageResize() {}

    /**
     * Resizes every image of a batch, optionally center-cropping to the target aspect first (ComfyUI crop
     * "center").
     *
     * @param images [B, H, W, C] floats
     * @return [B, height, width, C] in the input's manager
     */
    public static NDArray resize(NDArray images, int width, int height, Method method, boolean cropCenter) {
        long[] s = images.getShape().getShape();
        if (s.length != 4 || width <= 0 || height <= 0) {
            throw new IllegalArgumentException(
                    "expected images [B, H, W, C] and a positive size, got " + images.getShape() + " → " + width
                            + "x" + height);
        }
        int b = (int) s[0];
        int h = (int) s[1];
        int w = (int) s[2];
        int c = (int) s[3];
        int[] crop = cropCenter ? centerCrop(w, h, width, height) : new int[] {0, 0, w, h};
        float[] all = images.toFloatArray();
        float[] out = new float[b * height * width * c];
        for (int i = 0; i < b; i++) {
            float[] one = new float[crop[3] * crop[2] * c];
            for (int y = 0; y < crop[3]; y++) {
                System.arraycopy(all, ((i * h + crop[1] + y) * w + crop[0]) * c, one, y * crop[2] * c, crop[2] * c);
            }
            float[] r = resize(one, crop[3], crop[2], c, height, width, method);
            System.arraycopy(r, 0, out, i * r.length, r.length);
        }
        return images.getManager().create(out, new Shape(b, height, width, c));
    }

    /**
     * ComfyUI's center crop to the target aspect: {x, y, width, height} of the kept region, offsets rounded half to
     * even as Python's {@code round}.
     */
    public static int[] centerCrop(int oldW, int oldH, int newW, int newH) {
        double oldAspect = (double) oldW / oldH;
        double newAspect = (double) newW / newH;
        int x = 0;
        int y = 0;
        if (oldAspect > newAspect) {
            x = (int) Math.rint((oldW - oldW * (newAspect / oldAspect)) / 2);
        } else if (oldAspect < newAspect) {
            y = (int) Math.rint((oldH - oldH * (oldAspect / newAspect)) / 2);
        }
        return new int[] {x, y, oldW - 2 * x, oldH - 2 * y};
    }

    /** Resizes one row-major [h, w, c] image to [outH, outW, c]. */
    public static float[] resize(float[] hwc, int h, int w, int c, int outH, int outW, Method method) {
        return switch (method) {
            case LANCZOS -> pillowResize(hwc, h, w, c, outH, outW, PillowFilter.LANCZOS);
            default -> separable(hwc, h, w, c, outH, outW, method);
        };
    }

    /** Torch-style separable resampling: width pass then height pass with the same per-axis weights. */
    private static float[] separable(float[] in, int h, int w, int c, int outH, int outW, Method m) {
        Taps tx = taps(w, outW, m);
        Taps ty = taps(h, outH, m);
        float[] mid = new float[h * outW * c];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < outW; x++) {
                for (int k = 0; k < c; k++) {
                    double v = 0;
                    for (int t = 0; t < tx.index[x].length; t++) {
                        v += tx.weight[x][t] * in[(y * w + tx.index[x][t]) * c + k];
                    }
                    mid[(y * outW + x) * c + k] = (float) v;
                }
            }
        }
        float[] out = new float[outH * outW * c];
        for (int y = 0; y < outH; y++) {
            for (int x = 0; x < outW; x++) {
                for (int k = 0; k < c; k++) {
                    double v = 0;
                    for (int t = 0; t < ty.index[y].length; t++) {
                        v += ty.weight[y][t] * mid[(ty.index[y][t] * outW + x) * c + k];
                    }
                    out[(y * outW + x) * c + k] = (float) v;
                }
            }
        }
        return out;
    }

    private record Taps(int[][] index, double[][] weight) {}

    /** Source indices and weights per output position along one axis (torch upsample kernels). */
    private static Taps taps(int in, int out, Method m) {
        int[][] idx = new int[out][];
        double[][] wt = new double[out][];
        double scale = (double) in / out;
        for (int o = 0; o < out; o++) {
            switch (m) {
                case NEAREST_EXACT -> {
                    idx[o] = new int[] {Math.min((int) Math.floor((o + 0.5) * scale), in - 1)};
                    wt[o] = new double[] {1};
                }
                case BILINEAR -> {
                    double src = Math.max(0, (o + 0.5) * scale - 0.5);
                    int i0 = Math.min((int) src, in - 1);
                    int i1 = Math.min(i0 + 1, in - 1);
                    double l = src - i0;
                    idx[o] = new int[] {i0, i1};
                    wt[o] = new double[] {1 - l, l};
                }
                case BICUBIC -> {
                    double src = (o + 0.5) * scale - 0.5;
                    int i = (int) Math.floor(src);
                    double t = src - i;
                    idx[o] = new int[4];
                    for (int k = 0; k < 4; k++) {
                        idx[o][k] = Math.max(0, Math.min(in - 1, i - 1 + k));
                    }
                    wt[o] = new double[] {cubic2(t + 1), cubic1(t), cubic1(1 - t), cubic2(2 - t)};
                }
                case AREA -> {
                    int start = (int) Math.floor((double) o * in / out);
                    int end = (int) Math.ceil((double) (o + 1) * in / out);
                    idx[o] = new int[end - start];
                    wt[o] = new double[end - start];
                    for (int k = start; k < end; k++) {
                        idx[o][k - start] = k;
                        wt[o][k - start] = 1.0 / (end - start);
                    }
                }
                default -> throw new IllegalStateException(m.toString());
            }
        }
        return new Taps(idx, wt);
    }

    private static final double A = -0.75;

    /** Keys' cubic convolution for |x| ≤ 1. */
    private static double cubic1(double x) {
        return ((A + 2) * x - (A + 3)) * x * x + 1;
    }

    /** Keys' cubic convolution for 1 < |x| < 2. */
    private static double cubic2(double x) {
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
    }

    private static final int PRECISION_BITS = 32 - 8 - 2;

    /** Pillow's resampling filters ({@code Image.Resampling}), with their supports and kernels (Resample.c). */
    public enum PillowFilter {
        NEAREST(0.0), BOX(0.5), BILINEAR(1.0), HAMMING(1.0), BICUBIC(2.0), LANCZOS(3.0);

        private final double support;

        PillowFilter(double support) {
            this.support = support;
        }

        double weight(double x) {
            return switch (this) {
                case BOX -> x > -0.5 && x <= 0.5 ? 1.0 : 0.0;
                case BILINEAR -> Math.abs(x) < 1.0 ? 1.0 - Math.abs(x) : 0.0;
                case HAMMING -> hamming(Math.abs(x));
                case BICUBIC -> pillowCubic(Math.abs(x));
                case LANCZOS -> lanczos3(x);
                case NEAREST -> throw new IllegalStateException("nearest has no kernel");
            };
        }
    }

    private static double hamming(double x) {
        if (x == 0.0) {
            return 1.0;
        }
        if (x >= 1.0) {
            return 0.0;
        }
        double px = x * Math.PI;
        return Math.sin(px) / px * ((double) 0.54f + (double) 0.46f * Math.cos(px));
    }

    private static double pillowCubic(double x) {
        double a = -0.5;
        if (x < 1.0) {
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        }
        return x < 2.0 ? (((x - 5) * x + 8) * x - 4) * a : 0.0;
    }

    /**
     * Pillow's {@code Image.resize(size, filter)} of an 8-bit image given as values 0..1 (converted to bytes by
     * truncating 255·x, as torchvision's {@code ToPILImage} does), back to 0..1 (÷ 255, as {@code ToTensor}).
     *
     * @param hwc [h, w, c] row-major
     */
    public static float[] pillowResize(float[] hwc, int h, int w, int c, int outH, int outW, PillowFilter filter) {
        int[] bytes = new int[hwc.length];
        for (int i = 0; i < hwc.length; i++) {
            bytes[i] = ImageTensors.toUint8(hwc[i]);
        }
        int[] cur;
        if (filter == PillowFilter.NEAREST) {
            // Pillow resizes with NEAREST through an affine transform sampling the pixel under each output centre
            cur = new int[outH * outW * c];
            for (int y = 0; y < outH; y++) {
                int sy = Math.min(h - 1, (int) Math.floor((y + 0.5) * h / outH));
                for (int x = 0; x < outW; x++) {
                    int sx = Math.min(w - 1, (int) Math.floor((x + 0.5) * w / outW));
                    System.arraycopy(bytes, (sy * w + sx) * c, cur, (y * outW + x) * c, c);
                }
            }
        } else {
            cur = bytes;
            int curW = w;
            if (outW != w) {
                cur = pillowPass(cur, h, w, c, outW, true, filter);
                curW = outW;
            }
            if (outH != h) {
                cur = pillowPass(cur, h, curW, c, outH, false, filter);
            }
        }
        float[] out = new float[cur.length];
        for (int i = 0; i < cur.length; i++) {
            out[i] = cur[i] / 255f;
        }
        return out;
    }

    /** One Pillow resampling pass (ImagingResampleHorizontal/Vertical_8bpc) with fixed-point coefficients. */
    private static int[] pillowPass(int[] in, int h, int w, int c, int outSize, boolean horizontal,
            PillowFilter filter) {
        int inSize = horizontal ? w : h;
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(1.0, scale);
        double support = filter.support * filterScale;
        int[] outArr = new int[horizontal ? h * outSize * c : outSize * w * c];
        for (int o = 0; o < outSize; o++) {
            double center = (o + 0.5) * scale;
            int min = Math.max((int) (center - support + 0.5), 0);
            int max = Math.min((int) (center + support + 0.5), inSize) - min;
            double[] k = new double[max];
            double sum = 0;
            for (int x = 0; x < max; x++) {
                k[x] = filter.weight((x + min - center + 0.5) / filterScale);
                sum += k[x];
            }
            int[] fixed = new int[max];
            for (int x = 0; x < max; x++) {
                double v = sum != 0 ? k[x] / sum : k[x];
                fixed[x] = (int) (v < 0 ? -0.5 + v * (1 << PRECISION_BITS) : 0.5 + v * (1 << PRECISION_BITS));
            }
            int lines = horizontal ? h : w;
            for (int line = 0; line < lines; line++) {
                for (int ch = 0; ch < c; ch++) {
                    long acc = 1 << (PRECISION_BITS - 1);
                    for (int x = 0; x < max; x++) {
                        int src = horizontal ? (line * w + min + x) * c + ch : ((min + x) * w + line) * c + ch;
                        acc += (long) in[src] * fixed[x];
                    }
                    int dst = horizontal ? (line * outSize + o) * c + ch : (o * w + line) * c + ch;
                    outArr[dst] = clip8((int) acc);
                }
            }
        }
        return outArr;
    }

    private static int clip8(int v) {
        if (v >= (255 << PRECISION_BITS)) {
            return 255;
        }
        return v <= 0 ? 0 : v >> PRECISION_BITS;
    }

    private static double lanczos3(double x) {
        return x >= -3.0 && x < 3.0 ? sinc(x) * sinc(x / 3) : 0.0;
    }

    private static double sinc(double x) {
        if (x == 0.0) {
            return 1.0;
        }
        double px = x * Math.PI;
        return Math.sin(px) / px;
    }
}
