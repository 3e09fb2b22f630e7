package dev.noodle.engine.image;

import java.util.ArrayDeque;

/**
 * The Canny edge detector (Canny 1986) as kornia's {@code filters.canny} computes it, which ComfyUI's {@code Canny}
 * node calls with a 5×5 Gaussian of σ = 1: grayscale (0.299 R + 0.587 G + 0.114 B), Gaussian blur with reflected
 * borders, Sobel gradients (unnormalised 3×3 kernels, replicated borders), magnitude √(gx² + gy² + ε), direction
 * rounded to the nearest 45°, non-maximum suppression (a pixel stays only if it is strictly larger than both
 * neighbours along its direction; outside the image counts as 0), double threshold (strong above {@code high}, weak
 * above {@code low}) and hysteresis (weak pixels 8-connected to a strong one through weak ones become edges). All in
 * float32, as torch does. Stateless and thread-safe.
 */
public final class Canny {
    private Canny() {}

    /** kornia's default ε under the square root of the magnitude. */
    public static final float EPS = 1e-6f;
    /** The Gaussian kernel ComfyUI's node uses: 5 taps, σ = 1. */
    public static final int KERNEL = 5;
    public static final float SIGMA = 1f;

    // neighbour k of the 8 directions (k·45°, y down): (dy, dx), as kornia's NMS and hysteresis kernels order them
    private static final int[] DY = {0, 1, 1, 1, 0, -1, -1, -1};
    private static final int[] DX = {1, 1, 0, -1, -1, -1, 0, 1};

    /**
     * The edges and the thinned gradient magnitude of one grayscale image.
     *
     * @param magnitude after non-maximum suppression, [h·w]
     * @param edges 0 or 1 per pixel, [h·w]
     */
    public record Result(float[] magnitude, float[] edges) {}

    /**
     * Edges of one RGB or gray image.
     *
     * @param pixels [h, w, channels] row-major, values in 0..1 (ComfyUI's IMAGE layout for one image)
     * @param channels 3 (RGB, turned to gray) or 1
     * @throws IllegalArgumentException for other channel counts, images under 3×3 pixels or thresholds not
     *     0 ≤ low ≤ high
     */
    public static Result detect(float[] pixels, int h, int w, int channels, float low, float high) {
        if (channels != 3 && channels != 1) {
            throw new IllegalArgumentException("Canny works on RGB or gray images, not " + channels + " channels");
        }
        if (h < 3 || w < 3) {
            throw new IllegalArgumentException("Canny needs an image of at least 3×3 pixels, got " + w + "×" + h);
        }
        if (!(low >= 0 && low <= high)) {
            throw new IllegalArgumentException("Canny needs 0 ≤ low_threshold ≤ high_threshold, got " + low + " and "
                    + high);
        }
        float[] gray = new float[h * w];
        for (int i = 0; i < h * w; i++) {
            gray[i] = channels == 1 ? pixels[i]
                    : 0.299f * pixels[i * 3] + 0.587f * pixels[i * 3 + 1] + 0.114f * pixels[i * 3 + 2];
        }
        float[] blurred = gaussian(gray, h, w);
        float[] mag = new float[h * w];
        int[] dir = new int[h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                // Sobel with replicated borders: gx = right − left column, gy = bottom − top row (weights 1, 2, 1)
                float gx = 0;
                float gy = 0;
                for (int d = -1; d <= 1; d++) {
                    float wgt = d == 0 ? 2f : 1f;
                    gx += wgt * (at(blurred, h, w, y + d, x + 1) - at(blurred, h, w, y + d, x - 1));
                    gy += wgt * (at(blurred, h, w, y + 1, x + d) - at(blurred, h, w, y - 1, x + d));
                }
                int i = y * w + x;
                mag[i] = (float) Math.sqrt(gx * gx + gy * gy + EPS);
                float deg = (float) (180.0 * (float) Math.atan2(gy, gx) / (float) Math.PI);
                int k = (int) Math.rint(deg / 45f); // torch.round: half to even
                dir[i] = Math.floorMod(k, 8);
            }
        }
        float[] thin = new float[h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                int k = dir[i];
                int o = (k + 4) % 8;
                float m = mag[i];
                boolean max = m - zero(mag, h, w, y + DY[k], x + DX[k]) > 0
                        && m - zero(mag, h, w, y + DY[o], x + DX[o]) > 0;
                thin[i] = max ? m : 0f;
            }
        }
        float[] edges = new float[h * w];
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        for (int i = 0; i < h * w; i++) {
            if (thin[i] > high) {
                edges[i] = 1f;
                queue.add(i);
            }
        }
        while (!queue.isEmpty()) {
            int i = queue.poll();
            int y = i / w;
            int x = i % w;
            for (int k = 0; k < 8; k++) {
                int yy = y + DY[k];
                int xx = x + DX[k];
                if (yy < 0 || yy >= h || xx < 0 || xx >= w) {
                    continue;
                }
                int j = yy * w + xx;
                if (edges[j] == 0f && thin[j] > low) {
                    edges[j] = 1f;
                    queue.add(j);
                }
            }
        }
        return new Result(thin, edges);
    }

    // Separable Gaussian, 5 taps, σ = 1, reflected borders (… 2 1 | 0 1 2 …), rows then columns.
    private static float[] gaussian(float[] img, int h, int w) {
        float[] k = new float[KERNEL];
        float sum = 0;
        for (int i = 0; i < KERNEL; i++) {
            float x = i - KERNEL / 2;
            k[i] = (float) Math.exp(-(x * x) / (2f * SIGMA * SIGMA));
            sum += k[i];
        }
        for (int i = 0; i < KERNEL; i++) {
            k[i] /= sum;
        }
        int r = KERNEL / 2;
        float[] rows = new float[h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                float s = 0;
                for (int t = 0; t < KERNEL; t++) {
                    s += k[t] * img[y * w + reflect(x + t - r, w)];
                }
                rows[y * w + x] = s;
            }
        }
        float[] out = new float[h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                float s = 0;
                for (int t = 0; t < KERNEL; t++) {
                    s += k[t] * rows[reflect(y + t - r, h) * w + x];
                }
                out[y * w + x] = s;
            }
        }
        return out;
    }

    private static int reflect(int i, int n) {
        int p = i;
        while (p < 0 || p >= n) {
            p = p < 0 ? -p : 2 * (n - 1) - p;
        }
        return p;
    }

    private static float at(float[] a, int h, int w, int y, int x) {
        return a[Math.clamp(y, 0, h - 1) * w + Math.clamp(x, 0, w - 1)];
    }

    private static float zero(float[] a, int h, int w, int y, int x) {
        return y < 0 || y >= h || x < 0 || x >= w ? 0f : a[y * w + x];
    }
}
