package dev.noodle.engine.diffusion;

/**
 * A rectangle in latent cells (pixels / 8), as ComfyUI's ConditioningSetArea stores it.
 *
 * @param x left
 * @param y top
 * @param width width (≥ 1)
 * @param height height (≥ 1)
 */
public record LatentArea(int x, int y, int width, int height) {
    public LatentArea {
        if (width < 1 || height < 1 || x < 0 || y < 0) {
            throw new IllegalArgumentException("area must have a positive size and non-negative origin: "
                    + width + "x" + height + " at " + x + "," + y);
        }
    }

    /** This area clipped to a latent of the given size; null when nothing is left. */
    public LatentArea clip(int latentWidth, int latentHeight) {
        int w = Math.min(width, latentWidth - x);
        int h = Math.min(height, latentHeight - y);
        return w < 1 || h < 1 ? null : new LatentArea(x, y, w, h);
    }

    /**
     * An area given as fractions of the latent, resolved against its size as ComfyUI's
     * {@code resolve_areas_and_cond_masks} does: size max(1, round(f·side)), origin round(f·side), Python's
     * round-half-to-even.
     *
     * @param fx left, fraction of the width
     * @param fy top, fraction of the height
     * @param fw width, fraction of the width
     * @param fh height, fraction of the height
     */
    public static LatentArea ofFractions(double fx, double fy, double fw, double fh, int latentWidth,
            int latentHeight) {
        return new LatentArea((int) Math.rint(fx * latentWidth), (int) Math.rint(fy * latentHeight),
                Math.max(1, (int) Math.rint(fw * latentWidth)), Math.max(1, (int) Math.rint(fh * latentHeight)));
    }

    /**
     * The bounding box of a mask's non-zero cells over its whole batch, at least 8×8 cells (ComfyUI's
     * set_area_to_bounds); an all-zero mask gives the 8×8 area at the origin.
     *
     * @param mask [batch, h, w] row-major, at the latent's size
     */
    public static LatentArea boundsOf(float[] mask, int batch, int h, int w) {
        int x0 = Integer.MAX_VALUE;
        int y0 = Integer.MAX_VALUE;
        int x1 = -1;
        int y1 = -1;
        for (int b = 0; b < batch; b++) {
            for (int yy = 0; yy < h; yy++) {
                for (int xx = 0; xx < w; xx++) {
                    if (mask[(b * h + yy) * w + xx] != 0f) {
                        x0 = Math.min(x0, xx);
                        y0 = Math.min(y0, yy);
                        x1 = Math.max(x1, xx);
                        y1 = Math.max(y1, yy);
                    }
                }
            }
        }
        if (x1 < 0) {
            return new LatentArea(0, 0, 8, 8);
        }
        return new LatentArea(x0, y0, Math.max(8, x1 - x0 + 1), Math.max(8, y1 - y0 + 1));
    }
}
