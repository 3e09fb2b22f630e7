package dev.noodle.engine.vision;

/**
 * CLIP's input preparation as ComfyUI's {@code clip_preprocess}: an image batch [B, H, W, C] in 0..1 (only the first
 * three channels are used) becomes [B, 3, size, size] normalised pixels.
 *
 * <ol>
 *   <li>Unless the image is already size × size: with crop "center", scale so the short side is {@code size}
 *       (each side round(scale · side), halves to even) and cut the middle size × size
 *       ((side − size) // 2 from the top and left); with crop "none", resize both sides to {@code size}. The resize
 *       is PyTorch's {@code interpolate(mode="bicubic", antialias=True)}: a separable Keys cubic with a = −0.5,
 *       its support widened by the scale factor when shrinking, weights normalised over the pixels inside the
 *       image (as Pillow), width first.</li>
 *   <li>Quantise to 8 bits: round(clamp(255 · x, 0, 255)) / 255 (halves to even).</li>
 *   <li>Normalise each channel with CLIP's mean (0.48145466, 0.4578275, 0.40821073) and standard deviation
 *       (0.26862954, 0.26130258, 0.27577711).</li>
 * </ol>
 *
 * Stateless and thread-safe; plain float arrays (the images are small next to the tower).
 */
public final class ClipPreprocess {
    /** CLIP's per-channel mean (OpenAI's training statistics). */
    public static final float[] MEAN = {0.48145466f, 0.4578275f, 0.40821073f};

    /** CLIP's per-channel standard deviation. */
    public static final float[] STD = {0.26862954f, 0.26130258f, 0.27577711f};

    private ClipPreprocess() {}

    /** How an image that is not square is fitted. */
    public enum Crop {
        /** Short side to the size, then the middle (ComfyUI's crop=True). */
        CENTER,
        /** Both sides to the size (ComfyUI's crop=False). */
        NONE;

        /** "center" or "none", as ComfyUI's CLIPVisionEncode names them. */
        public static Crop fromName(String name) {
            return switch (name) {
                case "center" -> CENTER;
                case "none" -> NONE;
                default -> throw new IllegalArgumentException("crop must be \"center\" or \"none\", was \"" + name
                        + "\"");
            };
        }
    }

    /**
     * Prepares a batch.
     *
     * @param bhwc [B, H, W, C] row-major pixels, C ≥ 3
     * @return [B, 3, size, size] row-major normalised pixels
     */
    public static float[] apply(float[] bhwc, int b, int h, int w, int c, int size, Crop crop) {
        if (c < 3) {
            throw new IllegalArgumentException("CLIP vision needs RGB images (3 channels), got " + c
                    + " channel(s); convert the image to RGB first");
        }
        if (h < 1 || w < 1 || b < 1) {
            throw new IllegalArgumentException("CLIP vision needs a non-empty image batch, got " + b + " × " + h
                    + " × " + w);
        }
        int outH;
        int outW;
        boolean resize = !(h == size && w == size);
        if (!resize) {
            outH = size;
            outW = size;
        } else if (crop == Crop.CENTER) {
            double scale = (double) size / Math.min(h, w);
            outH = (int) Math.rint(scale * h);
            outW = (int) Math.rint(scale * w);
        } else {
            outH = size;
            outW = size;
        }
        int top = Math.floorDiv(outH - size, 2);
        int left = Math.floorDiv(outW - size, 2);
        float[] out = new float[b * 3 * size * size];
        float[] plane = new float[h * w];
        for (int i = 0; i < b; i++) {
            for (int ch = 0; ch < 3; ch++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        plane[y * w + x] = bhwc[((i * h + y) * w + x) * c + ch];
                    }
                }
                float[] scaled = resize ? resizePlane(plane, h, w, outH, outW) : plane;
                int base = (i * 3 + ch) * size * size;
                for (int y = 0; y < size; y++) {
                    for (int x = 0; x < size; x++) {
                        float v = scaled[(y + top) * outW + (x + left)];
                        float q = (float) (Math.rint(Math.min(255f, Math.max(0f, 255f * v))) / 255.0);
                        out[base + y * size + x] = (q - MEAN[ch]) / STD[ch];
                    }
                }
            }
        }
        return out;
    }

    /** One channel, antialiased bicubic, width first then height. */
    static float[] resizePlane(float[] src, int h, int w, int outH, int outW) {
        float[] tmp = new float[h * outW];
        Taps tx = taps(w, outW);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < outW; x++) {
                double s = 0;
                int start = tx.start[x];
                for (int j = 0; j < tx.count[x]; j++) {
                    s += tx.weight[x][j] * src[y * w + start + j];
                }
                tmp[y * outW + x] = (float) s;
            }
        }
        float[] out = new float[outH * outW];
        Taps ty = taps(h, outH);
        for (int y = 0; y < outH; y++) {
            int start = ty.start[y];
            for (int x = 0; x < outW; x++) {
                double s = 0;
                for (int j = 0; j < ty.count[y]; j++) {
                    s += ty.weight[y][j] * tmp[(start + j) * outW + x];
                }
                out[y * outW + x] = (float) s;
            }
        }
        return out;
    }

    private record Taps(int[] start, int[] count, double[][] weight) {}

    /**
     * Source pixels and weights of each output pixel along one axis: centre scale·(i + ½), support 2·scale when
     * shrinking (2 otherwise), the filter evaluated at (j − centre + ½)/max(scale, 1), weights normalised.
     */
    private static Taps taps(int in, int out) {
        double scale = (double) in / out;
        double support = scale >= 1.0 ? 2.0 * scale : 2.0;
        double inv = scale >= 1.0 ? 1.0 / scale : 1.0;
        int[] start = new int[out];
        int[] count = new int[out];
        double[][] weight = new double[out][];
        for (int i = 0; i < out; i++) {
            double center = scale * (i + 0.5);
            int lo = Math.max((int) (center - support + 0.5), 0);
            int hi = Math.min((int) (center + support + 0.5), in);
            int n = Math.max(0, hi - lo);
            double[] wt = new double[n];
            double total = 0;
            for (int j = 0; j < n; j++) {
                wt[j] = cubic((j + lo - center + 0.5) * inv);
                total += wt[j];
            }
            if (total != 0) {
                for (int j = 0; j < n; j++) {
                    wt[j] /= total;
                }
            }
            start[i] = lo;
            count[i] = n;
            weight[i] = wt;
        }
        return new Taps(start, count, weight);
    }

    /** Keys' cubic convolution kernel with a = −0.5 (Catmull–Rom). */
    private static double cubic(double x) {
        double a = -0.5;
        x = Math.abs(x);
        if (x < 1.0) {
            return ((a + 2) * x - (a + 3)) * x * x + 1;
        }
        if (x < 2.0) {
            return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
        }
        return 0.0;
    }
}
