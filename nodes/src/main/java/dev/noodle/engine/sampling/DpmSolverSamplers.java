package dev.noodle.engine.sampling;

import ai.djl.ndarray.NDArray;

/**
 * DPM-Solver++ family (Lu et al. 2022, "DPM-Solver++: Fast Solver for Guided Sampling of Diffusion
 * Probabilistic Models") in k-diffusion's σ form with t = −log σ, α = 1; η, s_noise, r and the
 * 2M SDE solver type come from {@link SamplerOptions} (ComfyUI's defaults: η = 1, r = 1/2).
 */
final class DpmSolverSamplers {
    private DpmSolverSamplers() {}

    // DPM-Solver++(2S) with ancestral noise.
    static void dpmpp2sAncestral(SamplerRun r, SamplerOptions o) {
        for (int i = 0; i < r.total(); i++) {
            r.begin(i);
            double s = r.s(i);
            double sn = r.s(i + 1);
            NDArray den = r.denoise(r.x, s);
            double[] du = Samplers.ancestral(s, sn, o.eta());
            r.report(i, den);
            NDArray next;
            if (du[0] == 0) {
                NDArray d = Samplers.toD(r.x, den, s);
                next = r.x.add(d.mul((float) (du[0] - s)));
            } else {
                double t = -Math.log(s);
                double tn = -Math.log(du[0]);
                double h = tn - t;
                double sMid = Math.exp(-(t + 0.5 * h));
                NDArray x2 =
                        r.x.mul((float) (sMid / s)).sub(den.mul((float) Math.expm1(-0.5 * h)));
                NDArray den2 = r.denoise(x2, sMid);
                next = r.x.mul((float) (du[0] / s)).sub(den2.mul((float) Math.expm1(-h)));
            }
            if (sn > 0) {
                next = next.add(r.noise(s, sn).mul((float) (o.sNoise() * du[1])));
            }
            r.end(next);
        }
    }

    /**
     * DPM-Solver++ (stochastic, 2 stages per step), noise from a Brownian path in σ: a first stage
     * to λ_s + r·h, then the full step with D mixed as (1 − 1/(2r))·D + 1/(2r)·D₂; each stage is an
     * ancestral step of strength η, its noise scaled by s_noise and drawn only when η and s_noise are
     * positive.
     */
    static void dpmppSde(SamplerRun r, SamplerOptions o) {
        boolean inject = o.eta() > 0 && o.sNoise() > 0;
        double fac = 1 / (2 * o.r());
        for (int i = 0; i < r.total(); i++) {
            r.begin(i);
            double s = r.s(i);
            double sn = r.s(i + 1);
            NDArray den = r.denoise(r.x, s);
            r.report(i, den);
            if (sn == 0) {
                r.end(den);
                continue;
            }
            double ls = -Math.log(s);
            double h = -Math.log(sn) - ls;
            double s1 = Math.exp(-(ls + o.r() * h));
            double[] du = Samplers.ancestral(s, s1, o.eta());
            double hh = -Math.log(du[0]) - ls;
            NDArray x2 = r.x.mul((float) Math.exp(-hh)).sub(den.mul((float) Math.expm1(-hh)));
            if (inject) {
                x2 = x2.add(r.noise(s, s1).mul((float) (o.sNoise() * du[1])));
            }
            NDArray den2 = r.denoise(x2, s1);
            du = Samplers.ancestral(s, sn, o.eta());
            hh = -Math.log(du[0]) - ls;
            NDArray mix = fac == 1 ? den2 : den.mul((float) (1 - fac)).add(den2.mul((float) fac));
            NDArray next = r.x.mul((float) Math.exp(-hh)).sub(mix.mul((float) Math.expm1(-hh)));
            if (inject) {
                next = next.add(r.noise(s, sn).mul((float) (o.sNoise() * du[1])));
            }
            r.end(next);
        }
    }

    // DPM-Solver++(2M): second-order multistep on the denoised estimates.
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
                NDArray den = r.denoise(r.x, s);
                r.report(i, den);
                NDArray next;
                if (sn == 0) {
                    next = den;
                } else {
                    double h = Math.log(s) - Math.log(sn);
                    NDArray dd = den;
                    if (old != null) {
                        double hLast = Math.log(r.s(i - 1)) - Math.log(s);
                        double rr = hLast / h;
                        dd = den.mul((float) (1 + 1 / (2 * rr))).sub(old.mul((float) (1 / (2 * rr))));
                    }
                    next = r.x.mul((float) (sn / s)).sub(dd.mul((float) Math.expm1(-h)));
                }
                NDArray kept = next == den ? den : r.keep(den);
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

    // DPM-Solver++(2M) SDE, midpoint or Heun correction, strength η, noise·s_noise.
    static void dpmpp2mSde(SamplerRun r, SamplerOptions o, boolean heun) {
        double eta = o.eta();
        boolean inject = eta > 0 && o.sNoise() > 0;
        NDArray old = null;
        double hLast = Double.NaN;
        try {
            for (int i = 0; i < r.total(); i++) {
                r.begin(i);
                if (old != null) {
                    r.use(old);
                }
                double s = r.s(i);
                double sn = r.s(i + 1);
                NDArray den = r.denoise(r.x, s);
                r.report(i, den);
                NDArray next;
                double h = hLast;
                if (sn == 0) {
                    next = den;
                } else {
                    h = Math.log(s) - Math.log(sn);
                    double hEta = h * (eta + 1);
                    double oneMinus = -Math.expm1(-hEta);
                    next = r.x.mul((float) (sn / s * Math.exp(-h * eta))).add(den.mul((float) oneMinus));
                    if (old != null) {
                        double inv = h / hLast;
                        double c = heun ? (oneMinus / -hEta + 1) * inv : 0.5 * oneMinus * inv;
                        next = next.add(den.sub(old).mul((float) c));
                    }
                    if (inject) {
                        double ns = sn * Math.sqrt(-Math.expm1(-2 * h * eta)) * o.sNoise();
                        next = next.add(r.noise(s, sn).mul((float) ns));
                    }
                }
                NDArray kept = next == den ? den : r.keep(den);
                r.end(next);
                if (old != null) {
                    old.close();
                }
                old = kept;
                hLast = h;
            }
        } finally {
            if (old != null && old != r.x) {
                old.close();
            }
        }
    }

    // DPM-Solver++(3M) SDE, strength η, noise·s_noise.
    static void dpmpp3mSde(SamplerRun r, SamplerOptions o) {
        double eta = o.eta();
        boolean inject = eta > 0 && o.sNoise() > 0;
        NDArray d1 = null;
        NDArray d2 = null;
        double h = Double.NaN;
        double h1 = Double.NaN;
        double h2 = Double.NaN;
        try {
            for (int i = 0; i < r.total(); i++) {
                r.begin(i);
                if (d1 != null) {
                    r.use(d1);
                }
                if (d2 != null) {
                    r.use(d2);
                }
                double s = r.s(i);
                double sn = r.s(i + 1);
                NDArray den = r.denoise(r.x, s);
                r.report(i, den);
                NDArray next;
                if (sn == 0) {
                    next = den;
                } else {
                    h = Math.log(s) - Math.log(sn);
                    double hEta = h * (eta + 1);
                    double phi1 = -Math.expm1(-hEta);
                    next = r.x.mul((float) (sn / s * Math.exp(-h * eta))).add(den.mul((float) phi1));
                    double phi2 = Math.expm1(-hEta) / hEta + 1;
                    if (!Double.isNaN(h2)) {
                        double r0 = h1 / h;
                        double r1 = h2 / h;
                        NDArray a0 = den.sub(d1).div((float) r0);
                        NDArray a1 = d1.sub(d2).div((float) r1);
                        NDArray dd1 = a0.add(a0.sub(a1).mul((float) (r0 / (r0 + r1))));
                        NDArray dd2 = a0.sub(a1).div((float) (r0 + r1));
                        double phi3 = phi2 / hEta - 0.5;
                        next = next.add(dd1.mul((float) phi2)).sub(dd2.mul((float) phi3));
                    } else if (!Double.isNaN(h1)) {
                        NDArray dd = den.sub(d1).div((float) (h1 / h));
                        next = next.add(dd.mul((float) phi2));
                    }
                    if (inject) {
                        double ns = sn * Math.sqrt(-Math.expm1(-2 * h * eta)) * o.sNoise();
                        next = next.add(r.noise(s, sn).mul((float) ns));
                    }
                }
                NDArray kept = next == den ? den : r.keep(den);
                r.end(next);
                if (d2 != null) {
                    d2.close();
                }
                d2 = d1;
                d1 = kept;
                h2 = h1;
                h1 = h;
            }
        } finally {
            if (d1 != null && d1 != r.x) {
                d1.close();
            }
            if (d2 != null && d2 != r.x) {
                d2.close();
            }
        }
    }
}
