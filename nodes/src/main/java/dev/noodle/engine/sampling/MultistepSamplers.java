package dev.noodle.engine.sampling;

import ai.djl.ndarray.NDArray;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;

/**
 * Multistep samplers that reuse earlier model outputs, as ComfyUI ships them in k-diffusion's
 * sampling module: iPNDM, iPNDM-v and DEIS (after zju-pi/diff-sampler), RES multistep and gradient
 * estimation (with their ancestral and CFG++ forms).
 *
 * <p>Each keeps the last few slopes (or denoised estimates) and combines them with the current one;
 * the first steps run at lower order while the history fills. Deterministic apart from the ancestral
 * RES form's noise; scalar coefficients in double. Stateless.
 */
final class MultistepSamplers {
    /** Fixed Adams–Bashforth weights (current slope first) for orders 1–4 (Zhang &amp; Chen 2023, iPNDM). */
    private static final double[][] ADAMS_BASHFORTH = {
        {1},
        {3 / 2.0, -1 / 2.0},
        {23 / 12.0, -16 / 12.0, 5 / 12.0},
        {55 / 24.0, -59 / 24.0, 37 / 24.0, -9 / 24.0}
    };

    /** Riemann points of DEIS's tabulated coefficient integral (ComfyUI's N = 10000). */
    private static final int DEIS_POINTS = 10000;

    private MultistepSamplers() {}

    /**
     * iPNDM (fixed-step Adams–Bashforth up to order 4 in σ) or, with {@code variable}, iPNDM-v whose
     * weights follow the actual σ spacing. The step into σ = 0 returns the denoised estimate.
     */
    static void ipndm(SamplerRun r, boolean variable) {
        int maxOrder = 4;
        run(
                r,
                maxOrder,
                (i, order) -> {
                    double dt = r.s(i + 1) - r.s(i);
                    double[] w =
                            variable ? ipndmVWeights(r.sigmas, i, order) : ADAMS_BASHFORTH[order - 1];
                    double[] c = new double[w.length];
                    for (int j = 0; j < w.length; j++) {
                        c[j] = w[j] * dt;
                    }
                    return c;
                },
                true);
    }

    /**
     * DEIS (Zhang &amp; Chen 2023, "Fast Sampling of Diffusion Models with Exponential Integrator"),
     * ComfyUI's "tab" mode of order 3: the ODE is integrated in VP time t with the slope history
     * interpolated by a Lagrange polynomial in t; the last step into σ = 0 is an Euler step.
     */
    static void deis(SamplerRun r) {
        int maxOrder = 3;
        double[][] coeffs = deisCoefficients(r.sigmas, maxOrder);
        run(
                r,
                maxOrder,
                (i, order) -> order == 1 ? new double[] {r.s(i + 1) - r.s(i)} : coeffs[i],
                false);
    }

    /**
     * RES multistep (Zhang et al. 2023, "Improved Order Analysis and Design of Exponential Integrator
     * for Diffusion Models Sampling", arXiv 2308.02157), ComfyUI's {@code res_multistep} family: with
     * (σ_down, σ_up) the ancestral split of the step (η = 1 for {@code ancestral}, else (σ_{i+1}, 0)),
     * t = −log σ, h = t(σ_down) − t_i and c₂ = (t_{i−1} − t(σ_down,{i−1}))/h,
     * x ← e^{−h}·x + h·(b₁·D_i + b₂·D_{i−1}) + σ_up·z, b₁ = φ₁(−h) − φ₂(−h)/c₂, b₂ = φ₂(−h)/c₂ (φ₁(z) =
     * (e^z − 1)/z, φ₂(z) = (φ₁(z) − 1)/z, NaN coefficients taken as 0). The first step and the step to
     * σ_down = 0 are Euler steps. The CFG++ forms ({@code cfgPp}, Chung et al. 2024) integrate the
     * unconditional estimates D_u instead, after adding the guidance vector D_c − D_u to x, and take
     * their Euler steps as x ← D_c + σ_down·(x − D_u)/σ_i.
     */
    static void resMultistep(SamplerRun r, boolean ancestral, boolean cfgPp) {
        NDArray old = null;
        double oldDown = Double.NaN;
        try {
            for (int i = 0; i < r.total(); i++) {
                r.begin(i);
                if (old != null) {
                    r.use(old);
                }
                double s = r.s(i);
                double sn = r.s(i + 1);
                Denoiser.Guided g = cfgPp ? r.guided(r.x, s) : null;
                NDArray den = cfgPp ? g.denoised() : r.denoise(r.x, s);
                NDArray un = cfgPp ? g.uncond() : den; // the estimate the integrator follows
                double[] du = ancestral ? Samplers.ancestral(s, sn) : new double[] {sn, 0};
                r.report(i, den);
                NDArray next;
                if (du[0] == 0 || old == null) {
                    next =
                            cfgPp
                                    ? den.add(Samplers.toD(r.x, un, s).mul((float) du[0]))
                                    : r.x.add(Samplers.toD(r.x, den, s).mul((float) (du[0] - s)));
                } else {
                    double t = -Math.log(s);
                    double h = -Math.log(du[0]) - t;
                    double c2 = (-Math.log(r.s(i - 1)) + Math.log(oldDown)) / h;
                    double phi1 = Math.expm1(-h) / -h;
                    double phi2 = (phi1 - 1) / -h;
                    double b1 = zeroIfNaN(phi1 - phi2 / c2);
                    double b2 = zeroIfNaN(phi2 / c2);
                    NDArray base = cfgPp ? r.x.add(den.sub(un)) : r.x;
                    next =
                            base.mul((float) Math.exp(-h))
                                    .add(un.mul((float) (h * b1)))
                                    .add(old.mul((float) (h * b2)));
                }
                if (ancestral && sn > 0) {
                    next = next.add(r.noise(s, sn).mul((float) du[1]));
                }
                NDArray kept = r.keep(un);
                r.end(next);
                if (old != null) {
                    old.close();
                }
                old = kept;
                oldDown = du[0];
            }
        } finally {
            if (old != null) {
                old.close();
            }
        }
    }

    private static double zeroIfNaN(double v) {
        return Double.isNaN(v) ? 0 : v;
    }

    /**
     * Gradient estimation (Permenter &amp; Yuan 2024, "Interpreting and Improving Diffusion Models from
     * an Optimization Perspective"), ComfyUI's {@code sample_gradient_estimation} with γ = 2: an Euler
     * step (the step into σ = 0 lands on D) plus, after the first step, (γ − 1)·(d_i − d_{i−1})·(σ_{i+1}
     * − σ_i). The CFG++ form ({@code cfgPp}) takes d = (x − D_u)/σ and lands its Euler step on D_c +
     * σ_{i+1}·d.
     */
    static void gradientEstimation(SamplerRun r, boolean cfgPp) {
        double gamma = 2.0;
        NDArray old = null;
        try {
            for (int i = 0; i < r.total(); i++) {
                r.begin(i);
                if (old != null) {
                    r.use(old);
                }
                double s = r.s(i);
                double sn = r.s(i + 1);
                Denoiser.Guided g = cfgPp ? r.guided(r.x, s) : null;
                NDArray den = cfgPp ? g.denoised() : r.denoise(r.x, s);
                NDArray d = Samplers.toD(r.x, cfgPp ? g.uncond() : den, s);
                r.report(i, den);
                float dt = (float) (sn - s);
                NDArray next;
                if (sn == 0) {
                    next = den;
                } else {
                    next = cfgPp ? den.add(d.mul((float) sn)) : r.x.add(d.mul(dt));
                }
                if (old != null) {
                    next = next.add(d.sub(old).mul((float) ((gamma - 1) * dt)));
                }
                NDArray kept = r.keep(d);
                r.end(next);
                if (old != null) {
                    old.close();
                }
                old = kept;
            }
        } finally {
            if (old != null) {
                old.close();
            }
        }
    }

    /** Per-step weights, current slope first, already multiplied by the step size. */
    private interface Weights {
        double[] at(int i, int order);
    }

    private static void run(SamplerRun r, int maxOrder, Weights weights, boolean denoisedAtZero) {
        Deque<NDArray> history = new ArrayDeque<>(); // oldest first
        try {
            for (int i = 0; i < r.total(); i++) {
                r.begin(i);
                for (NDArray old : history) {
                    r.use(old);
                }
                double s = r.s(i);
                NDArray den = r.denoise(r.x, s);
                NDArray d = Samplers.toD(r.x, den, s);
                r.report(i, den);
                int order = Math.min(maxOrder, i + 1);
                if (r.s(i + 1) <= 0) {
                    order = 1;
                }
                NDArray next;
                if (r.s(i + 1) == 0 && denoisedAtZero) {
                    next = den;
                } else {
                    double[] c = weights.at(i, order);
                    List<NDArray> newestFirst = new ArrayList<>(history);
                    Collections.reverse(newestFirst);
                    NDArray sum = d.mul((float) c[0]);
                    for (int j = 1; j < order; j++) {
                        sum = sum.add(newestFirst.get(j - 1).mul((float) c[j]));
                    }
                    next = r.x.add(sum);
                }
                history.addLast(r.keep(d));
                NDArray dropped = history.size() > maxOrder - 1 ? history.removeFirst() : null;
                r.end(next);
                if (dropped != null) {
                    dropped.close();
                }
            }
        } finally {
            history.forEach(NDArray::close);
        }
    }

    /**
     * iPNDM-v weights (current slope first) for step i: Adams–Bashforth on the variable σ grid,
     * with h_n = σ_{i+1} − σ_i and h_{n−k} the earlier σ steps.
     */
    static double[] ipndmVWeights(float[] t, int i, int order) {
        if (order == 1) {
            return new double[] {1};
        }
        double h = (double) t[i + 1] - t[i];
        double h1 = (double) t[i] - t[i - 1];
        double c1 = (2 + h / h1) / 2;
        double c2 = -(h / h1) / 2;
        if (order == 2) {
            return new double[] {c1, c2};
        }
        double h2 = (double) t[i - 1] - t[i - 2];
        double temp1 = (1 - h / (3 * (h + h1)) * (h * (h + h1)) / (h1 * (h1 + h2))) / 2;
        if (order == 3) {
            return new double[] {c1 + temp1, c2 - (1 + h1 / h2) * temp1, temp1 * h1 / h2};
        }
        double h3 = (double) t[i - 2] - t[i - 3];
        double temp2 =
                ((1 - h / (3 * (h + h1))) / 2 + (1 - h / (2 * (h + h1))) * h / (6 * (h + h1 + h2)))
                        * (h * (h + h1) * (h + h1 + h2))
                        / (h1 * (h1 + h2) * (h1 + h2 + h3));
        double ratio = h1 * (h1 + h2) / (h2 * (h2 + h3));
        return new double[] {
            c1 + temp1 + temp2,
            c2 - (1 + h1 / h2) * temp1 - (1 + h1 / h2 + ratio) * temp2,
            temp1 * h1 / h2 + (h1 / h2 + ratio * (1 + h2 / h3)) * temp2,
            -temp2 * ratio * h1 / h2
        };
    }

    /**
     * DEIS "tab" coefficients per step (null where the step is first order): σ maps to VP time
     * t(σ) = (√(β_min² + 2β_d·ln(σ²+1)) − β_min) / β_d for EDM's σ ∈ [0.002, 80], ε_s = 1e-3; the
     * weight of slope j is Σ_q g(τ_q)·ℓ_j(τ_q)·Δτ over N points τ_q = linspace(t_i, t_{i+1}, N),
     * Δτ = (t_{i+1} − t_i)/N, with g(τ) = ½·(β_0 + τ(β_1 − β_0)) / √(α(1 − α)), α = exp(−½τ²(β_1 −
     * β_0) − τβ_0) and ℓ_j the Lagrange basis on the last {@code order} t values.
     */
    static double[][] deisCoefficients(float[] sigmas, int maxOrder) {
        double eps = 1e-3;
        double lmin = Math.log(0.002 * 0.002 + 1);
        double lmax = Math.log(80.0 * 80.0 + 1);
        double betaD = 2 * (lmin / eps - lmax) / (eps - 1);
        double betaMin = lmax - 0.5 * betaD;
        double beta0 = betaMin;
        double beta1 = betaD + betaMin;
        double[] t = new double[sigmas.length];
        for (int k = 0; k < sigmas.length; k++) {
            double s = sigmas[k];
            t[k] = (Math.sqrt(betaMin * betaMin + 2 * betaD * Math.log(s * s + 1)) - betaMin) / betaD;
        }
        double[][] out = new double[sigmas.length - 1][];
        for (int i = 0; i < sigmas.length - 1; i++) {
            int order = Math.min(i + 1, maxOrder);
            if (order == 1 || sigmas[i + 1] <= 0) {
                continue;
            }
            double[] prev = new double[order];
            for (int k = 0; k < order; k++) {
                prev[k] = t[i - k];
            }
            double a = t[i];
            double b = t[i + 1];
            double dtau = (b - a) / DEIS_POINTS;
            double[] c = new double[order];
            for (int q = 0; q < DEIS_POINTS; q++) {
                double tau = a + (b - a) * q / (DEIS_POINTS - 1);
                double alpha = Math.exp(-0.5 * tau * tau * (beta1 - beta0) - tau * beta0);
                double g = 0.5 * (beta0 + tau * (beta1 - beta0)) / Math.sqrt(alpha * (1 - alpha));
                for (int j = 0; j < order; j++) {
                    double poly = 1;
                    for (int k = 0; k < order; k++) {
                        if (k != j) {
                            poly *= (tau - prev[k]) / (prev[j] - prev[k]);
                        }
                    }
                    c[j] += g * poly * dtau;
                }
            }
            out[i] = c;
        }
        return out;
    }
}
