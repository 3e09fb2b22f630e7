package dev.noodle.engine.sampling;

import java.util.Arrays;

/**
 * The σ schedule a ComfyUI KSampler / KSamplerAdvanced actually runs, from steps, denoise and
 * start/end steps (ComfyUI {@code KSampler.set_steps}, {@code calculate_sigmas} and the slicing in
 * {@code KSampler.sample}). Stateless.
 */
public final class KSamplerSigmas {
    private KSamplerSigmas() {}

    /**
     * σ for {@code steps} steps at a denoise strength. denoise ≥ 0.9999: the full schedule; denoise ≤
     * 0: empty (nothing to do); otherwise the last steps+1 σ of a schedule for int(steps/denoise)
     * steps (img2img). Samplers that discard the penultimate σ ({@link
     * SamplerKind#discardsPenultimateSigma()}) get one extra σ computed and then dropped.
     */
    public static float[] forSteps(
            ModelSampling ms, Scheduler scheduler, SamplerKind sampler, int steps, double denoise) {
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        }
        if (Double.isNaN(denoise)) {
            throw new IllegalArgumentException("denoise must be a number, got NaN");
        }
        if (denoise > 0.9999) {
            return calculate(ms, scheduler, sampler, steps);
        }
        if (denoise <= 0.0) {
            return new float[0];
        }
        int total = (int) (steps / denoise);
        float[] all = calculate(ms, scheduler, sampler, total);
        int keep = Math.min(steps + 1, all.length);
        return Arrays.copyOfRange(all, all.length - keep, all.length);
    }

    private static float[] calculate(
            ModelSampling ms, Scheduler scheduler, SamplerKind sampler, int steps) {
        if (!sampler.discardsPenultimateSigma()) {
            return scheduler.sigmas(ms, steps);
        }
        float[] s = scheduler.sigmas(ms, steps + 1);
        float[] out = new float[s.length - 1];
        System.arraycopy(s, 0, out, 0, s.length - 2);
        out[out.length - 1] = s[s.length - 1];
        return out;
    }

    /**
     * KSamplerAdvanced slicing (ComfyUI {@code KSampler.sample}): if lastStep &lt; len−1 keep
     * σ[0..lastStep] and, with forceFullDenoise, set the final σ to 0; then if startStep &lt; len−1
     * drop the first startStep σ. Returns {@code null} when startStep is at or past the end, meaning
     * ComfyUI returns the input latent unchanged.
     *
     * @param startStep first step to run, or -1 for none
     * @param lastStep last step boundary, or -1 for none (ComfyUI's default 10000 also means none)
     * @param forceFullDenoise KSamplerAdvanced return_with_leftover_noise == "disable"
     */
    public static float[] slice(float[] sigmas, int startStep, int lastStep, boolean forceFullDenoise) {
        float[] s = sigmas;
        if (lastStep >= 0 && lastStep < s.length - 1) {
            s = Arrays.copyOf(s, lastStep + 1);
            if (forceFullDenoise) {
                s[s.length - 1] = 0f;
            }
        }
        if (startStep >= 0) {
            if (startStep < s.length - 1) {
                s = Arrays.copyOfRange(s, startStep, s.length);
            } else {
                return null;
            }
        }
        return s;
    }
}
