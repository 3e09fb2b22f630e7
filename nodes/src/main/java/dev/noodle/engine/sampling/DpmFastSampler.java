package dev.noodle.engine.sampling;

import ai.djl.ndarray.NDArray;

/**
 * DPM-Solver-fast (Lu et al. 2022, "DPM-Solver: A Fast ODE Solver for Diffusion Probabilistic Model
 * Sampling in Around 10 Steps", arXiv 2206.00927, §3.3 and Algorithms 4–5), as ComfyUI's
 * {@code dpm_fast} runs it with η = 0.
 *
 * <p>Only the schedule's first σ and its smallest positive σ are used: with N = number of schedule
 * steps model evaluations, it takes m = ⌊N/3⌋ + 1 steps uniform in t = −log σ, of orders 3, …, 3
 * and then 2, 1 (N divisible by 3) or N mod 3, and stops at that smallest σ (it does not denoise to
 * σ = 0). In the ε form, with h = t_{i+1} − t_i and σ(t) = e^{−t}:
 *
 * <ul>
 *   <li>order 1: x − σ_{i+1}(e^h − 1)ε
 *   <li>order 2 (r₁ = ½): u = x − σ(s₁)(e^{r₁h} − 1)ε; x − σ_{i+1}(e^h − 1)ε − σ_{i+1}/(2r₁)·(e^h −
 *       1)(ε(u) − ε)
 *   <li>order 3 (r₁ = ⅓, r₂ = ⅔): second stage u₂ = x − σ(s₂)(e^{r₂h} − 1)ε − σ(s₂)(r₂/r₁)((e^{r₂h} −
 *       1)/(r₂h) − 1)(ε(u₁) − ε); x − σ_{i+1}(e^h − 1)ε − σ_{i+1}/r₂·((e^h − 1)/h − 1)(ε(u₂) − ε)
 * </ul>
 *
 * Stateless.
 */
final class DpmFastSampler {
    private DpmFastSampler() {}

    /** The order of each of the m steps for N model evaluations (k-diffusion dpm_solver_fast). */
    static int[] orders(int nfe) {
        int m = nfe / 3 + 1;
        int[] orders = new int[m];
        java.util.Arrays.fill(orders, 3);
        if (nfe % 3 == 0) {
            orders[m - 2] = 2;
            orders[m - 1] = 1;
        } else {
            orders[m - 1] = nfe % 3;
        }
        return orders;
    }

    static void sample(SamplerRun r) {
        int nfe = r.total();
        if (nfe < 1) {
            return;
        }
        double sigmaMin = r.s(nfe) > 0 ? r.s(nfe) : r.s(nfe - 1);
        double tStart = -Math.log(r.s(0));
        double tEnd = -Math.log(sigmaMin);
        int[] orders = orders(nfe);
        int m = orders.length;
        for (int i = 0; i < m; i++) {
            r.begin(i);
            double t = tStart + (tEnd - tStart) * i / m;
            double tNext = i + 1 == m ? tEnd : tStart + (tEnd - tStart) * (i + 1) / m;
            double sigma = Math.exp(-t);
            NDArray den = r.denoise(r.x, sigma);
            NDArray eps = r.x.sub(den).div((float) sigma);
            r.report(i, m, sigma, den);
            double h = tNext - t;
            double sn = Math.exp(-tNext);
            NDArray first = r.x.sub(eps.mul((float) (sn * Math.expm1(h))));
            NDArray next;
            switch (orders[i]) {
                case 1 -> next = first;
                case 2 -> {
                    double r1 = 0.5;
                    NDArray e1 = stage(r, eps, t + r1 * h, r1 * h);
                    next = first.sub(e1.sub(eps).mul((float) (sn / (2 * r1) * Math.expm1(h))));
                }
                default -> {
                    double r1 = 1 / 3.0;
                    double r2 = 2 / 3.0;
                    NDArray e1 = stage(r, eps, t + r1 * h, r1 * h);
                    double s2 = Math.exp(-(t + r2 * h));
                    NDArray u2 =
                            r.x.sub(eps.mul((float) (s2 * Math.expm1(r2 * h))))
                                    .sub(
                                            e1.sub(eps)
                                                    .mul(
                                                            (float)
                                                                    (s2
                                                                            * (r2 / r1)
                                                                            * (Math.expm1(r2 * h) / (r2 * h)
                                                                                    - 1))));
                    NDArray e2 = epsAt(r, u2, t + r2 * h);
                    next =
                            first.sub(
                                    e2.sub(eps).mul((float) (sn / r2 * (Math.expm1(h) / h - 1))));
                }
            }
            r.end(next);
        }
    }

    /** ε at the first-order intermediate point u = x − σ(s)(e^{rh} − 1)ε, s = t + rh. */
    private static NDArray stage(SamplerRun r, NDArray eps, double s, double rh) {
        double sigma = Math.exp(-s);
        NDArray u = r.x.sub(eps.mul((float) (sigma * Math.expm1(rh))));
        return epsAt(r, u, s);
    }

    private static NDArray epsAt(SamplerRun r, NDArray u, double t) {
        double sigma = Math.exp(-t);
        return u.sub(r.denoise(u, sigma)).div((float) sigma);
    }
}
