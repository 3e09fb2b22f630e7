package dev.noodle.engine.sampling;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;

/**
 * SA-Solver (Xue et al. 2023, "SA-Solver: Stochastic Adams Solver for Fast Sampling of Diffusion
 * Models", NeurIPS 2023, arXiv 2309.05019), data-prediction form in λ = −log σ, as ComfyUI's {@code
 * sa_solver} / {@code sa_solver_pece} run it.
 *
 * <p>With τ the stochastic strength ({@link SamplerOptions.SaSolver#tau}, η inside the SDE interval),
 * one step from λ_s to λ_t (h = λ_t − λ_s) is x_t = (σ_t/σ_s)·e^{−τ²h}·x_s + Σ_k b_k·D_k (+ noise
 * σ_t·sqrt(1 − e^{−2τ²h})·s_noise·z in the predictor), where b_k = α_t·∫ e^{−(1+τ²)(λ_t − λ)}·ℓ_k(λ)
 * dλ·(1+τ²) over [λ_s, λ_t] for the Lagrange basis ℓ_k on the λ of the D_k used (eqs. 15 and 18):
 * the exponential moments J_p = Σ_{b≤p} (−1)^{p−b}·p!/(b!·(1+τ²)^{p−b})·(λ_t^b − λ_s^b·e^{−(1+τ²)h})
 * by parts, then a Vandermonde solve. With simple_order_2 two-point steps use the paper's Appendix D
 * coefficients. The predictor (order ≤ predictor_order, over the last model outputs) proposes
 * x_{i+1}; at the next σ the corrector (order ≤ corrector_order, including the new output) recomputes
 * x_{i+1} from x_i and adds the predictor's noise again; PECE evaluates the model once more on the
 * corrected state. Orders drop near a schedule that ends at σ = 0, whose last step returns D. Stateless.
 */
final class SaSolverSampler {
    private SaSolverSampler() {}

    static void sample(SamplerRun r, SamplerOptions o) {
        int n = r.total();
        if (n < 1) {
            return;
        }
        SamplerOptions.SaSolver sa = o.saSolver();
        boolean pece = sa.usePece();
        for (int k = 0; k < n; k++) {
            // the λ steps h = λ_t − λ_s must be positive; a rising σ (a flipped schedule) ends in inf/NaN
            if (r.s(k + 1) > r.s(k)) {
                throw new IllegalArgumentException((pece ? "sa_solver_pece" : "sa_solver") + " needs SIGMAS that"
                        + " fall from step to step, but σ rises from " + r.s(k) + " to " + r.s(k + 1) + " at step "
                        + k + "; give it a descending schedule (not one passed through FlipSigmas)");
            }
        }
        int maxOrder = Math.max(sa.predictorOrder(), sa.correctorOrder());
        double[] lambda = new double[n + 1];
        for (int k = 0; k <= n; k++) {
            lambda[k] = -Math.log(r.s(k));
        }
        boolean lowerToEnd = r.s(n) == 0;
        double h = 0;
        double tau = 0;
        NDArray state = null;
        NDArray noise = null;
        List<NDArray> preds = new ArrayList<>(); // oldest first
        try {
            for (int i = 0; i < n; i++) {
                r.begin(i);
                if (state != null) {
                    r.use(state);
                }
                if (noise != null) {
                    r.use(noise);
                }
                preds.forEach(r::use);
                double s = r.s(i);
                double sn = r.s(i + 1);
                NDArray den = r.denoise(r.x, s);
                r.report(i, den);
                preds.add(r.keep(den));
                if (preds.size() > maxOrder) {
                    preds.remove(0).close();
                }
                int pUsed = Math.min(sa.predictorOrder(), preds.size());
                int cUsed = i == 0 || (sn == 0 && !pece) ? 0 : Math.min(sa.correctorOrder(), preds.size());
                if (lowerToEnd) {
                    pUsed = Math.min(pUsed, n - 1 - i);
                    cUsed = Math.min(cUsed, n - i);
                }
                NDArray x;
                if (cUsed == 0) {
                    x = r.x;
                } else {
                    double[] b = coefficients(s, lambda, i - cUsed + 1, i, lambda[i - 1], lambda[i], tau,
                            sa.simpleOrder2(), true);
                    x = combine(state.mul((float) (s / r.s(i - 1) * Math.exp(-tau * tau * h))), preds, b);
                    if (tau > 0 && o.sNoise() > 0) {
                        x = x.add(noise);
                    }
                    if (pece) {
                        NDArray again = r.keep(r.denoise(x, s));
                        preds.set(preds.size() - 1, again).close();
                        den = again;
                    }
                }
                NDArray next;
                if (sn == 0) {
                    next = den;
                } else {
                    tau = sa.tau(o.eta(), sn);
                    double[] b = coefficients(sn, lambda, i - pUsed + 1, i, lambda[i], lambda[i + 1], tau,
                            sa.simpleOrder2(), false);
                    h = lambda[i + 1] - lambda[i];
                    next = combine(x.mul((float) (sn / s * Math.exp(-tau * tau * h))), preds, b);
                    if (tau > 0 && o.sNoise() > 0) {
                        double scale = sn * Math.sqrt(-Math.expm1(-2 * tau * tau * h)) * o.sNoise();
                        NDArray z = r.keep(r.noise(s, sn).mul((float) scale));
                        if (noise != null) {
                            noise.close();
                        }
                        noise = z;
                        next = next.add(noise);
                    }
                }
                NDArray kept = r.keep(x.duplicate());
                if (state != null) {
                    state.close();
                }
                state = kept;
                r.end(next);
            }
        } finally {
            for (NDArray p : preds) {
                if (p != r.x) {
                    p.close();
                }
            }
            if (state != null) {
                state.close();
            }
            if (noise != null) {
                noise.close();
            }
        }
    }

    /** base + Σ_k b_k·D_k over the last b.length model outputs (oldest first). */
    private static NDArray combine(NDArray base, List<NDArray> preds, double[] b) {
        NDArray out = base;
        int from = preds.size() - b.length;
        for (int k = 0; k < b.length; k++) {
            out = out.add(preds.get(from + k).mul((float) b[k]));
        }
        return out;
    }

    /**
     * The b coefficients (oldest model output first) for a step from λ_s to λ_t using the outputs at
     * λ[first..last], ending at σ = sigmaNext.
     */
    static double[] coefficients(double sigmaNext, double[] lambda, int first, int last, double lambdaS,
            double lambdaT, double tau, boolean simpleOrder2, boolean corrector) {
        int m = last - first + 1;
        double tauMul = 1 + tau * tau;
        double h = lambdaT - lambdaS;
        double alphaT = sigmaNext * Math.exp(lambdaT);
        if (simpleOrder2 && m == 2) {
            double b1;
            double b2;
            if (corrector) {
                b1 = alphaT * (0.5 * tauMul * h);
                b2 = alphaT * -Math.expm1(-h * tauMul) - b1;
            } else {
                b2 = alphaT * (0.5 * tauMul * h * h) / (lambda[last - 1] - lambdaS);
                b1 = alphaT * -Math.expm1(-h * tauMul) - b2;
            }
            return new double[] {b2, b1};
        }
        double[] moments = new double[m];
        double decay = Math.exp(-tauMul * h);
        for (int p = 0; p < m; p++) {
            double sum = 0;
            double coeff = 1; // (−1)^{p−b} p!/(b! τm^{p−b}), built from b = p downwards
            for (int b = p; b >= 0; b--) {
                sum += coeff * (Math.pow(lambdaT, b) - Math.pow(lambdaS, b) * decay);
                coeff *= -b / tauMul;
            }
            moments[p] = sum;
        }
        double[][] vt = new double[m][m]; // vt[p][k] = λ_k^p
        for (int p = 0; p < m; p++) {
            for (int k = 0; k < m; k++) {
                vt[p][k] = Math.pow(lambda[first + k], p);
            }
        }
        double[] w = UniPcSampler.solve(vt, moments, m);
        for (int k = 0; k < m; k++) {
            w[k] *= alphaT;
        }
        return w;
    }
}
