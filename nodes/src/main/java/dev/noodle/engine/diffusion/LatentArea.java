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
}
