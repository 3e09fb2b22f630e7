package dev.noodle.engine.sampling;

import ai.djl.ndarray.NDArray;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The samplers, with one signature: integrate the probability-flow ODE / reverse SDE along a σ
 * schedule, starting from an already noise-scaled latent.
 *
 * <p>Formulas follow k-diffusion as shipped in ComfyUI ({@code comfy/k_diffusion/sampling.py}) for
 * ε/v models (α = 1 in the σ parameterisation), with η = 1, s_noise = 1 and no churn, which are
 * ComfyUI's KSampler settings. Scalar coefficients are computed in double. Stateless; each call
 * owns its scopes.
 */
public final class Samplers {
    private Samplers() {}

    /**
     * Runs a sampler.
     *
     * @param kind which sampler
     * @param d the denoiser
     * @param x starting latent [B, C, H, W] already scaled to σ_0 (see {@link #sampleFromNoise})
     * @param sigmas schedule, descending, usually ending in 0
     * @param noise noise for stochastic samplers (may be null for deterministic ones)
     * @param cb per-step callback (null for none)
     * @param cancelled checked before each step; true throws {@link SamplingCancelledException}
     * @return the final latent [B, C, H, W], owned by x's manager (x itself when there are no steps)
     */
    public static NDArray sample(
            SamplerKind kind,
            Denoiser d,
            NDArray x,
            float[] sigmas,
            NoiseSource noise,
            StepCallback cb,
            BooleanSupplier cancelled) {
        return sample(kind, SamplerOptions.defaults(kind), d, x, sigmas, noise, cb, cancelled);
    }

    /**
     * Runs a sampler with explicit settings (ComfyUI's {@code Sampler*} option nodes); {@link
     * #sample(SamplerKind, Denoiser, NDArray, float[], NoiseSource, StepCallback, BooleanSupplier)}
     * is this with {@link SamplerOptions#defaults(SamplerKind)}.
     *
     * @param options η, s_noise and the other settings the sampler reads
     */
    public static NDArray sample(
            SamplerKind kind,
            SamplerOptions options,
            Denoiser d,
            NDArray x,
            float[] sigmas,
            NoiseSource noise,
            StepCallback cb,
            BooleanSupplier cancelled) {
        SamplerOptions o = java.util.Objects.requireNonNull(options, "options");
        try (SamplerRun r = new SamplerRun(d, x, sigmas, noise, cb, cancelled)) {
            switch (kind) {
                case EULER, DDIM -> euler(r);
                case EULER_CFG_PP -> CfgPpSamplers.euler(r, false, o);
                case EULER_ANCESTRAL -> eulerAncestral(r, o);
                case EULER_ANCESTRAL_CFG_PP -> CfgPpSamplers.euler(r, true, o);
                case HEUN -> heun(r);
                case HEUNPP2 -> heunpp2(r);
                case EXP_HEUN_2_X0, EXP_HEUN_2_X0_SDE -> seeds2(r, o);
                case DPM_2 -> dpm2(r);
                case DPM_2_ANCESTRAL -> dpm2Ancestral(r, o);
                case LMS -> lms(r, o.order());
                case DPM_FAST -> DpmFastSampler.sample(r);
                case DPM_ADAPTIVE -> DpmAdaptiveSampler.sample(r, o);
                case LCM -> lcm(r);
                case DDPM -> ddpm(r);
                case DPMPP_2S_ANCESTRAL -> DpmSolverSamplers.dpmpp2sAncestral(r, o);
                case DPMPP_2S_ANCESTRAL_CFG_PP -> CfgPpSamplers.dpmpp2sAncestral(r);
                // the _gpu forms differ from their twins only in where ComfyUI draws the Brownian path
                case DPMPP_SDE, DPMPP_SDE_GPU -> DpmSolverSamplers.dpmppSde(r, o);
                case DPMPP_2M -> DpmSolverSamplers.dpmpp2m(r);
                case DPMPP_2M_CFG_PP -> CfgPpSamplers.dpmpp2m(r);
                case DPMPP_2M_SDE, DPMPP_2M_SDE_GPU ->
                        DpmSolverSamplers.dpmpp2mSde(r, o, o.solverType() == SamplerOptions.SolverType.HEUN);
                case DPMPP_2M_SDE_HEUN, DPMPP_2M_SDE_HEUN_GPU -> DpmSolverSamplers.dpmpp2mSde(r, o, true);
                case DPMPP_3M_SDE, DPMPP_3M_SDE_GPU -> DpmSolverSamplers.dpmpp3mSde(r, o);
                case SA_SOLVER, SA_SOLVER_PECE -> SaSolverSampler.sample(r, o);
                case IPNDM -> MultistepSamplers.ipndm(r, false);
                case IPNDM_V -> MultistepSamplers.ipndm(r, true);
                case DEIS -> MultistepSamplers.deis(r);
                case RES_MULTISTEP -> MultistepSamplers.resMultistep(r, false, false);
                case RES_MULTISTEP_CFG_PP -> MultistepSamplers.resMultistep(r, false, true);
                case RES_MULTISTEP_ANCESTRAL -> MultistepSamplers.resMultistep(r, true, false);
                case RES_MULTISTEP_ANCESTRAL_CFG_PP -> MultistepSamplers.resMultistep(r, true, true);
                case GRADIENT_ESTIMATION -> MultistepSamplers.gradientEstimation(r, false);
                case GRADIENT_ESTIMATION_CFG_PP -> MultistepSamplers.gradientEstimation(r, true);
                case ER_SDE -> ExponentialSamplers.erSde(r, o);
                case SEEDS_2 -> seeds2(r, o);
                case SEEDS_3 -> ExponentialSamplers.seeds3(r);
                case UNI_PC -> UniPcSampler.sample(r, false);
                case UNI_PC_BH2 -> UniPcSampler.sample(r, true);
            }
            return r.result();
        }
    }

    /**
     * ComfyUI's KSampler flow around {@link #sample}: x = noise·sqrt(1+σ_0²) + latent at full
     * denoise, noise·σ_0 + latent otherwise ({@link ModelSampling#noiseScaling}); an empty schedule
     * returns a copy of the latent. For KSamplerAdvanced add_noise = disable pass zero noise.
     *
     * @param latent the (process_in scaled) input latent, or null for an empty latent of zeros
     * @param initialNoise the initial noise [B, C, H, W] (e.g. {@link TorchRng#prepareNoise})
     */
    public static NDArray sampleFromNoise(
            SamplerKind kind,
            Denoiser d,
            ModelSampling ms,
            NDArray latent,
            NDArray initialNoise,
            float[] sigmas,
            NoiseSource noise,
            StepCallback cb,
            BooleanSupplier cancelled) {
        if (sigmas.length == 0) {
            return latent != null ? latent.duplicate() : initialNoise.zerosLike();
        }
        NDArray x = ms.noiseScaling(sigmas[0], initialNoise, latent, ms.isMaxDenoise(sigmas));
        NDArray out = sample(kind, d, x, sigmas, noise, cb, cancelled);
        if (out != x) {
            x.close();
        }
        return out;
    }

    private static void seeds2(SamplerRun r, SamplerOptions o) {
        boolean phi2 = o.seedsSolver() == SamplerOptions.SeedsSolver.PHI_2;
        ExponentialSamplers.seeds2(r, o.eta(), o.sNoise(), o.r(), phi2);
    }

    static NDArray toD(NDArray x, NDArray denoised, double sigma) {
        return x.sub(denoised).div((float) sigma); // (x − D(x, σ)) / σ, Karras et al. eq. 3
    }

    /** (σ_down, σ_up) of an ancestral step (k-diffusion get_ancestral_step, η = 1). */
    static double[] ancestral(double from, double to) {
        return ancestral(from, to, 1);
    }

    /**
     * (σ_down, σ_up) of an ancestral step with strength η: σ_up = min(σ', η·sqrt(σ'²(σ² − σ'²)/σ²)),
     * σ_down = sqrt(σ'² − σ_up²); η = 0 gives (σ', 0) (k-diffusion get_ancestral_step).
     */
    static double[] ancestral(double from, double to, double eta) {
        if (eta == 0) {
            return new double[] {to, 0};
        }
        double up = Math.min(to, eta * Math.sqrt(to * to * (from * from - to * to) / (from * from)));
        double down = Math.sqrt(to * to - up * up);
        return new double[] {down, up};
    }

    // Euler (Karras et al. 2022, Algorithm 2 without churn).
    private static void euler(SamplerRun r) {
        for (int i = 0; i < r.total(); i++) {
            r.begin(i);
            NDArray den = r.denoise(r.x, r.s(i));
            NDArray d = toD(r.x, den, r.s(i));
            r.report(i, den);
            r.end(r.x.add(d.mul((float) (r.s(i + 1) - r.s(i)))));
        }
    }

    // Euler ancestral: Euler step to σ_down, then fresh noise·s_noise·σ_up.
    private static void eulerAncestral(SamplerRun r, SamplerOptions o) {
        for (int i = 0; i < r.total(); i++) {
            r.begin(i);
            NDArray den = r.denoise(r.x, r.s(i));
            double[] du = ancestral(r.s(i), r.s(i + 1), o.eta());
            r.report(i, den);
            if (du[0] == 0) {
                r.end(den);
                continue;
            }
            NDArray d = toD(r.x, den, r.s(i));
            NDArray n = r.noise(r.s(i), r.s(i + 1));
            r.end(r.x.add(d.mul((float) (du[0] - r.s(i)))).add(n.mul((float) (o.sNoise() * du[1]))));
        }
    }

    // Heun (Karras et al. 2022, Algorithm 1/2): trapezoid of the slopes at σ_i and σ_{i+1}.
    private static void heun(SamplerRun r) {
        for (int i = 0; i < r.total(); i++) {
            r.begin(i);
            NDArray den = r.denoise(r.x, r.s(i));
            NDArray d = toD(r.x, den, r.s(i));
            r.report(i, den);
            float dt = (float) (r.s(i + 1) - r.s(i));
            if (r.s(i + 1) == 0) {
                r.end(r.x.add(d.mul(dt)));
                continue;
            }
            NDArray x2 = r.x.add(d.mul(dt));
            NDArray d2 = toD(x2, r.denoise(x2, r.s(i + 1)), r.s(i + 1));
            r.end(r.x.add(d.add(d2).mul(dt / 2f)));
        }
    }

    /**
     * Heun++ (ComfyUI {@code sample_heunpp2}, after Carzit's sd-webui-samplers-scheduler): away from
     * the end it takes Euler sub-steps to σ_{i+1} and σ_{i+2} and blends the three slopes with
     * weights w₂ = σ_{i+1}/(3σ₀), w₃ = σ_{i+2}/(3σ₀), w₁ = 1 − w₂ − w₃; the step before the last is
     * Heun with w₂ = σ_{i+1}/(2σ₀); the last step (to the schedule's final σ) is Euler.
     */
    private static void heunpp2(SamplerRun r) {
        double end = r.s(r.total());
        double first = r.s(0);
        for (int i = 0; i < r.total(); i++) {
            r.begin(i);
            double s = r.s(i);
            double sn = r.s(i + 1);
            NDArray den = r.denoise(r.x, s);
            NDArray d = toD(r.x, den, s);
            r.report(i, den);
            float dt = (float) (sn - s);
            if (sn == end) {
                r.end(r.x.add(d.mul(dt)));
                continue;
            }
            NDArray x2 = r.x.add(d.mul(dt));
            NDArray d2 = toD(x2, r.denoise(x2, sn), sn);
            NDArray slope;
            double snn = r.s(i + 2);
            if (snn == end) {
                double w2 = sn / (2 * first);
                slope = d.mul((float) (1 - w2)).add(d2.mul((float) w2));
            } else {
                NDArray x3 = x2.add(d2.mul((float) (snn - sn)));
                NDArray d3 = toD(x3, r.denoise(x3, snn), snn);
                double w2 = sn / (3 * first);
                double w3 = snn / (3 * first);
                slope = d.mul((float) (1 - w2 - w3)).add(d2.mul((float) w2)).add(d3.mul((float) w3));
            }
            r.end(r.x.add(slope.mul(dt)));
        }
    }

    // DPM-Solver-2 style midpoint in log σ (k-diffusion sample_dpm_2).
    private static void dpm2(SamplerRun r) {
        for (int i = 0; i < r.total(); i++) {
            r.begin(i);
            double s = r.s(i);
            double sn = r.s(i + 1);
            NDArray den = r.denoise(r.x, s);
            NDArray d = toD(r.x, den, s);
            r.report(i, den);
            if (sn == 0) {
                r.end(r.x.add(d.mul((float) (sn - s))));
                continue;
            }
            double mid = Math.exp(0.5 * (Math.log(s) + Math.log(sn)));
            NDArray x2 = r.x.add(d.mul((float) (mid - s)));
            NDArray d2 = toD(x2, r.denoise(x2, mid), mid);
            r.end(r.x.add(d2.mul((float) (sn - s))));
        }
    }

    private static void dpm2Ancestral(SamplerRun r, SamplerOptions o) {
        for (int i = 0; i < r.total(); i++) {
            r.begin(i);
            double s = r.s(i);
            NDArray den = r.denoise(r.x, s);
            double[] du = ancestral(s, r.s(i + 1), o.eta());
            r.report(i, den);
            NDArray d = toD(r.x, den, s);
            if (du[0] == 0) {
                r.end(r.x.add(d.mul((float) (du[0] - s))));
                continue;
            }
            double mid = Math.exp(0.5 * (Math.log(s) + Math.log(du[0])));
            NDArray x2 = r.x.add(d.mul((float) (mid - s)));
            NDArray d2 = toD(x2, r.denoise(x2, mid), mid);
            NDArray n = r.noise(s, r.s(i + 1));
            r.end(r.x.add(d2.mul((float) (du[0] - s))).add(n.mul((float) (o.sNoise() * du[1]))));
        }
    }

    // Linear multistep (k-diffusion sample_lms): Adams–Bashforth in σ with Lagrange weights.
    private static void lms(SamplerRun r, int order) {
        if (order < 1) {
            throw new IllegalArgumentException("lms order must be >= 1, got " + order);
        }
        Deque<NDArray> ds = new ArrayDeque<>();
        try {
            for (int i = 0; i < r.total(); i++) {
                r.begin(i);
                for (NDArray old : ds) {
                    r.use(old);
                }
                NDArray den = r.denoise(r.x, r.s(i));
                NDArray d = r.keep(toD(r.x, den, r.s(i)));
                ds.addLast(d);
                NDArray dropped = ds.size() > order ? ds.removeFirst() : null;
                r.report(i, den);
                if (r.s(i + 1) == 0) {
                    r.end(den);
                } else {
                    int cur = Math.min(i + 1, order);
                    List<NDArray> newestFirst = new ArrayList<>(ds);
                    java.util.Collections.reverse(newestFirst);
                    NDArray next = r.x;
                    for (int j = 0; j < cur; j++) {
                        double c = lmsCoefficient(cur, r.sigmas, i, j);
                        next = next.add(newestFirst.get(j).mul((float) c));
                    }
                    r.end(next);
                }
                if (dropped != null) {
                    dropped.close();
                }
            }
        } finally {
            ds.forEach(NDArray::close);
        }
    }

    /**
     * ∫_{σ_i}^{σ_{i+1}} ∏_{k≠j} (τ − σ_{i−k}) / (σ_{i−j} − σ_{i−k}) dτ: exact by 4-point
     * Gauss–Legendre while the integrand's degree is at most 7 (order ≤ 8), else by integrating the
     * expanded polynomial in τ − σ_i term by term.
     */
    static double lmsCoefficient(int order, float[] t, int i, int j) {
        double a = t[i];
        double b = t[i + 1];
        if (order > 8) {
            double[] poly = {1}; // coefficients in u = τ − σ_i, lowest power first
            for (int k = 0; k < order; k++) {
                if (k == j) {
                    continue;
                }
                double den = (double) t[i - j] - t[i - k];
                double c0 = (a - t[i - k]) / den;
                double[] next = new double[poly.length + 1];
                for (int p = 0; p < poly.length; p++) {
                    next[p] += poly[p] * c0;
                    next[p + 1] += poly[p] / den;
                }
                poly = next;
            }
            double h = b - a;
            double sum = 0;
            double hp = h;
            for (int p = 0; p < poly.length; p++) {
                sum += poly[p] * hp / (p + 1);
                hp *= h;
            }
            return sum;
        }
        double[] nodes = {-0.8611363115940526, -0.3399810435848563, 0.3399810435848563, 0.8611363115940526};
        double[] weights = {0.3478548451374538, 0.6521451548625461, 0.6521451548625461, 0.3478548451374538};
        double sum = 0;
        for (int q = 0; q < 4; q++) {
            double tau = 0.5 * (b - a) * nodes[q] + 0.5 * (a + b);
            double prod = 1;
            for (int k = 0; k < order; k++) {
                if (k != j) {
                    prod *= (tau - t[i - k]) / ((double) t[i - j] - t[i - k]);
                }
            }
            sum += weights[q] * prod;
        }
        return 0.5 * (b - a) * sum;
    }

    // Latent consistency: jump to the denoised estimate, re-noise to σ_{i+1} (Luo et al. 2023).
    private static void lcm(SamplerRun r) {
        for (int i = 0; i < r.total(); i++) {
            r.begin(i);
            NDArray den = r.denoise(r.x, r.s(i));
            r.report(i, den);
            if (r.s(i + 1) > 0) {
                r.end(den.add(r.noise(r.s(i), r.s(i + 1)).mul((float) r.s(i + 1))));
            } else {
                r.end(den);
            }
        }
    }

    // Ancestral DDPM step (Ho et al. 2020, eq. 11) in the variance-preserving scaling.
    private static void ddpm(SamplerRun r) {
        for (int i = 0; i < r.total(); i++) {
            r.begin(i);
            double s = r.s(i);
            double sn = r.s(i + 1);
            NDArray den = r.denoise(r.x, s);
            r.report(i, den);
            NDArray eps = toD(r.x, den, s);
            NDArray xs = r.x.div((float) Math.sqrt(1 + s * s));
            double ac = 1 / (s * s + 1);
            double acPrev = 1 / (sn * sn + 1);
            double alpha = ac / acPrev;
            NDArray mu =
                    xs.sub(eps.mul((float) ((1 - alpha) / Math.sqrt(1 - ac))))
                            .mul((float) Math.sqrt(1 / alpha));
            if (sn > 0) {
                double c = Math.sqrt((1 - alpha) * (1 - acPrev) / (1 - ac));
                mu = mu.add(r.noise(s, sn).mul((float) c)).mul((float) Math.sqrt(1 + sn * sn));
            }
            r.end(mu);
        }
    }
}
