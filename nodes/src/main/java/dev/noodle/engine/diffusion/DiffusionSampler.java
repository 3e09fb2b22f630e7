package dev.noodle.engine.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.noodle.engine.sampling.Denoiser;
import dev.noodle.engine.sampling.GuidancePatch;
import dev.noodle.engine.sampling.KSamplerSigmas;
import dev.noodle.engine.sampling.ModelSampling;
import dev.noodle.engine.sampling.SamplerOptions;
import dev.noodle.engine.sampling.Samplers;
import dev.noodle.engine.sampling.StepCallback;
import dev.noodle.engine.unet.UNetModel;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * ComfyUI's KSampler flow on a UNet: schedule (with denoise and start/end steps), seeded initial noise in either
 * seed mode ({@link InitialNoise}), latent scaling in and out (process_latent_in/out), classifier-free guidance
 * over area conditioning, optional noise mask (inpainting: keep the unmasked latent, re-noised to each step's σ),
 * then the sampler. Stateless.
 */
public final class DiffusionSampler {
    private DiffusionSampler() {}

    /**
     * What the sampler runs on: the UNet, its schedule, its latent scale, (inpainting) extra channels and the
     * guidance patches the model carries (RescaleCFG, CFGNorm).
     */
    public record Model(UNetModel unet, ModelSampling sampling, float latentScale, ConditionedUNet.LatentExtras extras,
            List<GuidancePatch> guidance) {
        /** Copies the patch list. */
        public Model {
            guidance = List.copyOf(guidance);
        }

        /** A model without guidance patches. */
        public Model(UNetModel unet, ModelSampling sampling, float latentScale,
                ConditionedUNet.LatentExtras extras) {
            this(unet, sampling, latentScale, extras, List.of());
        }
    }

    /**
     * Samples a latent.
     *
     * @param latent raw latent [B, 4, h, w] as VAEEncode/EmptyLatentImage produce it (not yet scaled)
     * @param noiseMask [B or 1, 1, h, w] in [0, 1] (1 = regenerate), or null
     * @param batchIndex ComfyUI batch_index of the latent (noise rows), or null
     * @param out manager that owns the result
     * @return raw latent [B, 4, h, w] (process_latent_out applied), owned by {@code out}
     */
    public static NDArray sample(Model model, SamplingRequest r, NDArray latent, NDArray noiseMask, int[] batchIndex,
            StepCallback cb, BooleanSupplier cancelled, NDManager out) {
        ModelSampling ms = model.sampling();
        float[] sigmas = KSamplerSigmas.forSteps(ms, r.scheduler(), r.sampler(), r.steps(), r.denoise());
        if (r.startStep() > 0 || r.endStep() < r.steps() || !r.forceFullDenoise()) {
            sigmas = KSamplerSigmas.slice(sigmas, r.startStep(), r.endStep(), r.forceFullDenoise());
            if (sigmas == null) {
                return latent.duplicate().toType(DataType.FLOAT32, false);
            }
        }
        return sampleSigmas(model, r, sigmas, latent, noiseMask, batchIndex, cb, cancelled, out);
    }

    /**
     * Samples a latent along an explicit σ schedule (ComfyUI's sample_custom / guider.sample): {@code r}'s seed,
     * add-noise switch, noise mode, cfg, sampler and conditioning apply; its steps, scheduler, denoise and step
     * range do not, since {@code sigmas} replaces them. An empty schedule returns the latent unchanged.
     *
     * @param sigmas the σ values to step through, first = starting noise level
     * @see #sample(Model, SamplingRequest, NDArray, NDArray, int[], StepCallback, BooleanSupplier, NDManager)
     */
    public static NDArray sampleSigmas(Model model, SamplingRequest r, float[] sigmas, NDArray latent,
            NDArray noiseMask, int[] batchIndex, StepCallback cb, BooleanSupplier cancelled, NDManager out) {
        return sampleSigmas(model, r, GuidanceRule.CFG, sigmas, latent, noiseMask, batchIndex, cb, cancelled, out);
    }

    /**
     * Samples a latent along an explicit σ schedule with a guider's rule (DualCFGGuider, PerpNegGuider, …) instead
     * of classifier-free guidance.
     *
     * @param rule how the request's conditionings (and the rule's own) mix into one estimate
     * @see #sampleSigmas(Model, SamplingRequest, float[], NDArray, NDArray, int[], StepCallback, BooleanSupplier,
     *     NDManager)
     */
    public static NDArray sampleSigmas(Model model, SamplingRequest r, GuidanceRule rule, float[] sigmas,
            NDArray latent, NDArray noiseMask, int[] batchIndex, StepCallback cb, BooleanSupplier cancelled,
            NDManager out) {
        ModelSampling ms = model.sampling();
        if (sigmas.length == 0) {
            return latent.duplicate().toType(DataType.FLOAT32, false); // denoise 0: nothing to sample
        }
        try (NDManager run = out.newSubManager()) {
            NDArray scaled = latent.toType(DataType.FLOAT32, false).mul(model.latentScale()); // process_latent_in
            InitialNoise.Start start = InitialNoise.start(r, ms, sigmas, scaled, batchIndex, run);
            ConditionedUNet fn = new ConditionedUNet(model.unet(), model.extras());
            Denoiser d = rule.denoiser(ms, fn, r, model.guidance());
            NDArray mask = noiseMask == null ? null : noiseMask.toType(DataType.FLOAT32, false);
            if (mask != null) {
                d = masked(d, mask, scaled, start.noise());
            }
            SamplerOptions options = r.options() != null ? r.options() : SamplerOptions.defaults(r.sampler(), ms);
            NDArray result =
                    Samplers.sample(r.sampler(), options, d, start.x(), sigmas, start.stepNoise(), cb, cancelled);
            if (mask != null) {
                // keep the original latent outside the mask (ComfyUI KSampler's final blend)
                result = result.mul(mask).add(scaled.mul(mask.neg().add(1f)));
            }
            NDArray raw = result.div(model.latentScale()); // process_latent_out
            raw.attach(out);
            return raw;
        }
    }

    // ComfyUI KSamplerX0Inpaint: before each denoise, x outside the mask is replaced by the original latent
    // re-noised to σ; after it, denoised outside the mask is the original latent. The CFG++ samplers' unconditional
    // estimate is read inside the wrapper (ComfyUI's post-CFG hook), so it is passed on unblended.
    private static Denoiser masked(Denoiser d, NDArray mask, NDArray latent, NDArray noise) {
        return new Denoiser() {
            @Override
            public NDArray denoise(NDArray x, float sigma, NDManager scope) {
                return blend(d.denoise(in(x, sigma), sigma, scope));
            }

            @Override
            public Guided denoiseGuided(NDArray x, float sigma, NDManager scope) {
                Guided g = d.denoiseGuided(in(x, sigma), sigma, scope);
                return new Guided(blend(g.denoised()), g.uncond());
            }

            private NDArray in(NDArray x, float sigma) {
                return x.mul(mask).add(latent.add(noise.mul(sigma)).mul(mask.neg().add(1f)));
            }

            private NDArray blend(NDArray den) {
                return den.mul(mask).add(latent.mul(mask.neg().add(1f)));
            }
        };
    }
}
