package dev.noodle.engine.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Fresh Gaussian noise for stochastic samplers, as ComfyUI's {@code noise_sampler(sigma,
 * sigma_next)}: standard normal with the latent's shape. Stream sources ignore the σ pair; Brownian
 * sources return the normalised Brownian increment between them. Implementations are stateful (a
 * stream position) and not thread-safe: use one per sampling run.
 */
@FunctionalInterface
public interface NoiseSource {
    /**
     * Returns the next noise array.
     *
     * @param sigma σ at the start of the interval
     * @param sigmaNext σ at its end
     * @param shape latent shape [B, C, H, W]
     * @param manager owner of the result
     * @return float32 noise of {@code shape}, N(0, 1) per element
     */
    NDArray next(float sigma, float sigmaNext, Shape shape, NDManager manager);
}
