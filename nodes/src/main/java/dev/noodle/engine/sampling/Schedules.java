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
