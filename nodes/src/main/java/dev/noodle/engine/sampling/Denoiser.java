package dev.noodle.engine.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * A denoiser D(x, σ): the model's estimate of the clean latent for a noisy latent x at noise level σ
 * (k-diffusion's "denoiser" abstraction; prediction type and CFG live behind it).
 */
@FunctionalInterface
public interface Denoiser {
    /**
     * Returns the denoised estimate.
     *
     * @param x noisy latent [B, C, H, W]
     * @param sigma noise level of x
     * @param scope manager that owns temporaries and the result (the sampler closes it after the
     *     step); callers attach x to it before calling, so ops on x land there too
     * @return denoised latent [B, C, H, W], owned by {@code scope}
     */
    NDArray denoise(NDArray x, float sigma, NDManager scope);
}
