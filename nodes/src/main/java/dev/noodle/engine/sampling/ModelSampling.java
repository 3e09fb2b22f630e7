package dev.noodle.engine.sampling;

import ai.djl.ndarray.NDArray;

/**
 * The discrete DDPM noise schedule of an SD 1.x/2.x/XL model and its denoiser scalings.
 *
 * <p>Follows ComfyUI {@code ModelSamplingDiscrete}: betas "scaled linear" (linear in sqrt space,
 * squared) in float64, ᾱ = cumprod(1 − β), σ_t = sqrt((1 − ᾱ_t)/ᾱ_t), stored as float32 together with
 * float32 log σ_t. Optional zero-terminal-SNR rescale (Lin et al. 2024, "Common Diffusion Noise
 * Schedules and Sample Steps Are Flawed"). Immutable and thread-safe.
 */
public final class ModelSampling {
    private final float[] sigmas;
    private final float[] logSigmas;
    private final PredictionType prediction;
    private final boolean zsnr;
    // training timesteps per table entry: 1, or T / 50 for a distilled (LCM) schedule
    private final int skip;

    private ModelSampling(double[] sigmas64, PredictionType prediction, boolean zsnr) {
        this.sigmas = new float[sigmas64.length];
        this.logSigmas = new float[sigmas64.length];
        for (int i = 0; i < sigmas64.length; i++) {
            sigmas[i] = (float) sigmas64[i];
            logSigmas[i] = (float) Math.log(sigmas64[i]);
        }
        this.prediction = prediction;
        this.zsnr = zsnr;
        this.skip = 1;
    }

    /** SD 1.x/2.x/XL schedule: 1000 steps, β from 0.00085 to 0.012, ε-prediction. */
    public static ModelSampling sd15() {
        return discrete(0.00085, 0.012, 1000, PredictionType.EPS, false);
    }

    /**
     * A "scaled linear" discrete schedule (ComfyUI {@code make_beta_schedule("linear")}).
     *
     * @param linearStart β_0 (e.g. 0.00085)
     * @param linearEnd β_{T−1} (e.g. 0.012)
     * @param timesteps number of training steps T (e.g. 1000)
     * @param prediction what the network predicts
     * @param zsnr apply the zero-terminal-SNR rescale (ComfyUI {@code ModelSamplingDiscrete} zsnr)
     */
    public static ModelSampling discrete(
            double linearStart,
            double linearEnd,
            int timesteps,
            PredictionType prediction,
            boolean zsnr) {
        if (timesteps < 2) {
            throw new IllegalArgumentException("timesteps must be >= 2, got " + timesteps);
        }
        if (!(linearStart > 0 && linearEnd > 0 && linearEnd < 1 && linearStart < 1)) {
            throw new IllegalArgumentException(
                    "beta range must lie in (0, 1), got " + linearStart + ".." + linearEnd);
        }
        if (prediction == null) {
            throw new IllegalArgumentException("prediction type must not be null");
        }
        double[] sqrtBetas = linspace64(Math.sqrt(linearStart), Math.sqrt(linearEnd), timesteps);
        double[] sig = new double[timesteps];
        double cum = 1.0;
        for (int i = 0; i < timesteps; i++) {
            double beta = sqrtBetas[i] * sqrtBetas[i];
            cum *= 1.0 - beta;
            sig[i] = Math.sqrt((1.0 - cum) / cum);
        }
        if (zsnr) {
            sig = rescaleZeroTerminalSnr(sig);
        }
        return new ModelSampling(sig, prediction, zsnr);
    }

    /** Returns this schedule with another prediction type (ComfyUI node ModelSamplingDiscrete). */
    public ModelSampling withPrediction(PredictionType type) {
        if (type == null) {
            throw new IllegalArgumentException("prediction type must not be null");
        }
        return new ModelSampling(sigmas, logSigmas, type, zsnr, skip);
    }

    /**
     * The distilled schedule of consistency models (ComfyUI {@code ModelSamplingDiscreteDistilled}): only every
     * (T / originalTimesteps)-th training σ is kept, ending at the last one (for T = 1000 and 50 kept: timesteps 19,
     * 39, …, 999), and timesteps map to and from that table.
     */
    public ModelSampling distilled(int originalTimesteps) {
        if (skip != 1) {
            throw new IllegalStateException("this schedule is already distilled");
        }
        if (originalTimesteps < 2 || originalTimesteps > sigmas.length) {
            throw new IllegalArgumentException("original timesteps must lie in 2.." + sigmas.length
                    + ", got " + originalTimesteps);
        }
        int k = sigmas.length / originalTimesteps;
        float[] s = new float[originalTimesteps];
        float[] ls = new float[originalTimesteps];
        for (int x = 0; x < originalTimesteps; x++) {
            int from = sigmas.length - 1 - x * k;
            s[originalTimesteps - 1 - x] = sigmas[from];
            ls[originalTimesteps - 1 - x] = logSigmas[from];
        }
        return new ModelSampling(s, ls, prediction, zsnr, k);
    }

    private ModelSampling(
            float[] sigmas, float[] logSigmas, PredictionType prediction, boolean zsnr, int skip) {
        this.sigmas = sigmas;
        this.logSigmas = logSigmas;
        this.prediction = prediction;
        this.zsnr = zsnr;
        this.skip = skip;
    }

    // Zero terminal SNR: shift sqrt(ᾱ) so the last is 0, rescale so the first keeps its value,
    // then pin ᾱ_T to 4.8973451890853435e-08 (as ComfyUI) to keep σ_T finite.
    private static double[] rescaleZeroTerminalSnr(double[] sig) {
        int n = sig.length;
        double[] sqrtAc = new double[n];
        for (int i = 0; i < n; i++) {
            sqrtAc[i] = Math.sqrt(1.0 / (sig[i] * sig[i] + 1.0));
        }
        double first = sqrtAc[0];
        double last = sqrtAc[n - 1];
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            double a = (sqrtAc[i] - last) * (first / (first - last));
            double ac = i == n - 1 ? 4.8973451890853435e-08 : a * a;
            out[i] = Math.sqrt((1.0 - ac) / ac);
        }
        return out;
    }

    /** torch.linspace in float64: start + i·step for the first half, end − (n−1−i)·step after. */
    static double[] linspace64(double start, double end, int n) {
        double[] out = new double[n];
        if (n == 1) {
            out[0] = start;
            return out;
        }
        double step = (end - start) / (n - 1);
        int half = n / 2;
        for (int i = 0; i < n; i++) {
            out[i] = i < half ? start + step * i : end - step * (n - 1 - i);
        }
        return out;
    }

    /** The prediction type. */
    public PredictionType prediction() {
        return prediction;
    }

    /** Whether the zero-terminal-SNR rescale was applied. */
    public boolean zsnr() {
        return zsnr;
    }

    /** Training timesteps per σ-table entry: 1, or T / kept steps for a {@link #distilled} schedule. */
    public int skip() {
        return skip;
    }

    /** Length of the σ table (the training timesteps, or the kept ones of a distilled schedule). */
    public int numTimesteps() {
        return sigmas.length;
    }

    /** A copy of the float32 σ table, ascending (index = training timestep). */
    public float[] sigmas() {
        return sigmas.clone();
    }

    /** σ of table entry {@code t} (a training timestep unless distilled; no interpolation). */
    public float sigmaAt(int t) {
        return sigmas[t];
    }

    /** Smallest σ (timestep 0); SD1 ≈ 0.0292. */
    public float sigmaMin() {
        return sigmas[0];
    }

    /** Largest σ (timestep T−1); SD1 ≈ 14.6146. */
    public float sigmaMax() {
        return sigmas[sigmas.length - 1];
    }

    /**
     * The UNet timestep for σ: the nearest training timestep in log σ (ComfyUI {@code timestep()}:
     * argmin |log σ − log σ_t|, first index on ties, float32 arithmetic); for a distilled schedule the kept
     * entry's training timestep (index·skip + skip − 1).
     */
    public int timestep(float sigma) {
        float ls = (float) Math.log(sigma);
        int best = 0;
        float bestDist = Float.POSITIVE_INFINITY;
        for (int i = 0; i < logSigmas.length; i++) {
            float d = Math.abs(ls - logSigmas[i]);
            if (d < bestDist) {
                bestDist = d;
                best = i;
            }
        }
        return best * skip + (skip - 1);
    }

    /**
     * σ at a (fractional) timestep: linear interpolation of log σ between neighbours, clamped to
     * [0, T−1] (ComfyUI {@code sigma()}, float32 arithmetic).
     */
    public float sigma(float timestep) {
        float entry = skip == 1 ? timestep : (timestep - (skip - 1)) / (float) skip;
        float t = Math.max(0f, Math.min(entry, sigmas.length - 1));
        int lo = (int) Math.floor(t);
        int hi = (int) Math.ceil(t);
        float w = t - lo;
        float ls = (1f - w) * logSigmas[lo] + w * logSigmas[hi];
        return (float) Math.exp(ls);
    }

    /**
     * The σ at which a fraction of the schedule has been sampled (ComfyUI {@code percent_to_sigma}): 0 → a σ above
     * every schedule (999999999.9), 1 → 0, otherwise σ at timestep (1 − percent)·999. Used for conditioning that
     * applies over part of the schedule.
     */
    public float percentToSigma(double percent) {
        if (percent <= 0.0) {
            return 999999999.9f;
        }
        if (percent >= 1.0) {
            return 0f;
        }
        return sigma((float) ((1.0 - percent) * 999.0));
    }

    /** c_in·x = x / sqrt(σ² + 1): the UNet input for a noisy latent x at σ. */
    public NDArray calculateInput(NDArray x, float sigma) {
        // [B, C, H, W] -> [B, C, H, W]
        return x.div((float) Math.sqrt((double) sigma * sigma + 1.0));
    }

    /**
     * The denoised latent from the network output (Karras et al. 2022, Table 1 preconditioning with
     * σ_data = 1): ε: x − σ·out; v: x/(σ²+1) − out·σ/sqrt(σ²+1).
     */
    public NDArray calculateDenoised(float sigma, NDArray modelOutput, NDArray x) {
        // [B, C, H, W] x2 -> [B, C, H, W]
        double s2 = (double) sigma * sigma + 1.0;
        return switch (prediction) {
            case EPS -> x.sub(modelOutput.mul(sigma));
            case V_PREDICTION ->
                    x.mul((float) (1.0 / s2)).sub(modelOutput.mul((float) (sigma / Math.sqrt(s2))));
            case LCM -> {
                double t = timestep(sigma) * 10.0; // timestep scaling of the consistency parameterisation
                double sd2 = 0.25; // σ_data = 0.5
                float cSkip = (float) (sd2 / (t * t + sd2));
                float cOut = (float) (t / Math.sqrt(t * t + sd2));
                try (NDArray x0 = x.sub(modelOutput.mul(sigma));
                        NDArray a = x0.mul(cOut);
                        NDArray b = x.mul(cSkip)) {
                    yield a.add(b);
                }
            }
            case X0 -> modelOutput.duplicate();
        };
    }

    /**
     * The sampler's starting latent: noise·sqrt(1+σ²) + latent at full denoise, noise·σ + latent
     * otherwise (ComfyUI {@code EPS.noise_scaling}).
     */
    public NDArray noiseScaling(float sigma, NDArray noise, NDArray latent, boolean maxDenoise) {
        // [B, C, H, W] x2 -> [B, C, H, W]
        float scale = maxDenoise ? (float) Math.sqrt(1.0 + (double) sigma * sigma) : sigma;
        NDArray scaled = noise.mul(scale);
        if (latent == null) {
            return scaled;
        }
        NDArray out = scaled.add(latent);
        scaled.close();
        return out;
    }

    /**
     * Whether a schedule starts at full noise, so the initial noise is scaled by sqrt(1+σ²)
     * (ComfyUI {@code KSAMPLER.max_denoise}: isclose(σ_max, σ_0, rel 1e-5) or σ_0 > σ_max).
     */
    public boolean isMaxDenoise(float[] schedule) {
        if (schedule.length == 0) {
            return false;
        }
        double max = sigmaMax();
        double s0 = schedule[0];
        return Math.abs(max - s0) <= 1e-5 * Math.max(Math.abs(max), Math.abs(s0)) || s0 > max;
    }
}
