package dev.noodle.engine.sampling;

import ai.djl.ndarray.NDArray;

/**
 * Called once per sampler step, before x is updated (previews, progress). The arrays belong to the
 * step's scope and are closed after the call returns: copy what you keep.
 */
@FunctionalInterface
public interface StepCallback {
    /** A callback that does nothing. */
    StepCallback NONE = (step, total, sigma, x, denoised) -> {};

    /**
     * Reports one step.
     *
     * @param step 0-based step index
     * @param total number of steps (σ count − 1)
     * @param sigma σ of this step
     * @param x the latent at this step [B, C, H, W]
     * @param denoised the denoiser's estimate at this step [B, C, H, W]
     */
    void onStep(int step, int total, float sigma, NDArray x, NDArray denoised);
}
