package dev.noodle.engine.sampling;

/**
 * The Beta(α, β) distribution's cumulative distribution function and its inverse, in double precision.
 *
 * <p>The CDF is the regularized incomplete beta function I_x(α, β), evaluated by its continued fraction (DLMF 8.17.22)
 * with the modified Lentz method, using the symmetry I_x(α, β) = 1 − I_{1−x}(β, α) where the fraction converges slowly
 * (DLMF 8.17.4). The inverse is found by bisection, which the CDF's monotonicity makes safe for every α, β &gt; 0.
 * Stateless and thread-safe.
 */
public final class BetaDistribution {
    private static final double EPS = 1e-16;
    private static final double TINY = 1e-300;

    private BetaDistribution() {}

    /** I_x(α, β): the probability that a Beta(α, β) variable is at most {@code x}. */
    public static double cdf(double x, double alpha, double beta) {
        requireShape(alpha, beta);
        if (x <= 0) {
            return 0;
        }
        if (x >= 1) {
            return 1;
        }
        // x^α (1−x)^β / (α B(α, β)), the prefactor of DLMF 8.17.22
        double logFront = alpha * Math.log(x) + beta * Math.log1p(-x) - logBeta(alpha, beta);
        if (x < (alpha + 1) / (alpha + beta + 2)) {
            return Math.exp(logFront) * continuedFraction(x, alpha, beta) / alpha;
        }
        return 1 - Math.exp(logFront) * continuedFraction(1 - x, beta, alpha) / beta;
    }

    /** The quantile: the x in [0, 1] with I_x(α, β) = p, to within 1e-15 in x (scipy's {@code beta.ppf}). */
    public static double ppf(double p, double alpha, double beta) {
        requireShape(alpha, beta);
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("probability must be in [0, 1], got " + p);
        }
        if (p == 0 || p == 1) {
            return p;
        }
        if (p == 0.5 && alpha == beta) {
            return 0.5; // exact by symmetry; the beta scheduler rounds t·(T−1), so a tie must not drift below
        }
        double lo = 0;
        double hi = 1;
        while (hi - lo > 1e-15) {
            double mid = 0.5 * (lo + hi);
            if (cdf(mid, alpha, beta) < p) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return 0.5 * (lo + hi);
    }

    /** The continued fraction of DLMF 8.17.22 (without its prefactor), by the modified Lentz method. */
    private static double continuedFraction(double x, double a, double b) {
        double c = 1;
        double d = 1 - (a + b) * x / (a + 1);
        d = 1 / (Math.abs(d) < TINY ? TINY : d);
        double h = d;
        for (int m = 1; m <= 10_000; m++) {
            int m2 = 2 * m;
            // even term d_{2m} = m (b − m) x / ((a + 2m − 1)(a + 2m))
            double num = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
            d = 1 + num * d;
            c = 1 + num / c;
            d = 1 / (Math.abs(d) < TINY ? TINY : d);
            c = Math.abs(c) < TINY ? TINY : c;
            h *= d * c;
            // odd term d_{2m+1} = −(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1))
            num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
            d = 1 + num * d;
            c = 1 + num / c;
            d = 1 / (Math.abs(d) < TINY ? TINY : d);
            c = Math.abs(c) < TINY ? TINY : c;
            double delta = d * c;
            h *= delta;
            if (Math.abs(delta - 1) < EPS) {
                return h;
            }
        }
        return h;
    }

    /** log B(α, β) = log Γ(α) + log Γ(β) − log Γ(α + β). */
    private static double logBeta(double a, double b) {
        return logGamma(a) + logGamma(b) - logGamma(a + b);
    }

    /** log Γ(x) for x &gt; 0 by the Lanczos approximation (g = 7, n = 9), accurate to about 1e-15. */
    static double logGamma(double x) {
        if (x < 0.5) {
            // reflection: Γ(x) Γ(1 − x) = π / sin(πx)
            return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
        }
        double[] g = {
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
            1.5056327351493116e-7
        };
        double z = x - 1;
        double sum = g[0];
        for (int i = 1; i < g.length; i++) {
            sum += g[i] / (z + i);
        }
        double t = z + 7.5;
        return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
    }

    private static void requireShape(double alpha, double beta) {
        if (!(alpha > 0 && beta > 0 && Double.isFinite(alpha) && Double.isFinite(beta))) {
            throw new IllegalArgumentException(
                    "Beta distribution needs alpha > 0 and beta > 0, got alpha=" + alpha + ", beta=" + beta);
        }
    }
}
