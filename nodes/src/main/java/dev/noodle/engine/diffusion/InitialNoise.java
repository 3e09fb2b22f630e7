package dev.noodle.engine.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.noodle.engine.sampling.ModelSampling;
import dev.noodle.engine.sampling.NoiseSource;
import dev.noodle.engine.sampling.NoiseSources;
import dev.noodle.engine.sampling.PhiloxNoise;
import dev.noodle.engine.sampling.TorchRng;

/**
 * The sampler's starting point in either seed mode: the initial noise, the starting latent x and
 * the noise source for later (ancestral/SDE) steps. Stateless and thread-safe.
 *
 * <ul>
 *   <li>{@link NoiseMode#COMFY} (ComfyUI): noise = CPU {@code torch.randn} after {@code manual_seed(seed)}
 *       (with batch_index rows); x = latent + noise·sqrt(1+σ₀²) at full denoise, latent + noise·σ₀
 *       otherwise; step noise from a generator seeded with seed + 1 (or a Brownian path for the SDE
 *       samplers).
 *   <li>{@link NoiseMode#A1111} (AUTOMATIC1111 "GPU" seeds, stable-diffusion.cpp {@code cuda}): noise = the
 *       first Philox draw; x = latent + noise·σ₀ whatever the denoise; step noise continues the
 *       same Philox stream.
 * </ul>
 */
public final class InitialNoise {
    private InitialNoise() {}

    /**
     * Where sampling starts.
     *
     * @param x the starting latent [B, C, H, W]
     * @param noise the unscaled initial noise [B, C, H, W] (zeros when noise is not added)
     * @param stepNoise the noise for the sampler's later steps
     */
    public record Start(NDArray x, NDArray noise, NoiseSource stepNoise) {}

    /**
     * Builds the starting point of a run.
     *
     * @param r the request (seed, sampler, add_noise, noise mode)
     * @param ms the model's schedule (for ComfyUI's full-denoise test)
     * @param sigmas the run's schedule, at least one σ
     * @param latent the process_in scaled input latent [B, C, H, W], float32
     * @param batchIndex ComfyUI batch_index rows of the noise, or null
     * @param scope owner of the arrays made here
     */
    public static Start start(
            SamplingRequest r,
            ModelSampling ms,
            float[] sigmas,
            NDArray latent,
            int[] batchIndex,
            NDManager scope) {
        if (sigmas.length == 0) {
            throw new IllegalArgumentException("an empty schedule has no starting noise");
        }
        Shape shape = latent.getShape();
        float sigma0 = sigmas[0];
        if (r.noiseMode() == NoiseMode.A1111) {
            PhiloxNoise philox = new PhiloxNoise(r.seed());
            NDArray noise =
                    r.addNoise()
                            ? philox.next(
                                    sigma0, sigma0, shape,
                                    scope) // draw 0; ancestral steps continue the stream
                            : scope.zeros(shape, DataType.FLOAT32);
            NDArray x =
                    latent.add(
                            noise.mul(
                                    sigma0)); // A1111 / stable-diffusion.cpp: x = latent + noise·σ₀
            return new Start(x, noise, philox);
        }
        NDArray noise =
                r.addNoise()
                        ? TorchRng.prepareNoise(r.seed(), shape, batchIndex, scope)
                        : scope.zeros(shape, DataType.FLOAT32);
        NDArray x = ms.noiseScaling(sigma0, noise, latent, ms.isMaxDenoise(sigmas));
        return new Start(x, noise, NoiseSources.comfyCpu(r.sampler(), r.seed(), sigmas));
    }
}
