package dev.noodle.engine.sampling;

import ai.djl.ndarray.NDArray;

/**
 * DPM-Solver-12 / DPM-Solver-23 with adaptive step size (Lu et al. 2022, "DPM-Solver: A Fast ODE
 * Solver for Diffusion Probabilistic Model Sampling in Around 10 Steps", arXiv 2206.00927, §3.3 and
 * Algorithm 5), as ComfyUI's {@code dpm_adaptive} runs it (k-diffusion {@code dpm_solver_adaptive}).
 *
 * <p>Only the schedule's first σ and its smallest positive σ are used (ComfyUI's wrapper: the last σ,
 * or the one before it when the last is 0); the solver integrates in t = −log σ from the first to that
 * σ and stops there. Each attempt from s to t = min(t_end, s + h) computes a lower- and a higher-order
 * DPM-Solver step sharing their model calls (order 3: DPM-Solver-2 with r₁ = ⅓ and DPM-Solver-3; order
 * 2: DPM-Solver-1 and DPM-Solver-2 with r₁ = ½), the error E = ‖(x_low − x_high)/δ‖₂/√n with δ =
 * max(atol, rtol·max(|x_low|, |x_prev|)), and a PID controller proposes the next h from 1/E with
 * exponents (pcoeff + icoeff + dcoeff)/k, −(pcoeff + 2·dcoeff)/k, dcoeff/k (k = order, or 1.5 with
 * η &gt; 0), limited by 1 + atan(f − 1); the attempt is accepted when that factor is at least
 * accept_safety, and then x becomes x_high. With η &gt; 0 each attempt aims at the ancestral σ_down and
 * an accepted one adds s_noise·σ_up times a fresh draw. Stateless.
 */
final class DpmAdaptiveSampler {
    private DpmAdaptiveSampler() {}

    static void sample(SamplerRun r, SamplerOptions o) {
        int order = o.order();
        if (order != 2 && order != 3) {
            throw new IllegalArgumentException("dpm_adaptive order must be 2 or 3, got " + order);
        }
        if (r.total() < 1) {
            return;
        }
        double sigmaMax = r.s(0);
        double sigmaMin = r.s(r.total()) > 0 ? r.s(r.total()) : r.s(r.total() - 1);
        double tStart = -Math.log(sigmaMax);
        double tEnd = -Math.log(sigmaMin);
        boolean forward = tEnd > tStart;
        double eta = o.eta();
        if (!forward && eta > 0) {
            throw new IllegalArgumentException("dpm_adaptive: eta must be 0 for reverse sampling");
        }
        SamplerOptions.AdaptiveStep a = o.adaptive();
        Pid pid = new Pid(a.hInit() * (forward ? 1 : -1), a.pcoeff(), a.icoeff(), a.dcoeff(),
                eta > 0 ? 1.5 : order, a.acceptSafety());
        NDArray input = r.x;
        NDArray xPrev = input;
        int attempt = 0;
        try {
            double s = tStart;
            while (forward ? s < tEnd - 1e-5 : s > tEnd + 1e-5) {
                r.begin(attempt);
                if (xPrev != input) {
                    r.use(xPrev);
                }
                double t = forward ? Math.min(tEnd, s + pid.h) : Math.max(tEnd, s + pid.h);
                double tTarget = t;
                double su = 0;
                if (eta > 0) {
                    double[] du = Samplers.ancestral(sigma(s), sigma(t), eta);
                    tTarget = Math.min(tEnd, -Math.log(du[0]));
                    su = Math.sqrt(sigma(t) * sigma(t) - sigma(tTarget) * sigma(tTarget));
                }
                NDArray den = r.denoise(r.x, sigma(s));
                NDArray eps = r.x.sub(den).div((float) sigma(s));
                double h = tTarget - s;
                NDArray first = r.x.sub(eps.mul((float) (sigma(tTarget) * Math.expm1(h))));
                NDArray low;
                NDArray high;
                if (order == 2) {
                    low = first;
                    NDArray e1 = stageEps(r, eps, s, 0.5, h);
                    high = first.sub(e1.sub(eps).mul((float) (sigma(tTarget) / (2 * 0.5) * Math.expm1(h))));
                } else {
                    double r1 = 1 / 3.0;
                    double r2 = 2 / 3.0;
                    NDArray e1 = stageEps(r, eps, s, r1, h);
                    low = first.sub(e1.sub(eps).mul((float) (sigma(tTarget) / (2 * r1) * Math.expm1(h))));
                    double s2 = sigma(s + r2 * h);
                    NDArray u2 = r.x.sub(eps.mul((float) (s2 * Math.expm1(r2 * h))))
                            .sub(e1.sub(eps).mul((float) (s2 * (r2 / r1) * (Math.expm1(r2 * h) / (r2 * h) - 1))));
                    NDArray e2 = u2.sub(r.denoise(u2, s2)).div((float) s2);
                    high = first.sub(e2.sub(eps).mul((float) (sigma(tTarget) / r2 * (Math.expm1(h) / h - 1))));
                }
                double error = error(low, high, xPrev, a);
                if (!Double.isFinite(error)) {
                    throw new IllegalStateException("dpm_adaptive: the error estimate is not finite at sigma "
                            + sigma(s) + " (the model returned NaN or infinity)");
                }
                boolean accept = pid.propose(error);
                NDArray next;
                if (accept) {
                    NDArray keptLow = r.keep(low);
                    if (xPrev != input) {
                        xPrev.close();
                    }
                    xPrev = keptLow;
                    next = high;
                    if (eta > 0) { // ComfyUI draws on every accepted step; with η = 0 it adds 0·noise
                        next = high.add(r.noise(sigma(s), sigma(t)).mul((float) (su * o.sNoise())));
                    }
                    s = t;
                } else {
                    next = r.x.duplicate();
                }
                r.report(attempt, Math.max(attempt + 1, r.total()), sigma(s), den);
                r.end(next);
                attempt++;
            }
        } finally {
            if (xPrev != input) {
                xPrev.close();
            }
        }
    }

    private static double sigma(double t) {
        return Math.exp(-t);
    }

    /** ε at the first-order stage u = x − σ(s + r·h)(e^{r·h} − 1)ε, evaluated at s + r·h. */
    private static NDArray stageEps(SamplerRun r, NDArray eps, double s, double frac, double h) {
        double sig = sigma(s + frac * h);
        NDArray u = r.x.sub(eps.mul((float) (sig * Math.expm1(frac * h))));
        return u.sub(r.denoise(u, sig)).div((float) sig);
    }

    /** ‖(low − high) / max(atol, rtol·max(|low|, |prev|))‖₂ / √n. */
    static double error(NDArray low, NDArray high, NDArray prev, SamplerOptions.AdaptiveStep a) {
        float[] lo = low.toFloatArray();
        float[] hi = high.toFloatArray();
        float[] pr = prev.toFloatArray();
        double sum = 0;
        float atol = (float) a.atol();
        float rtol = (float) a.rtol();
        for (int i = 0; i < lo.length; i++) {
            float delta = Math.max(atol, rtol * Math.max(Math.abs(lo[i]), Math.abs(pr[i])));
            double q = (lo[i] - hi[i]) / delta;
            sum += q * q;
        }
        return Math.sqrt(sum) / Math.sqrt(lo.length);
    }

    /** k-diffusion's PID step-size controller (Söderlind-style, with an arctan limiter). */
    static final class Pid {
        double h;
        private final double b1;
        private final double b2;
        private final double b3;
        private final double acceptSafety;
        private double[] errs;

        Pid(double h, double pcoeff, double icoeff, double dcoeff, double order, double acceptSafety) {
            this.h = h;
            this.b1 = (pcoeff + icoeff + dcoeff) / order;
            this.b2 = -(pcoeff + 2 * dcoeff) / order;
            this.b3 = dcoeff / order;
            this.acceptSafety = acceptSafety;
        }

        /** Scales h by the limited factor and says whether the attempt is accepted. */
        boolean propose(double error) {
            double inv = 1 / (error + 1e-8);
            if (errs == null) {
                errs = new double[] {inv, inv, inv};
            }
            errs[0] = inv;
            double factor = Math.pow(errs[0], b1) * Math.pow(errs[1], b2) * Math.pow(errs[2], b3);
            factor = 1 + Math.atan(factor - 1);
            boolean accept = factor >= acceptSafety;
            if (accept) {
                errs[2] = errs[1];
                errs[1] = errs[0];
            }
            h *= factor;
            return accept;
        }
    }
}
