package dev.noodle.engine.sampling;

import ai.djl.ndarray.NDArray;

/**
 * CFG++ samplers (Chung et al. 2024, "CFG++: Manifold-constrained Classifier Free Guidance for
 * Diffusion Models", arXiv 2406.08070) as ComfyUI ships them: each step takes the guided estimate
 * D_c = D_u + cfg·(D_cond − D_u) as its landing point but renoises along the unconditional estimate
 * D_u ({@link Denoiser#denoiseGuided}), which keeps the sample near the data manifold at low cfg.
 *
 * <p>For ε/v models (α = 1 in the σ parameterisation), η = 1 for the ancestral forms, s_noise = 1;
 * scalar coefficients in double. Stateless.
 */
final class CfgPpSamplers {
    private CfgPpSamplers() {}

    /**
     * Euler CFG++ ({@code euler_cfg_pp}) or, with {@code ancestral}, its ancestral form
     * ({@code euler_ancestral_cfg_pp}): x ← D_c + σ_down·(x − D_u)/σ_i (+ s_noise·σ_up·z, drawn only
     * when η and s_noise are positive), with (σ_down, σ_up) k-diffusion's ancestral split for the
     * options' η, or (σ_{i+1}, 0) for the plain form; the step into σ = 0 returns D_c.
     */
    static void euler(SamplerRun r, boolean ancestral, SamplerOptions o) {
        boolean inject = ancestral && o.eta() > 0 && o.sNoise() > 0;
        for (int i = 0; i < r.total(); i++) {
            r.begin(i);
            double s = r.s(i);
            double sn = r.s(i + 1);
            Denoiser.Guided g = r.guided(r.x, s);
            r.report(i, g.denoised());
            if (sn == 0) {
                r.end(g.denoised());
                continue;
            }
            double[] du = ancestral ? Samplers.ancestral(s, sn, o.eta()) : new double[] {sn, 0};
            NDArray next = g.denoised().add(Samplers.toD(r.x, g.uncond(), s).mul((float) du[0]));
            if (inject) {
                next = next.add(r.noise(s, sn).mul((float) (o.sNoise() * du[1])));
            }
            r.end(next);
        }
    }

    /**
     * DPM-Solver++(2S) ancestral with CFG++ ({@code dpmpp_2s_ancestral_cfg_pp}): the two-stage
     * exponential step to σ_down (midpoint in t = −log σ) runs on the unconditional estimates at x and
     * at the midpoint, then the ancestral noise σ_up·z and the guidance vector D_c − D_u of the first
     * evaluation are added; the step to σ_down = 0 is an Euler step along D_u.
     */
    static void dpmpp2sAncestral(SamplerRun r) {
        for (int i = 0; i < r.total(); i++) {
            r.begin(i);
            double s = r.s(i);
            double sn = r.s(i + 1);
            Denoiser.Guided g = r.guided(r.x, s);
            NDArray guidance = g.denoised().sub(g.uncond());
            double[] du = Samplers.ancestral(s, sn);
            r.report(i, g.denoised());
            NDArray next;
            if (du[0] == 0) {
                next = r.x.add(Samplers.toD(r.x, g.uncond(), s).mul((float) (du[0] - s)));
            } else {
                double t = -Math.log(s);
                double h = -Math.log(du[0]) - t;
                double sMid = Math.exp(-(t + 0.5 * h));
                NDArray x2 =
                        r.x.mul((float) (sMid / s)).sub(g.uncond().mul((float) Math.expm1(-0.5 * h)));
                NDArray u2 = r.guided(x2, sMid).uncond();
                next = r.x.mul((float) (du[0] / s)).sub(u2.mul((float) Math.expm1(-h)));
            }
            if (sn > 0) {
                next = next.add(r.noise(s, sn).mul((float) du[1]));
            }
            r.end(next.add(guidance));
        }
    }

    /**
     * DPM-Solver++(2M) with CFG++ ({@code dpmpp_2m_cfg_pp}), with h = log σ_i − log σ_{i+1} and
     * r = h_{i−1}/h: x ← D_c + e^{−h}·(x − D_u) − (e^{−h} − 1)/(2r)·(D_c − D_u,{i−1}), the last term
     * only once there is a previous unconditional estimate; the step into σ = 0 returns D_c.
     */
    static void dpmpp2m(SamplerRun r) {
        NDArray old = null;
        try {
            for (int i = 0; i < r.total(); i++) {
                r.begin(i);
                if (old != null) {
                    r.use(old);
                }
                double s = r.s(i);
                double sn = r.s(i + 1);
                Denoiser.Guided g = r.guided(r.x, s);
                r.report(i, g.denoised());
                NDArray next;
                if (sn == 0) {
                    next = g.denoised(); // e^{−h} = 0
                } else {
                    double h = Math.log(s) - Math.log(sn);
                    double e = Math.exp(-h);
                    NDArray mix = g.uncond().mul((float) -e);
                    if (old != null) {
                        double rr = (Math.log(r.s(i - 1)) - Math.log(s)) / h;
                        mix = mix.sub(g.denoised().sub(old).mul((float) (Math.expm1(-h) / (2 * rr))));
                    }
                    next = g.denoised().add(mix).add(r.x.mul((float) e));
                }
                NDArray kept = next == g.uncond() ? next : r.keep(g.uncond());
                r.end(next);
                if (old != null) {
                    old.close();
                }
                old = kept;
            }
        } finally {
            if (old != null && old != r.x) {
                old.close();
            }
        }
    }
}
