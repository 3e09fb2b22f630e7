package dev.noodle.engine.sampling;

import ai.djl.ndarray.NDArray;

/**
 * The noise schedule of a model (how σ maps to the network's timestep) and its denoiser scalings.
 *
 * <p>The discrete schedule of SD 1.x/2.x/XL follows ComfyUI {@code ModelSamplingDiscrete}: betas "scaled linear"
 * (linear in sqrt space, squared) in float64, ᾱ = cumprod(1 − β), σ_t = sqrt((1 − ᾱ_t)/ᾱ_t), stored as float32
 * together with float32 log σ_t, with an optional zero-terminal-SNR rescale (Lin et al. 2024, "Common Diffusion
 * Noise Schedules and Sample Steps Are Flawed"). The continuous schedules ({@link Schedule}) keep, as ComfyUI's
 * {@code ModelSamplingContinuousEDM} does, a 1000-entry float32 table exp(linspace(ln σ_min, ln σ_max)) for the
 * schedulers that read a table ("simple", "ddim_uniform", "beta") and map σ to the timestep by formula. The
 * denoiser scalings are Karras et al. (2022), Table 1, with the schedule's σ_data. Immutable and thread-safe.
 */
public final class ModelSampling {
    /** How σ relates to the network's timestep input (ComfyUI's model_sampling base classes). */
    public enum Schedule {
        /** ModelSamplingDiscrete: a table of training σ; timestep = the nearest table index in log σ. */
        DISCRETE,
        /** ModelSamplingContinuousEDM (Karras et al. 2022, Table 1 "EDM" c_noise): timestep = ¼·ln σ. */
        EDM,
        /** ModelSamplingContinuousV: timestep = atan(σ)·2/π, σ = tan(t·π/2). */
        CONTINUOUS_V,
        /** ModelSamplingCosmosRFlow: timestep = σ/(σ+1), σ = t/(1−t) capped at σ_max. */
        COSMOS_RFLOW
    }

    /** Entries of a continuous schedule's σ table (ComfyUI's 1000). */
    public static final int CONTINUOUS_TABLE = 1000;

    private final float[] sigmas;
    private final float[] logSigmas;
    private final PredictionType prediction;
    private final boolean zsnr;
    // training timesteps per table entry: 1, or T / 50 for a distilled (LCM) schedule
    private final int skip;
    private final Schedule schedule;
    private final float sigmaData;

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
        this.schedule = Schedule.DISCRETE;
        this.sigmaData = 1f;
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
        requireDiscretePrediction(prediction);
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

    /**
     * A continuous schedule between σ_min and σ_max (ComfyUI {@code ModelSamplingContinuousEDM.set_parameters}):
     * the σ table is exp(linspace(ln σ_min, ln σ_max, 1000)) in float32, and σ_min/σ_max are its ends.
     *
     * @param schedule how σ maps to the timestep (not {@link Schedule#DISCRETE})
     * @param prediction what the network predicts; {@link PredictionType#COSMOS_RFLOW} exactly with
     *     {@link Schedule#COSMOS_RFLOW}, never {@link PredictionType#LCM}
     * @param sigmaMin smallest σ, &gt; 0
     * @param sigmaMax largest σ, &gt; σ_min
     * @param sigmaData σ_data of the preconditioning (1 for eps/v models, 0.5 for EDM models)
     */
    public static ModelSampling continuous(
            Schedule schedule, PredictionType prediction, double sigmaMin, double sigmaMax, double sigmaData) {
        if (schedule == null || schedule == Schedule.DISCRETE) {
            throw new IllegalArgumentException("a continuous schedule is EDM, CONTINUOUS_V or COSMOS_RFLOW, got "
                    + schedule);
        }
        if (prediction == null || prediction == PredictionType.LCM
                || (prediction == PredictionType.COSMOS_RFLOW) != (schedule == Schedule.COSMOS_RFLOW)) {
            throw new IllegalArgumentException("prediction " + prediction + " does not go with the " + schedule
                    + " schedule");
        }
        if (!(sigmaMin > 0 && sigmaMax > sigmaMin && Double.isFinite(sigmaMax))) {
            throw new IllegalArgumentException("need 0 < sigma_min < sigma_max, got sigma_min " + sigmaMin
                    + " and sigma_max " + sigmaMax);
        }
        if (!(sigmaData > 0 && Double.isFinite(sigmaData))) {
            throw new IllegalArgumentException("sigma_data must be positive, got " + sigmaData);
        }
        float[] ls = Schedules.linspace32((float) Math.log(sigmaMin), (float) Math.log(sigmaMax), CONTINUOUS_TABLE);
        float[] s = new float[ls.length];
        float[] logS = new float[ls.length];
        for (int i = 0; i < ls.length; i++) {
            s[i] = (float) Math.exp(ls[i]);
            logS[i] = (float) Math.log(s[i]);
        }
        return new ModelSampling(s, logS, prediction, false, 1, schedule, (float) sigmaData);
    }

    /** Returns this schedule with another prediction type (ComfyUI node ModelSamplingDiscrete). */
    public ModelSampling withPrediction(PredictionType type) {
        if (schedule == Schedule.DISCRETE) {
            requireDiscretePrediction(type);
        } else if (type == null || type == PredictionType.LCM
                || (type == PredictionType.COSMOS_RFLOW) != (schedule == Schedule.COSMOS_RFLOW)) {
            throw new IllegalArgumentException("prediction " + type + " does not go with the " + schedule
                    + " schedule");
        }
        return new ModelSampling(sigmas, logSigmas, type, zsnr, skip, schedule, sigmaData);
    }

    private static void requireDiscretePrediction(PredictionType type) {
        if (type == null) {
            throw new IllegalArgumentException("prediction type must not be null");
        }
        if (type == PredictionType.COSMOS_RFLOW) {
            throw new IllegalArgumentException("cosmos_rflow needs its own continuous schedule, not the discrete one");
        }
    }

    /**
     * The distilled schedule of consistency models (ComfyUI {@code ModelSamplingDiscreteDistilled}): only every
     * (T / originalTimesteps)-th training σ is kept, ending at the last one (for T = 1000 and 50 kept: timesteps 19,
     * 39, …, 999), and timesteps map to and from that table.
     */
    public ModelSampling distilled(int originalTimesteps) {
        if (skip != 1 || schedule != Schedule.DISCRETE) {
            throw new IllegalStateException(schedule != Schedule.DISCRETE
                    ? "only a discrete schedule can be distilled" : "this schedule is already distilled");
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
        return new ModelSampling(s, ls, prediction, zsnr, k, schedule, sigmaData);
    }

    private ModelSampling(float[] sigmas, float[] logSigmas, PredictionType prediction, boolean zsnr, int skip,
            Schedule schedule, float sigmaData) {
        this.sigmas = sigmas;
        this.logSigmas = logSigmas;
        this.prediction = prediction;
        this.zsnr = zsnr;
        this.skip = skip;
        this.schedule = schedule;
        this.sigmaData = sigmaData;
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

    /** How σ maps to the timestep. */
    public Schedule schedule() {
        return schedule;
    }

    /** σ_data of the preconditioning (1 unless an EDM model's 0.5). */
    public float sigmaData() {
        return sigmaData;
    }

    /** Whether the zero-terminal-SNR rescale was applied. */
    public boolean zsnr() {
        return zsnr;
    }

    /** Training timesteps per σ-table entry: 1, or T / kept steps for a {@link #distilled} schedule. */
    public int skip() {
        return skip;
    }

    /** Length of the σ table (the training timesteps, the kept ones of a distilled schedule, or 1000). */
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

    /** Smallest σ (the table's first); SD1 ≈ 0.0292. */
    public float sigmaMin() {
        return sigmas[0];
    }

    /** Largest σ (the table's last); SD1 ≈ 14.6146. */
    public float sigmaMax() {
        return sigmas[sigmas.length - 1];
    }

    /**
     * The network's timestep for σ (ComfyUI {@code timestep()}, float32 arithmetic). Discrete: the nearest training
     * timestep in log σ (argmin |log σ − log σ_t|, first index on ties), for a distilled schedule the kept entry's
     * training timestep (index·skip + skip − 1); EDM: ¼·ln σ; continuous V: atan(σ)·2/π; Cosmos: σ/(σ+1).
     */
    public float timestep(float sigma) {
        return switch (schedule) {
            case DISCRETE -> discreteTimestep(sigma);
            case EDM -> 0.25f * (float) Math.log(sigma);
            case CONTINUOUS_V -> (float) Math.atan(sigma) * (float) (1.0 / Math.PI) * 2f;
            case COSMOS_RFLOW -> sigma / (sigma + 1f);
        };
    }

    private int discreteTimestep(float sigma) {
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
     * σ at a (fractional) timestep, the inverse of {@link #timestep} (ComfyUI {@code sigma()}, float32 arithmetic).
     * Discrete: linear interpolation of log σ between neighbouring entries, clamped to [0, T−1]; EDM: exp(4t);
     * continuous V: tan(t·π/2); Cosmos: t/(1−t), or σ_max from t ≥ σ_max/(σ_max+1) on.
     */
    public float sigma(float timestep) {
        return switch (schedule) {
            case DISCRETE -> discreteSigma(timestep);
            case EDM -> (float) Math.exp(timestep / 0.25f);
            case CONTINUOUS_V -> (float) Math.tan(timestep * (float) (Math.PI / 2));
            case COSMOS_RFLOW -> {
                float max = sigmaMax();
                yield timestep >= max / (max + 1f) ? max : timestep / (1f - timestep);
            }
        };
    }

    private float discreteSigma(float timestep) {
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
     * every schedule (999999999.9), 1 → 0; otherwise, discrete: σ at timestep (1 − percent)·999; continuous:
     * log-linear between σ_max and σ_min, exp(ln σ_min + (1 − percent)·(ln σ_max − ln σ_min)). Used for conditioning
     * that applies over part of the schedule.
     */
    public float percentToSigma(double percent) {
        if (percent <= 0.0) {
            return 999999999.9f;
        }
        if (percent >= 1.0) {
            return 0f;
        }
        if (schedule == Schedule.DISCRETE) {
            return sigma((float) ((1.0 - percent) * 999.0));
        }
        double logMin = Math.log(sigmaMin());
        return (float) Math.exp((Math.log(sigmaMax()) - logMin) * (1.0 - percent) + logMin);
    }

    /**
     * c_in·x, the network input for a noisy latent x at σ: x / sqrt(σ² + σ_data²) (Karras et al. 2022, Table 1);
     * x itself for img_to_img models; x·(1 − σ/(σ+1)) for Cosmos rectified flow.
     */
    public NDArray calculateInput(NDArray x, float sigma) {
        // [B, C, H, W] -> [B, C, H, W]
        return switch (prediction) {
            case IMG_TO_IMG -> x.duplicate();
            case COSMOS_RFLOW -> x.mul(1f - sigma / (sigma + 1f));
            default -> x.div((float) Math.sqrt((double) sigma * sigma + (double) sigmaData * sigmaData));
        };
    }

    /**
     * The denoised latent from the network output (Karras et al. 2022, Table 1 preconditioning, σ_d = σ_data):
     * ε: x − σ·out; v: x·σ_d²/(σ²+σ_d²) − out·σ·σ_d/sqrt(σ²+σ_d²); EDM (F-prediction): the same with + out;
     * x0 and img_to_img: out; Cosmos: x·(1−s) − out·s with s = σ/(σ+1); LCM: see {@link PredictionType#LCM}.
     */
    public NDArray calculateDenoised(float sigma, NDArray modelOutput, NDArray x) {
        // [B, C, H, W] x2 -> [B, C, H, W]
        double sd2 = (double) sigmaData * sigmaData;
        double s2 = (double) sigma * sigma + sd2;
        return switch (prediction) {
            case EPS -> x.sub(modelOutput.mul(sigma));
            case V_PREDICTION ->
                    x.mul((float) (sd2 / s2)).sub(modelOutput.mul((float) (sigma * sigmaData / Math.sqrt(s2))));
            case EDM -> x.mul((float) (sd2 / s2)).add(modelOutput.mul((float) (sigma * sigmaData / Math.sqrt(s2))));
            case LCM -> {
                double t = timestep(sigma) * 10.0; // timestep scaling of the consistency parameterisation
                double lcmSd2 = 0.25; // σ_data = 0.5
                float cSkip = (float) (lcmSd2 / (t * t + lcmSd2));
                float cOut = (float) (t / Math.sqrt(t * t + lcmSd2));
                try (NDArray x0 = x.sub(modelOutput.mul(sigma));
                        NDArray a = x0.mul(cOut);
                        NDArray b = x.mul(cSkip)) {
                    yield a.add(b);
                }
            }
            case X0, IMG_TO_IMG -> modelOutput.duplicate();
            case COSMOS_RFLOW -> {
                float s = sigma / (sigma + 1f);
                try (NDArray a = x.mul(1f - s);
                        NDArray b = modelOutput.mul(s)) {
                    yield a.sub(b);
                }
            }
        };
    }

    /**
     * The sampler's starting latent: noise·sqrt(1+σ²) + latent at full denoise, noise·σ + latent
     * otherwise (ComfyUI {@code EPS.noise_scaling}); Cosmos always noise·σ + latent.
     */
    public NDArray noiseScaling(float sigma, NDArray noise, NDArray latent, boolean maxDenoise) {
        // [B, C, H, W] x2 -> [B, C, H, W]
        boolean full = maxDenoise && prediction != PredictionType.COSMOS_RFLOW;
        float scale = full ? (float) Math.sqrt(1.0 + (double) sigma * sigma) : sigma;
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
