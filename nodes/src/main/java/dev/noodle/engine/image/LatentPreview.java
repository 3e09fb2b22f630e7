package dev.noodle.engine.image;

import ai.djl.ndarray.NDArray;
import java.awt.image.BufferedImage;

/**
 * A cheap latent → RGB preview: a per-pixel linear map of the latent channels, as ComfyUI's
 * {@code Latent2RGBPreviewer} (rgb = latent · factors, then clamp((v + 1) / 2) · 255 truncated to a byte).
 * One preview pixel per latent cell. Stateless and thread-safe.
 */
public final class LatentPreview {
    /** SD 1.x/2.x factors [4 latent channels][R, G, B] (ComfyUI {@code latent_formats.SD15}). */
    public static final float[][] SD15_FACTORS = {
        {0.3512f, 0.2297f, 0.3227f},
        {0.3250f, 0.4974f, 0.2350f},
        {-0.2829f, 0.1762f, 0.2721f},
        {-0.2120f, -0.2616f, -0.7177f},
    };

    /** SDXL factors (ComfyUI {@code latent_formats.SDXL}). */
    public static final float[][] SDXL_FACTORS = {
        {0.3920f, 0.4054f, 0.4549f},
        {-0.2634f, -0.0196f, 0.0653f},
        {0.0568f, 0.1687f, -0.0755f},
        {-0.3112f, -0.2359f, -0.2076f},
    };

    private LatentPreview() {}

    /**
     * Preview of the first sample of a latent batch (the sampler's scaled latent space).
     *
     * @param latent [B, C, h, w] with C = factors.length
     * @return an h×w RGB image
     */
    public static BufferedImage preview(NDArray latent, float[][] factors) {
        long[] s = latent.getShape().getShape();
        if (s.length != 4 || s[1] != factors.length) {
            throw new IllegalArgumentException(
                    "expected a latent [B, " + factors.length + ", h, w], got " + latent.getShape());
        }
        try (NDArray first = latent.get(0)) {
            return preview(first.toFloatArray(), (int) s[2], (int) s[3], factors);
        }
    }

    /** Preview of one latent given as row-major [C, h, w] floats. */
    public static BufferedImage preview(float[] chw, int h, int w, float[][] factors) {
        int plane = h * w;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = y * w + x;
                int rgb = 0;
                for (int k = 0; k < 3; k++) {
                    float v = 0f;
                    for (int c = 0; c < factors.length; c++) {
                        v += chw[c * plane + p] * factors[c][k];
                    }
                    float unit = Math.min(1f, Math.max(0f, (v + 1f) / 2f));
                    rgb = rgb << 8 | (int) (unit * 255f);
                }
                row[x] = rgb;
            }
            img.setRGB(0, y, w, 1, row, 0, w);
        }
        return img;
    }

    /**
     * An image [3, H, W] in [0, 1] (row-major floats, e.g. a TAESD-decoded latent) as an RGB preview:
     * round(clamp(v, 0, 1) · 255), as ComfyUI's {@code preview_to_image}.
     */
    public static BufferedImage fromUnitImage(float[] chw, int h, int w) {
        int plane = h * w;
        if (chw.length != 3 * plane) {
            throw new IllegalArgumentException("expected 3×" + h + "×" + w + " values, got " + chw.length);
        }
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = y * w + x;
                int rgb = 0;
                for (int k = 0; k < 3; k++) {
                    float unit = Math.min(1f, Math.max(0f, chw[k * plane + p]));
                    rgb = rgb << 8 | Math.round(unit * 255f);
                }
                row[x] = rgb;
            }
            img.setRGB(0, y, w, 1, row, 0, w);
        }
        return img;
    }
}
