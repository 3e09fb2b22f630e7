package dev.noodle.engine.sampling;

/**
 * Noise schedules: each returns {@code steps + 1} descending σ values ending in 0 (except where
 * ComfyUI's own rule yields another length, see {@link #ddimUniform}).
 *
 * <p>Formulas follow ComfyUI {@code comfy/samplers.py} ({@code normal_scheduler}, {@code
 * simple_scheduler}, {@code ddim_scheduler}) and k-diffusion ({@code get_sigmas_karras}, {@code
 * get_sigmas_exponential}); arithmetic is float32 where theirs is. Stateless and thread-safe.
 */
public final class Schedules {
    private Schedules() {}

    /** ComfyUI "normal": timesteps linear from t(σ_max) to t(σ_min), σ(t) interpolated, then 0. */
    public static float[] normal(ModelSampling ms, int steps) {
        return normalLike(ms, steps, false);
    }

    /** ComfyUI "sgm_uniform": like normal over steps+1 points, dropping the last, then 0. */
    public static float[] sgmUniform(ModelSampling ms, int steps) {
        return normalLike(ms, steps, true);
    }

    private static float[] normalLike(ModelSampling ms, int steps, boolean sgm) {
        requireSteps(steps);
        float start = ms.timestep(ms.sigmaMax());
        float end = ms.timestep(ms.sigmaMin());
        boolean appendZero = true;
        float[] ts;
        if (sgm) {
            float[] all = linspace32(start, end, steps + 1);
            ts = java.util.Arrays.copyOf(all, steps);
        } else {
            int n = steps;
            if (Math.abs(ms.sigma(end)) <= 1e-5) {
                n += 1;
                appendZero = false;
            }
            ts = linspace32(start, end, n);
        }
        float[] out = new float[ts.length + (appendZero ? 1 : 0)];
        for (int i = 0; i < ts.length; i++) {
            out[i] = ms.sigma(ts[i]);
        }
        return out;
    }

    /**
     * Karras et al. (2022) eq. 5: σ_i = (σ_max^(1/ρ) + i/(n−1)·(σ_min^(1/ρ) − σ_max^(1/ρ)))^ρ, then 0.
     */
    public static float[] karras(int steps, float sigmaMin, float sigmaMax, double rho) {
        requireSteps(steps);
        requireRange(sigmaMin, sigmaMax);
        float[] ramp = linspace32(0f, 1f, steps);
        float minInv = (float) Math.pow(sigmaMin, 1.0 / rho);
        float maxInv = (float) Math.pow(sigmaMax, 1.0 / rho);
        float[] out = new float[steps + 1];
        for (int i = 0; i < steps; i++) {
            float base = maxInv + ramp[i] * (minInv - maxInv);
            out[i] = (float) Math.pow(base, rho);
        }
        return out;
    }

    /** Karras schedule with ρ = 7 between the model's σ_min and σ_max (ComfyUI "karras"). */
    public static float[] karras(ModelSampling ms, int steps) {
        return karras(steps, ms.sigmaMin(), ms.sigmaMax(), 7.0);
    }

    /** log σ linear from log σ_max to log σ_min, then 0 (k-diffusion get_sigmas_exponential). */
    public static float[] exponential(int steps, float sigmaMin, float sigmaMax) {
        requireSteps(steps);
        requireRange(sigmaMin, sigmaMax);
        float[] l = linspace32((float) Math.log(sigmaMax), (float) Math.log(sigmaMin), steps);
        float[] out = new float[steps + 1];
        for (int i = 0; i < steps; i++) {
            out[i] = (float) Math.exp(l[i]);
        }
        return out;
    }

    /** Exponential schedule between the model's σ_min and σ_max (ComfyUI "exponential"). */
    public static float[] exponential(ModelSampling ms, int steps) {
        return exponential(steps, ms.sigmaMin(), ms.sigmaMax());
    }

    /** ComfyUI "simple": every (T/steps)-th training σ from the top, then 0. */
    public static float[] simple(ModelSampling ms, int steps) {
        requireSteps(steps);
        int n = ms.numTimesteps();
        double ss = (double) n / steps;
        float[] out = new float[steps + 1];
        for (int x = 0; x < steps; x++) {
            out[x] = ms.sigmaAt(n - 1 - (int) (x * ss));
        }
        return out;
    }

    /**
     * ComfyUI "ddim_uniform": training σ at timesteps 1, 1+k, 1+2k, … (k = T // steps), reversed,
     * then 0. Like ComfyUI this can yield more than {@code steps} steps when T/steps is not whole
     * (e.g. 7 steps give 8).
     */
    public static float[] ddimUniform(ModelSampling ms, int steps) {
        requireSteps(steps);
        int n = ms.numTimesteps();
        boolean zeroFirst = Math.abs(ms.sigmaAt(1)) <= 1e-5;
        int s = zeroFirst ? steps + 1 : steps;
        int ss = Math.max(n / s, 1);
        java.util.List<Float> sigs = new java.util.ArrayList<>();
        if (!zeroFirst) {
            sigs.add(0f);
        }
        for (int x = 1; x < n; x += ss) {
            sigs.add(ms.sigmaAt(x));
        }
        float[] out = new float[sigs.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = sigs.get(sigs.size() - 1 - i);
        }
        return out;
    }

    /**
     * ComfyUI "beta" (Lee et al. 2024, "Beta Sampling is All You Need"): training timesteps at the Beta(α, β) quantiles
     * of 1, 1 − 1/n, …, 1/n scaled to T − 1 and rounded half-to-even, consecutive repeats dropped, their σ, then 0.
     * Repeats make fewer than {@code steps} steps possible, as in ComfyUI.
     */
    public static float[] beta(ModelSampling ms, int steps, double alpha, double beta) {
        requireSteps(steps);
        int total = ms.numTimesteps() - 1;
        java.util.List<Float> sigs = new java.util.ArrayList<>();
        double last = -1;
        for (int i = 0; i < steps; i++) {
            double p = 1 - i * (1.0 / steps);
            double t = Math.rint(BetaDistribution.ppf(p, alpha, beta) * total);
            if (t != last) {
                sigs.add(ms.sigmaAt((int) t));
            }
            last = t;
        }
        float[] out = new float[sigs.size() + 1];
        for (int i = 0; i < sigs.size(); i++) {
            out[i] = sigs.get(i);
        }
        return out;
    }

    /** ComfyUI "beta" with its default α = β = 0.6. */
    public static float[] beta(ModelSampling ms, int steps) {
        return beta(ms, steps, 0.6, 0.6);
    }

    /**
     * ComfyUI "linear_quadratic" (the Mochi schedule): 1 − s_i scaled by σ_max, where s rises linearly to the threshold
     * 0.025 over the first ⌊n/2⌋ steps and then quadratically to 1, continuous at the joint; 1 step gives [σ_max, 0].
     */
    public static float[] linearQuadratic(ModelSampling ms, int steps) {
        requireSteps(steps);
        final double threshold = 0.025;
        double[] s = new double[steps + 1];
        if (steps == 1) {
            s[0] = 0;
        } else {
            int lin = steps / 2;
            int quad = steps - lin;
            double diff = lin - threshold * steps;
            double qCoef = diff / (lin * (double) quad * quad);
            double lCoef = threshold / lin - 2 * diff / ((double) quad * quad);
            double c = qCoef * ((double) lin * lin);
            for (int i = 0; i < lin; i++) {
                s[i] = i * threshold / lin;
            }
            for (int i = lin; i < steps; i++) {
                s[i] = qCoef * ((double) i * i) + lCoef * i + c;
            }
        }
        s[steps] = 1;
        float sigmaMax = ms.sigmaMax();
        float[] out = new float[steps + 1];
        for (int i = 0; i <= steps; i++) {
            out[i] = (float) (1.0 - s[i]) * sigmaMax;
        }
        return out;
    }

    /**
     * ComfyUI "kl_optimal" (Sabour et al. 2024, "Align Your Steps", eq. for the KL-optimal schedule): σ_i =
     * tan((1 − i/(n−1))·atan σ_max + i/(n−1)·atan σ_min), then 0. For 1 step ComfyUI divides 0 by 0 and yields NaN;
     * here 1 step gives [σ_max, 0], the i = 0 end of the formula.
     */
    public static float[] klOptimal(int steps, float sigmaMin, float sigmaMax) {
        requireSteps(steps);
        requireRange(sigmaMin, sigmaMax);
        double aMin = Math.atan(sigmaMin);
        double aMax = Math.atan(sigmaMax);
        float[] out = new float[steps + 1];
        for (int i = 0; i < steps; i++) {
            float w = steps == 1 ? 0f : (float) i / (float) (steps - 1);
            out[i] = (float) Math.tan((float) (w * aMin + (1 - w) * aMax));
        }
        return out;
    }

    /** KL-optimal schedule between the model's σ_min and σ_max (ComfyUI "kl_optimal"). */
    public static float[] klOptimal(ModelSampling ms, int steps) {
        return klOptimal(steps, ms.sigmaMin(), ms.sigmaMax());
    }

    /**
     * k-diffusion get_sigmas_polyexponential: log σ = log σ_min + r^ρ·(log σ_max − log σ_min), r linear 1 → 0, then 0.
     */
    public static float[] polyexponential(int steps, float sigmaMin, float sigmaMax, double rho) {
        requireSteps(steps);
        requireRange(sigmaMin, sigmaMax);
        float[] ramp = linspace32(1f, 0f, steps);
        float span = (float) (Math.log(sigmaMax) - Math.log(sigmaMin));
        float logMin = (float) Math.log(sigmaMin);
        float[] out = new float[steps + 1];
        for (int i = 0; i < steps; i++) {
            float r = (float) Math.pow(ramp[i], rho);
            out[i] = (float) Math.exp(r * span + logMin);
        }
        return out;
    }

    /**
     * k-diffusion get_sigmas_vp, the continuous VP schedule (Song et al. 2021, eq. 33): σ(t) = sqrt(exp(β_d t²/2 +
     * β_min t) − 1) for t linear from 1 to ε_s, then 0.
     */
    public static float[] vp(int steps, double betaD, double betaMin, double epsS) {
        requireSteps(steps);
        float[] t = linspace32(1f, (float) epsS, steps);
        float[] out = new float[steps + 1];
        for (int i = 0; i < steps; i++) {
            float e = (float) betaD * t[i] * t[i] / 2f + (float) betaMin * t[i];
            out[i] = (float) Math.sqrt((float) Math.expm1(e));
        }
        return out;
    }

    /**
     * k-diffusion get_sigmas_laplace (Hang et al. 2024, a Laplace density over log σ): log σ = μ − β·sign(½ − x)·log(1
     * − 2|½ − x| + 1e−5) for x linear 0 → 1, σ clamped to [σ_min, σ_max]. Like ComfyUI it returns {@code steps} values
     * with no final 0.
     */
    public static float[] laplace(int steps, float sigmaMin, float sigmaMax, double mu, double beta) {
        requireSteps(steps);
        float[] x = linspace32(0f, 1f, steps);
        float[] out = new float[steps];
        for (int i = 0; i < steps; i++) {
            float d = 0.5f - x[i];
            float lmb = (float) mu - (float) beta * Math.signum(d) * (float) Math.log(1f - 2f * Math.abs(d) + 1e-5f);
            out[i] = Math.min(Math.max((float) Math.exp(lmb), sigmaMin), sigmaMax);
        }
        return out;
    }

    /**
     * ComfyUI SDTurboScheduler: σ at the fixed timesteps 999, 899, …, 99, starting {@code 10 − ⌊10·denoise⌋} entries
     * in and taking at most {@code steps}, then 0 (SD-Turbo, Sauer et al. 2023, was distilled on these timesteps).
     */
    public static float[] sdTurbo(ModelSampling ms, int steps, double denoise) {
        requireSteps(steps);
        int start = 10 - (int) (10 * denoise);
        int from = Math.max(0, Math.min(start, 10));
        int to = Math.min(10, from + steps);
        float[] out = new float[to - from + 1];
        for (int k = from; k < to; k++) {
            out[k - from] = ms.sigma(999 - 100 * k);
        }
        return out;
    }

    /** torch.linspace in float32 (symmetric two-sided evaluation as ATen's CPU kernel). */
    static float[] linspace32(float start, float end, int n) {
        float[] out = new float[n];
        if (n == 1) {
            out[0] = start;
            return out;
        }
        float step = (end - start) / (n - 1);
        int half = n / 2;
        for (int i = 0; i < n; i++) {
            out[i] = i < half ? start + step * i : end - step * (n - 1 - i);
        }
        return out;
    }

    private static void requireSteps(int steps) {
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        }
    }

    private static void requireRange(float sigmaMin, float sigmaMax) {
        if (!(sigmaMin > 0 && sigmaMax >= sigmaMin && Float.isFinite(sigmaMax))) {
            throw new IllegalArgumentException(
                    "need 0 < sigmaMin <= sigmaMax, got " + sigmaMin + ", " + sigmaMax);
        }
    }
}
