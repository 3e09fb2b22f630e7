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

    /**
     * Returns the guided estimate together with the unconditional one, for the CFG++ samplers (Chung
     * et al. 2024, "CFG++: Manifold-constrained Classifier Free Guidance for Diffusion Models"), which
     * step along the unconditional estimate. A denoiser without guidance has no separate unconditional
     * estimate: both are {@link #denoise}'s result.
     *
     * @param x noisy latent [B, C, H, W]
     * @param sigma noise level of x
     * @param scope manager that owns temporaries and both results
     * @return the guided and the unconditional denoised latents [B, C, H, W], owned by {@code scope}
     */
    default Guided denoiseGuided(NDArray x, float sigma, NDManager scope) {
        NDArray d = denoise(x, sigma, scope);
        return new Guided(d, d);
    }

    /**
     * The two estimates of one guided denoiser call.
     *
     * @param denoised the guided estimate, what {@link #denoise} returns [B, C, H, W]
     * @param uncond the unconditional (negative-prompt) estimate [B, C, H, W]
     */
    record Guided(NDArray denoised, NDArray uncond) {}
}
