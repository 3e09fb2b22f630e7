package dev.noodle.engine.sampling;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;

/**
 * UniPC (Zhao et al. 2023, "UniPC: A Unified Predictor-Corrector Framework for Fast Sampling of
 * Diffusion Models"), multistep in data prediction, as ComfyUI's {@code uni_pc} (B(h) = h, "bh1")
 * and {@code uni_pc_bh2} (B(h) = e^h − 1) run it.
 *
 * <p>The solver works on the variance-preserving latent x_vp = x / √(1 + σ²) with α = 1/√(1 + σ²),
 * std = σ·α and λ = log(α / std). Order min(3, N − 1); the first steps and the last two use lower
 * orders; every step but the last is predicted (UniP) and corrected (UniC) with the model value at
 * the predicted point, which is reused as the next history entry, so N steps cost N model calls. A
 * final σ of 0 is replaced by 0.001 and the result is scaled back by 1/α there (ComfyUI
 * {@code sample_unipc}). α, std and λ are rounded to float32 at each elementary operation, as
 * ComfyUI computes them on float32 σ: at σ = 0.001 the term 1 − α² cancels and the rounding shows
 * in the result. Stateless.
 */
final class UniPcSampler {
    private UniPcSampler() {}

    /** A step's outcome: the new latent and the model value at its predicted point (or null). */
    private record Update(NDArray x, NDArray model) {}

    /**
     * Runs UniPC over the run's schedule.
     *
     * @param bh2 true for B(h) = e^h − 1, false for B(h) = h
     */
    static void sample(SamplerRun r, boolean bh2) {
        int n = r.total();
        double[] t = new double[n + 1];
        for (int k = 0; k <= n; k++) {
            t[k] = r.s(k);
        }
        if (t[n] == 0) {
            t[n] = 0.001f;
        }
        int order = Math.min(3, n - 1);
        List<NDArray> models = new ArrayList<>(); // oldest first
        List<Double> times = new ArrayList<>();
        try {
            for (int k = 0; k < n; k++) {
                r.begin(k);
                for (NDArray m : models) {
                    r.use(m);
                }
                List<NDArray> dropped = new ArrayList<>();
                NDArray next;
                if (k == 0) {
                    next = r.x.div((float) Math.sqrt(1.0 + t[0] * t[0]));
                    models.add(r.keep(model(r, next, t[0])));
                    times.add(t[0]);
                } else if (k < order) {
                    Update u = update(r, bh2, r.x, models, times, t[k], k, true);
                    models.add(r.keep(u.model()));
                    times.add(t[k]);
                    next = u.x();
                } else {
                    next = r.x;
                    int last = k == n - 1 ? n : k;
                    for (int step = k; step <= last; step++) {
                        int stepOrder = Math.min(order, n + 1 - step);
                        boolean corrector = step != n;
                        Update u = update(r, bh2, next, models, times, t[step], stepOrder, corrector);
                        next = u.x();
                        if (step < n) {
                            dropped.add(models.remove(0));
                            models.add(r.keep(u.model()));
                            times.remove(0);
                            times.add(t[step]);
                        }
                    }
                }
                if (k == n - 1) {
                    next = next.div((float) alpha(t[n]));
                }
                r.report(k, models.get(models.size() - 1));
                r.end(next);
                dropped.forEach(NDArray::close);
            }
        } finally {
            models.forEach(NDArray::close);
        }
    }

    /** The data prediction on the VP latent: D(x_vp·√(σ² + 1), σ). */
    private static NDArray model(SamplerRun r, NDArray xvp, double sigma) {
        return r.denoise(xvp.mul((float) Math.sqrt(sigma * sigma + 1)), sigma);
    }

    /**
     * One UniPC step from the newest history time to {@code t} with the given order: the UniP
     * predictor x̃ = (std_t/std_s)·x − α_t·(e^{−h} − 1)·m_0 − α_t·B(h)·Σ ρ^p_k·D1_k and, when asked,
     * the UniC corrector that re-solves the ρ with the model value at x̃ (paper, Algorithms 1–2).
     */
    private static Update update(
            SamplerRun r,
            boolean bh2,
            NDArray x,
            List<NDArray> models,
            List<Double> times,
            double t,
            int order,
            boolean corrector) {
        int last = models.size() - 1;
        double s0 = times.get(last);
        NDArray m0 = models.get(last);
        double lam0 = lambda(s0);
        double h = lambda(t) - lam0;
        double[] rks = new double[order];
        List<NDArray> d1s = new ArrayList<>();
        for (int i = 1; i < order; i++) {
            double rk = (lambda(times.get(last - i)) - lam0) / h;
            rks[i - 1] = rk;
            d1s.add(models.get(last - i).sub(m0).div((float) rk));
        }
        rks[order - 1] = 1;
        double hh = -h;
        double hPhi1 = Math.expm1(hh);
        double bOfH = bh2 ? Math.expm1(hh) : hh;
        // b_k = k!·g_k / B(h) with g_1 = (e^hh − 1)/hh − 1, g_{k+1} = g_k/hh − 1/(k+1)! (paper eq. 8)
        double[] b = new double[order];
        double g = hPhi1 / hh - 1;
        double factorial = 1;
        for (int k = 1; k <= order; k++) {
            b[k - 1] = g * factorial / bOfH;
            factorial *= k + 1;
            g = g / hh - 1 / factorial;
        }
        double[][] rMatrix = new double[order][order];
        for (int row = 0; row < order; row++) {
            for (int col = 0; col < order; col++) {
                rMatrix[row][col] = Math.pow(rks[col], row);
            }
        }
        double alphaT = alpha(t);
        NDArray base =
                x.mul((float) (std(t) / std(s0))).sub(m0.mul((float) (alphaT * hPhi1)));
        NDArray predicted = base;
        if (!d1s.isEmpty()) {
            double[] rhoP = order == 2 ? new double[] {0.5} : solve(rMatrix, b, order - 1);
            NDArray res = null;
            for (int k = 0; k < d1s.size(); k++) {
                NDArray term = d1s.get(k).mul((float) rhoP[k]);
                res = res == null ? term : res.add(term);
            }
            predicted = base.sub(res.mul((float) (alphaT * bOfH)));
        }
        if (!corrector) {
            return new Update(predicted, null);
        }
        NDArray mt = model(r, predicted, t);
        double[] rhoC = order == 1 ? new double[] {0.5} : solve(rMatrix, b, order);
        NDArray res = mt.sub(m0).mul((float) rhoC[order - 1]);
        for (int k = 0; k < d1s.size(); k++) {
            res = res.add(d1s.get(k).mul((float) rhoC[k]));
        }
        return new Update(base.sub(res.mul((float) (alphaT * bOfH))), mt);
    }

    /** Solves the leading size×size block of a·x = b by Gaussian elimination with pivoting. */
    static double[] solve(double[][] a, double[] b, int size) {
        double[][] m = new double[size][size + 1];
        for (int i = 0; i < size; i++) {
            System.arraycopy(a[i], 0, m[i], 0, size);
            m[i][size] = b[i];
        }
        for (int col = 0; col < size; col++) {
            int pivot = col;
            for (int row = col + 1; row < size; row++) {
                if (Math.abs(m[row][col]) > Math.abs(m[pivot][col])) {
                    pivot = row;
                }
            }
            double[] tmp = m[col];
            m[col] = m[pivot];
            m[pivot] = tmp;
            for (int row = col + 1; row < size; row++) {
                double f = m[row][col] / m[col][col];
                for (int c = col; c <= size; c++) {
                    m[row][c] -= f * m[col][c];
                }
            }
        }
        double[] x = new double[size];
        for (int row = size - 1; row >= 0; row--) {
            double sum = m[row][size];
            for (int c = row + 1; c < size; c++) {
                sum -= m[row][c] * x[c];
            }
            x[row] = sum / m[row][row];
        }
        return x;
    }

    // log α = ½·log(1/(σ² + 1)), each operation rounded to float32 (see the class comment).
    private static float logAlpha(double sigma) {
        float s = (float) sigma;
        float inv = 1f / (s * s + 1f);
        return 0.5f * (float) Math.log(inv);
    }

    private static float oneMinusAlpha2(double sigma) {
        return 1f - (float) Math.exp(2f * logAlpha(sigma));
    }

    static double alpha(double sigma) {
        return (float) Math.exp(logAlpha(sigma));
    }

    static double std(double sigma) {
        return (float) Math.sqrt(oneMinusAlpha2(sigma));
    }

    static double lambda(double sigma) {
        return logAlpha(sigma) - 0.5f * (float) Math.log(oneMinusAlpha2(sigma));
    }
}
