package dev.noodle.engine.diffusion;

import dev.noodle.engine.sampling.SamplerKind;
import dev.noodle.engine.sampling.SamplerOptions;
import dev.noodle.engine.sampling.Scheduler;
import java.util.List;

/**
 * Everything a KSampler / KSamplerAdvanced run needs, with ComfyUI's meanings.
 *
 * @param seed noise seed (ComfyUI: CPU torch.randn after manual_seed(seed))
 * @param steps total steps of the schedule
 * @param cfg guidance scale
 * @param sampler sampler name
 * @param scheduler schedule name
 * @param denoise fraction of the schedule to run (1 = txt2img)
 * @param addNoise false = KSamplerAdvanced add_noise disable (zero initial noise)
 * @param startStep first step to run (KSamplerAdvanced), 0 for KSampler
 * @param endStep last step (exclusive) or ≥ steps for all
 * @param forceFullDenoise end at σ = 0 (KSampler always; Advanced unless return_with_leftover_noise)
 * @param positive positive conditioning entries
 * @param negative negative conditioning entries
 * @param noiseMode whose seed convention the noise follows
 * @param options the sampler's settings (a Sampler* option node's), or null for the sampler's ComfyUI defaults on
 *     the model it runs on ({@link SamplerOptions#defaults(SamplerKind, dev.noodle.engine.sampling.ModelSampling)})
 */
public record SamplingRequest(
        long seed,
        int steps,
        float cfg,
        SamplerKind sampler,
        Scheduler scheduler,
        float denoise,
        boolean addNoise,
        int startStep,
        int endStep,
        boolean forceFullDenoise,
        List<CondEntry> positive,
        List<CondEntry> negative,
        NoiseMode noiseMode,
        SamplerOptions options) {
    /** A request whose sampler runs with its ComfyUI defaults. */
    public SamplingRequest(long seed, int steps, float cfg, SamplerKind sampler, Scheduler scheduler, float denoise,
            boolean addNoise, int startStep, int endStep, boolean forceFullDenoise, List<CondEntry> positive,
            List<CondEntry> negative, NoiseMode noiseMode) {
        this(seed, steps, cfg, sampler, scheduler, denoise, addNoise, startStep, endStep, forceFullDenoise, positive,
                negative, noiseMode, null);
    }

    /** Checks the references are present. */
    public SamplingRequest {
        java.util.Objects.requireNonNull(sampler, "sampler");
        java.util.Objects.requireNonNull(scheduler, "scheduler");
        java.util.Objects.requireNonNull(noiseMode, "noiseMode");
        positive = List.copyOf(positive);
        negative = List.copyOf(negative);
    }

    /** The plain KSampler's request. */
    public static SamplingRequest simple(long seed, int steps, float cfg, SamplerKind sampler, Scheduler scheduler,
            float denoise, List<CondEntry> positive, List<CondEntry> negative) {
        return new SamplingRequest(seed, steps, cfg, sampler, scheduler, denoise, true, 0, 10000, true, positive,
                negative, NoiseMode.COMFY);
    }

    /**
     * A custom sampler's request (SamplerCustom, SamplerCustomAdvanced): the σ schedule is passed separately to
     * {@link DiffusionSampler#sampleSigmas}, which ignores the steps, scheduler, denoise and step range set here.
     */
    public static SamplingRequest custom(long seed, boolean addNoise, float cfg, SamplerKind sampler, int steps) {
        return custom(seed, addNoise, cfg, sampler, null, steps);
    }

    /**
     * A custom sampler's request whose sampler runs with {@code options} (null = its defaults).
     *
     * @see #custom(long, boolean, float, SamplerKind, int)
     */
    public static SamplingRequest custom(long seed, boolean addNoise, float cfg, SamplerKind sampler,
            SamplerOptions options, int steps) {
        return new SamplingRequest(seed, steps, cfg, sampler, Scheduler.NORMAL, 1f, addNoise, 0, 10000, true,
                List.of(), List.of(), NoiseMode.COMFY, options);
    }

    /**
     * This request with these conditioning entries: a node settles the run's settings first and converts its
     * conditioning inside the run's native scope.
     */
    public SamplingRequest withConditioning(List<CondEntry> positive, List<CondEntry> negative) {
        return new SamplingRequest(seed, steps, cfg, sampler, scheduler, denoise, addNoise, startStep, endStep,
                forceFullDenoise, positive, negative, noiseMode, options);
    }
}
