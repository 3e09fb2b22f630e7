package dev.noodle.nodes;

import ai.djl.ndarray.NDArray;
import dev.noodle.engine.model.ModelFamily;
import java.awt.image.BufferedImage;

/**
 * A cheap live preview of a latent during sampling: a linear projection of the 4 latent channels to RGB (the
 * per-family factors ComfyUI uses for its "latent2rgb" previews), one pixel per latent cell. Stateless.
 */
final class LatentPreview {
    // SD 1.x/2.x latent → RGB factors (ComfyUI latent_formats.SD15.latent_rgb_factors), rows = latent channels
    private static final float[][] SD15 = {
        {0.3512f, 0.2297f, 0.3227f}, {0.3250f, 0.4974f, 0.2350f}, {-0.2829f, 0.1762f, 0.2721f},
        {-0.2120f, -0.2616f, -0.7177f}
    };
    private static final int EVERY = 3;

    LatentPreview(ModelFamily family) {
        // SDXL uses other factors; SD1/SD2 share these
    }

    /** Whether to render at this step (every few steps and the last). */
    boolean shouldRender(int step, int total) {
        return step % EVERY == EVERY - 1 || step == total - 1;
    }

    /** The first image of a latent batch [B, 4, h, w] (raw denoised prediction) as RGB. */
    BufferedImage render(NDArray latent) {
        long[] s = latent.getShape().getShape();
        int h = (int) s[2];
        int w = (int) s[3];
        float[] v = latent.get(0).toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray(); // [4, h, w]
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int plane = h * w;
        for (int i = 0; i < plane; i++) {
            int rgb = 0;
            for (int c = 0; c < 3; c++) {
                float x = 0;
                for (int k = 0; k < 4; k++) {
                    x += v[k * plane + i] * SD15[k][c];
                }
                int b = Math.max(0, Math.min(255, (int) ((x + 1f) * 127.5f)));
                rgb = (rgb << 8) | b;
            }
            img.setRGB(i % w, i / w, rgb);
        }
        return img;
    }
}
