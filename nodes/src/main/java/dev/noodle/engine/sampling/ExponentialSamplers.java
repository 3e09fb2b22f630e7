package dev.noodle.engine.sampling;

import ai.djl.ndarray.NDArray;

/**
 * Exponential-integrator samplers in data prediction and half-log-SNR time λ = −log σ, as ComfyUI
 * ships them: SEEDS-2/3 and the exponential Heun method built on SEEDS-2, and the ER-SDE solver.
 *
 * <p>For ε/v models (α = 1 in the σ parameterisation, so σ(λ) = e^{−λ}), with ComfyUI's KSampler
 * settings η = 1 and s_noise = 1 for the stochastic forms. hφ₁(h) = e^h − 1 and hφ₂(h) = (e^h − 1 −
 * h)/h; scalar coefficients in double. Stateless.
 */
final class ExponentialSamplers {
    /** Riemann points of ER-SDE's stage-2/3 integrals (ComfyUI's num_integration_points). */
    private static final int ER_POINTS = 200;

    private ExponentialSamplers() {}

    private static double hPhi1(double h) {
        return Math.expm1(h);
    }

    private static double hPhi2(double h) {
        return (Math.expm1(h) - h) / h;
    }

    /** λ at fraction w between a and b, as torch.lerp rounds it (exact end point for w = 1). */
    private static double lerp(double a, double b, double w) {
        return w < 0.5 ? a + w * (b - a) : b - (b - a) * (1 - w);
    }

    /**
     * SEEDS-2 (Gonzalez et al. 2023, "SEEDS: Exponential SDE Solvers for Fast High-Quality Sampling
     * from Diffusion Models", arXiv 2305.14267), ComfyUI's {@code sample_seeds_2}: with h = λ_{i+1} −
     * λ_i, h_η = (1 + η)h and the stage at λ_s = λ_i + r·h,
     * x₂ = (σ_s/σ_i)e^{−rhη}·x − hφ₁(−r·h_η)·D + σ_s·n₁, n₁ = sqrt(1 − e^{−2rhη})·z₁; then either
     * (φ₁ form) x ← (σ_{i+1}/σ_i)e^{−hη}·x − hφ₁(−h_η)·lerp(D, D₂, 1/(2r)), or (φ₂ form) with b₂ =
     * hφ₂(−h_η)/r, b₁ = hφ₁(−h_η) − b₂: x ← (σ_{i+1}/σ_i)e^{−hη}·x − (b₁·D + b₂·D₂); the noise carried
     * on is n₁·e^{(r−1)hη} + sqrt(1 − e^{2(r−1)hη})·z₂, times σ_{i+1}. η = 0 draws no noise. The step
     * into σ = 0 returns D.
     *
     * @param eta η (0 = the deterministic exponential Heun method when r = 1)
     * @param sNoise multiplier of the injected noise (noise is drawn only when η and s_noise are positive)
     * @param r stage position: 0.5 for seeds_2, 1 for exp_heun_2_x0(_sde)
     * @param phi2 the φ₂ combination (exp_heun_2_x0) instead of φ₁ (seeds_2)
     */
    static void seeds2(SamplerRun run, double eta, double sNoise, double r, boolean phi2) {
        boolean inject = eta > 0 && sNoise > 0;
        for (int i = 0; i < run.total(); i++) {
            run.begin(i);
            double s = run.s(i);
            double sn = run.s(i + 1);
            NDArray den = run.denoise(run.x, s);
            run.report(i, den);
            if (sn == 0) {
                run.end(den);
                continue;
            }
            double ls = -Math.log(s);
            double h = -Math.log(sn) - ls;
            double hEta = h * (eta + 1);
            double s1 = Math.exp(-lerp(ls, -Math.log(sn), r));
            NDArray x2 =
                    run.x.mul((float) (s1 / s * Math.exp(-r * h * eta)))
                            .sub(den.mul((float) hPhi1(-r * hEta)));
            NDArray sde = null;
            if (inject) {
                sde = run.noise(s, s1).mul((float) Math.sqrt(-Math.expm1(-2 * r * h * eta)));
                x2 = x2.add(sde.mul((float) (s1 * sNoise)));
            }
            NDArray den2 = run.denoise(x2, s1);
            NDArray xs = run.x.mul((float) (sn / s * Math.exp(-h * eta)));
            NDArray next;
            if (phi2) {
                double b2 = hPhi2(-hEta) / r;
                double b1 = hPhi1(-hEta) - b2;
                next = xs.sub(den.mul((float) b1).add(den2.mul((float) b2)));
            } else {
                double fac = 1 / (2 * r);
                NDArray mix = fac == 1 ? den2 : den.add(den2.sub(den).mul((float) fac));
                next = xs.sub(mix.mul((float) hPhi1(-hEta)));
            }
            if (inject) {
                double seg = (r - 1) * h * eta;
                sde =
                        sde.mul((float) Math.exp(seg))
                                .add(run.noise(s1, sn).mul((float) Math.sqrt(-Math.expm1(2 * seg))));
                next = next.add(sde.mul((float) (sn * sNoise)));
            }
            run.end(next);
        }
    }

    /**
     * SEEDS-3 (Gonzalez et al. 2023), ComfyUI's {@code sample_seeds_3} with η = 1 and stages at r₁ =
     * 1/3, r₂ = 2/3 of h: x₂ = (σ₁/σ_i)e^{−r₁hη}·x − hφ₁(−r₁h_η)·D (+ noise), x₃ =
     * (σ₂/σ_i)e^{−r₂hη}·x − (a₁·D + a₂·D₂) with a₂ = (r₂/r₁)·hφ₂(−r₂h_η), a₁ = hφ₁(−r₂h_η) − a₂ (+
     * noise), x ← (σ_{i+1}/σ_i)e^{−hη}·x − (b₁·D + b₃·D₃) with b₃ = hφ₂(−h_η)/r₂, b₁ = hφ₁(−h_η) − b₃ (+
     * noise); one correlated noise path carried across the three segments as in {@link #seeds2}. The
     * step into σ = 0 returns D.
     */
    static void seeds3(SamplerRun run) {
        double eta = 1;
        double r1 = 1.0 / 3;
        double r2 = 2.0 / 3;
        for (int i = 0; i < run.total(); i++) {
            run.begin(i);
            double s = run.s(i);
            double sn = run.s(i + 1);
            NDArray den = run.denoise(run.x, s);
            run.report(i, den);
            if (sn == 0) {
                run.end(den);
                continue;
            }
            double ls = -Math.log(s);
            double lt = -Math.log(sn);
            double h = lt - ls;
            double hEta = h * (eta + 1);
            double s1 = Math.exp(-lerp(ls, lt, r1));
            double s2 = Math.exp(-lerp(ls, lt, r2));
            NDArray x2 =
                    run.x.mul((float) (s1 / s * Math.exp(-r1 * h * eta)))
                            .sub(den.mul((float) hPhi1(-r1 * hEta)));
            NDArray sde = run.noise(s, s1).mul((float) Math.sqrt(-Math.expm1(-2 * r1 * h * eta)));
            x2 = x2.add(sde.mul((float) s1));
            NDArray den2 = run.denoise(x2, s1);

            double a2 = r2 / r1 * hPhi2(-r2 * hEta);
            double a1 = hPhi1(-r2 * hEta) - a2;
            NDArray x3 =
                    run.x.mul((float) (s2 / s * Math.exp(-r2 * h * eta)))
                            .sub(den.mul((float) a1).add(den2.mul((float) a2)));
            double seg = (r1 - r2) * h * eta;
            sde =
                    sde.mul((float) Math.exp(seg))
                            .add(run.noise(s1, s2).mul((float) Math.sqrt(-Math.expm1(2 * seg))));
            x3 = x3.add(sde.mul((float) s2));
            NDArray den3 = run.denoise(x3, s2);

            double b3 = hPhi2(-hEta) / r2;
            double b1 = hPhi1(-hEta) - b3;
            NDArray next =
                    run.x.mul((float) (sn / s * Math.exp(-h * eta)))
                            .sub(den.mul((float) b1).add(den3.mul((float) b3)));
            seg = (r2 - 1) * h * eta;
            sde =
                    sde.mul((float) Math.exp(seg))
                            .add(run.noise(s2, sn).mul((float) Math.sqrt(-Math.expm1(2 * seg))));
            run.end(next.add(sde.mul((float) sn)));
        }
    }

    /**
     * ER-SDE-Solver-3 (Cui et al. 2023, "Elucidating the Solution Space of Extended Reverse-Time SDE
     * for Diffusion Models", arXiv 2309.06169), ComfyUI's {@code sample_er_sde} with the options'
     * noise scaler f ({@link SamplerOptions.ErSde}; by default λ·(e^{λ^0.3} + 10)), max_stage (default 3)
     * and s_noise. In ER time λ = σ/α = σ with r = f(λ_{i+1})/f(λ_i): x ← r·x + (1 − r)·D; from the second
     * step + (Δλ + S₁·f(λ_{i+1}))·D′ with D′ = (D − D_{i−1})/(λ_i − λ_{i−1}); from the third + (Δλ²/2 +
     * S₂·f(λ_{i+1}))·D″ with D″ = (D′ − D′_{i−1})/((λ_i − λ_{i−2})/2), where S₁ = Σ_k δ/f(τ_k), S₂ = Σ_k
     * (τ_k − λ_i)·δ/f(τ_k) over τ_k = λ_{i+1} + k·δ, δ = −Δλ/200, k = 0..199; then the noise
     * s_noise·sqrt(λ_{i+1}² − λ_i²r²)·z (0 where the root is not real; drawn only when s_noise &gt; 0).
     * The step into σ = 0 returns D.
     */
    static void erSde(SamplerRun run, SamplerOptions o) {
        SamplerOptions.ErSde er = o.erSde();
        int maxStage = er.maxStage();
        double eta = o.eta();
        NDArray old = null;
        NDArray oldSlope = null;
        try {
            for (int i = 0; i < run.total(); i++) {
                run.begin(i);
                if (old != null) {
                    run.use(old);
                }
                if (oldSlope != null) {
                    run.use(oldSlope);
                }
                double ls = run.s(i);
                double lt = run.s(i + 1);
                NDArray den = run.denoise(run.x, ls);
                run.report(i, den);
                int stage = Math.min(maxStage, i + 1);
                NDArray next;
                NDArray slope = null;
                if (lt == 0) {
                    next = den;
                } else {
                    double r = er.scale(lt, eta) / er.scale(ls, eta);
                    next = run.x.mul((float) r).add(den.mul((float) (1 - r)));
                    if (stage >= 2) {
                        double dl = lt - ls;
                        double step = -dl / ER_POINTS;
                        double s1 = 0;
                        double s2 = 0;
                        for (int k = 0; k < ER_POINTS; k++) {
                            double tau = lt + k * step;
                            double f = er.scale(tau, eta);
                            s1 += 1 / f;
                            s2 += (tau - ls) / f;
                        }
                        s1 *= step;
                        s2 *= step;
                        slope = den.sub(old).div((float) (ls - run.s(i - 1)));
                        next = next.add(slope.mul((float) (dl + s1 * er.scale(lt, eta))));
                        if (stage >= 3) {
                            NDArray curve = slope.sub(oldSlope).div((float) ((ls - run.s(i - 2)) / 2));
                            next = next.add(curve.mul((float) (dl * dl / 2 + s2 * er.scale(lt, eta))));
                        }
                    }
                    if (o.sNoise() > 0) {
                        double amp = Math.sqrt(lt * lt - ls * ls * r * r);
                        next = next.add(run.noise(ls, lt).mul((float) (o.sNoise() * (Double.isNaN(amp) ? 0 : amp))));
                    }
                }
                NDArray kept = next == den ? den : run.keep(den);
                NDArray keptSlope = slope == null ? null : run.keep(slope);
                run.end(next);
                if (old != null) {
                    old.close();
                }
                old = kept;
                if (keptSlope != null) {
                    if (oldSlope != null) {
                        oldSlope.close();
                    }
                    oldSlope = keptSlope;
                }
            }
        } finally {
            if (old != null && old != run.x) {
                old.close();
            }
            if (oldSlope != null) {
                oldSlope.close();
            }
        }
    }
}
