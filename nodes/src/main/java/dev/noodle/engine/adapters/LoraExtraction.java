package dev.noodle.engine.adapters;

import java.util.Arrays;
import java.util.Random;

/**
 * Extracts a low-rank LoRA pair from a weight difference by truncated SVD, as ComfyUI's {@code LoraSave}
 * ({@code comfy_extras/nodes_lora_extract.py}) does. Stateless and thread-safe.
 *
 * <p>For ΔW [O, I] (a conv ΔW [O, I, kh, kw] is read as [O, I·kh·kw]) with ΔW = U·S·Vᵀ, the rank-r pair is
 * up = U_r·S_r [O, r] and down = V_rᵀ [r, I·kh·kw], so up·down is the best rank-r approximation of ΔW in the
 * Frobenius norm (Eckart–Young 1936): its error is sqrt(Σ_{i>r} σ_i²). The rank is capped at min(r, O, I), as
 * ComfyUI caps it. Conv pairs are written as up [O, r, 1, 1] and down [r, I, kh, kw].
 *
 * <p>The SVD is computed without LAPACK, in double precision, by subspace iteration with Rayleigh–Ritz (Golub &amp;
 * Van Loan, Matrix Computations, §8.2.4/§10): Q ← orth(A·Aᵀ·Q) with a deterministic start and twice-run modified
 * Gram–Schmidt, oversampled by max({@link #OVERSAMPLE}, r) columns, until the top Ritz values stop changing; the small
 * Ritz problem is solved by cyclic Jacobi rotations. Singular vector signs are fixed so that the largest entry of
 * each left singular vector is positive (LAPACK leaves the sign free), which makes the clamp below reproducible.
 *
 * <p>ComfyUI then clamps both factors to ±q, q the 0.99 quantile (linear interpolation, as {@code torch.quantile})
 * of all entries of up and down together; {@link #COMFY_CLAMP_QUANTILE} gives that, {@code Double.NaN} no clamp.
 */
public final class LoraExtraction {
    /** ComfyUI's {@code CLAMP_QUANTILE}. */
    public static final double COMFY_CLAMP_QUANTILE = 0.99;

    /** Extra subspace columns beyond the rank (at least this many, and at least the rank), for convergence speed. */
    static final int OVERSAMPLE = 10;

    /**
     * Iteration cap: a flat spectrum (pure noise) converges slowly, and there any r-dimensional subspace of nearly
     * equal singular values is as good; the Ritz values are then within a few percent.
     */
    private static final int MAX_ITERATIONS = 100;

    /** Convergence: the r leading Ritz values σ² change by less than this fraction of σ₀² between iterations. */
    private static final double TOLERANCE = 1e-12;

    private LoraExtraction() {}

    /**
     * A rank-r pair: up·down ≈ ΔW.
     *
     * @param up values of up, row-major, shape {@code upShape} ([O, r] or [O, r, 1, 1])
     * @param down values of down, row-major, shape {@code downShape} ([r, I] or [r, I, kh, kw])
     * @param singularValues the r leading singular values of ΔW, descending
     */
    public record Pair(float[] up, long[] upShape, float[] down, long[] downShape, double[] singularValues) {
        /** The rank r of the pair. */
        public int rank() {
            return singularValues.length;
        }
    }

    /**
     * Factorises a weight difference.
     *
     * @param diff ΔW values, row-major
     * @param shape [O, I] or [O, I, kh, kw]
     * @param rank the requested rank (≥ 1); capped at min(rank, O, I)
     * @param clampQuantile the clamp quantile in (0, 1], or {@code Double.NaN} for the exact truncated SVD
     * @throws IllegalArgumentException for other shapes or a rank below 1
     */
    public static Pair extract(float[] diff, long[] shape, int rank, double clampQuantile) {
        if (shape.length != 2 && shape.length != 4) {
            throw new IllegalArgumentException("LoRA extraction needs a 2-D or 4-D (conv) weight, got shape "
                    + Arrays.toString(shape));
        }
        if (rank < 1) {
            throw new IllegalArgumentException("rank must be at least 1, got " + rank);
        }
        int rows = Math.toIntExact(shape[0]);
        int cols = Math.toIntExact(diff.length / Math.max(1, shape[0]));
        int r = (int) Math.min(rank, Math.min(shape[0], shape[1]));
        double[] a = new double[diff.length];
        for (int i = 0; i < a.length; i++) {
            a[i] = diff[i];
        }
        double[] up = new double[rows * r]; // [O, r]
        double[] down = new double[r * cols]; // [r, C]
        double[] sigma;
        if (rows <= cols) {
            Svd s = leftSingular(a, rows, cols, r); // U [rows, r]
            sigma = s.sigma;
            for (int j = 0; j < r; j++) {
                // down_j = u_jᵀ·A / σ_j, up_j = σ_j·u_j (up·down = U·Uᵀ·A, the projection on the top-r subspace)
                double inv = sigma[j] > 0 ? 1 / sigma[j] : 0;
                for (int i = 0; i < rows; i++) {
                    double u = s.vectors[i * r + j];
                    up[i * r + j] = u * sigma[j];
                    if (u != 0) {
                        for (int c = 0; c < cols; c++) {
                            down[j * cols + c] += u * a[i * cols + c] * inv;
                        }
                    }
                }
            }
        } else {
            double[] at = transpose(a, rows, cols);
            Svd s = leftSingular(at, cols, rows, r); // right singular vectors of A: V [cols, r]
            sigma = s.sigma;
            for (int j = 0; j < r; j++) {
                for (int c = 0; c < cols; c++) {
                    down[j * cols + c] = s.vectors[c * r + j];
                }
                for (int i = 0; i < rows; i++) { // up_j = A·v_j = σ_j·u_j
                    double acc = 0;
                    for (int c = 0; c < cols; c++) {
                        acc += a[i * cols + c] * s.vectors[c * r + j];
                    }
                    up[i * r + j] = acc;
                }
            }
        }
        fixSigns(up, down, rows, cols, r);
        if (!Double.isNaN(clampQuantile)) {
            clamp(up, down, clampQuantile);
        }
        long[] upShape = shape.length == 2 ? new long[] {rows, r} : new long[] {rows, r, 1, 1};
        long[] downShape = shape.length == 2 ? new long[] {r, cols} : new long[] {r, shape[1], shape[2], shape[3]};
        return new Pair(toFloats(up), upShape, toFloats(down), downShape, sigma);
    }

    /** Flips each pair (up column, down row) so the largest-magnitude entry of the up column is positive. */
    private static void fixSigns(double[] up, double[] down, int rows, int cols, int r) {
        for (int j = 0; j < r; j++) {
            int best = 0;
            for (int i = 1; i < rows; i++) {
                if (Math.abs(up[i * r + j]) > Math.abs(up[best * r + j])) {
                    best = i;
                }
            }
            if (up[best * r + j] < 0) {
                for (int i = 0; i < rows; i++) {
                    up[i * r + j] = -up[i * r + j];
                }
                for (int c = 0; c < cols; c++) {
                    down[j * cols + c] = -down[j * cols + c];
                }
            }
        }
    }

    /** ComfyUI's clamp: both factors to ±(q-quantile of their joint entries), linear interpolation. */
    private static void clamp(double[] up, double[] down, double q) {
        double[] all = new double[up.length + down.length];
        System.arraycopy(up, 0, all, 0, up.length);
        System.arraycopy(down, 0, all, up.length, down.length);
        Arrays.sort(all);
        double pos = q * (all.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, all.length - 1);
        double limit = all[lo] + (pos - lo) * (all[hi] - all[lo]);
        for (double[] f : new double[][] {up, down}) {
            for (int i = 0; i < f.length; i++) {
                f[i] = Math.max(-limit, Math.min(limit, f[i]));
            }
        }
    }

    private record Svd(double[] vectors, double[] sigma) {}

    /**
     * The r leading left singular vectors [m, r] and values of A [m, n] (m ≤ n), by subspace iteration on A·Aᵀ
     * with Rayleigh–Ritz.
     */
    private static Svd leftSingular(double[] a, int m, int n, int r) {
        int l = Math.min(m, r + Math.max(OVERSAMPLE, r));
        double[] q = new double[m * l];
        Random rnd = new Random(0x5EEDL); // fixed start: the result is deterministic
        for (int i = 0; i < q.length; i++) {
            q[i] = rnd.nextGaussian();
        }
        orthonormalise(q, m, l);
        double[] previous = null;
        double[] values = null;
        double[] b = new double[n * l];
        for (int it = 0; it < MAX_ITERATIONS; it++) {
            // Rayleigh–Ritz on span(Q): T = Qᵀ·A·Aᵀ·Q = Bᵀ·B with B = Aᵀ·Q [n, l]
            multiplyTransposed(a, q, b, m, n, l);
            double[] t = gram(b, n, l);
            double[][] eig = jacobiEigen(t, l); // values descending, vectors [l, l]
            values = eig[0];
            q = multiply(q, eig[1], m, l, l); // Q·W: the Ritz vectors, ordered
            if (l == m || converged(previous, values, r)) {
                break;
            }
            previous = values;
            // power step: Q ← orth(A·(Aᵀ·Q)), with the B of the rotated Q
            multiplyTransposed(a, q, b, m, n, l);
            double[] y = new double[m * l];
            for (int i = 0; i < m; i++) {
                for (int c = 0; c < n; c++) {
                    double v = a[i * n + c];
                    if (v != 0) {
                        for (int j = 0; j < l; j++) {
                            y[i * l + j] += v * b[c * l + j];
                        }
                    }
                }
            }
            orthonormalise(y, m, l);
            q = y;
        }
        double[] u = new double[m * r];
        double[] sigma = new double[r];
        for (int j = 0; j < r; j++) {
            sigma[j] = Math.sqrt(Math.max(0, values[j]));
            for (int i = 0; i < m; i++) {
                u[i * r + j] = q[i * l + j];
            }
        }
        return new Svd(u, sigma);
    }

    private static boolean converged(double[] previous, double[] values, int r) {
        if (previous == null) {
            return false;
        }
        double scale = Math.max(values[0], Double.MIN_NORMAL);
        for (int j = 0; j < r; j++) {
            if (Math.abs(values[j] - previous[j]) > TOLERANCE * scale) {
                return false;
            }
        }
        return true;
    }

    /** B = Aᵀ·Q: A [m, n], Q [m, l], B [n, l] (overwritten). */
    private static void multiplyTransposed(double[] a, double[] q, double[] b, int m, int n, int l) {
        Arrays.fill(b, 0);
        for (int i = 0; i < m; i++) {
            for (int c = 0; c < n; c++) {
                double v = a[i * n + c];
                if (v != 0) {
                    for (int j = 0; j < l; j++) {
                        b[c * l + j] += v * q[i * l + j];
                    }
                }
            }
        }
    }

    /** Bᵀ·B for B [n, l]. */
    private static double[] gram(double[] b, int n, int l) {
        double[] t = new double[l * l];
        for (int c = 0; c < n; c++) {
            for (int i = 0; i < l; i++) {
                double v = b[c * l + i];
                for (int j = i; j < l; j++) {
                    t[i * l + j] += v * b[c * l + j];
                }
            }
        }
        for (int i = 0; i < l; i++) {
            for (int j = 0; j < i; j++) {
                t[i * l + j] = t[j * l + i];
            }
        }
        return t;
    }

    /** X [m, k] · W [k, l]. */
    private static double[] multiply(double[] x, double[] w, int m, int k, int l) {
        double[] out = new double[m * l];
        for (int i = 0; i < m; i++) {
            for (int p = 0; p < k; p++) {
                double v = x[i * k + p];
                for (int j = 0; j < l; j++) {
                    out[i * l + j] += v * w[p * l + j];
                }
            }
        }
        return out;
    }

    /** Orthonormalises the columns of Y [m, l] in place by modified Gram–Schmidt run twice; null columns stay 0. */
    private static void orthonormalise(double[] y, int m, int l) {
        for (int pass = 0; pass < 2; pass++) {
            for (int j = 0; j < l; j++) {
                for (int p = 0; p < j; p++) {
                    double dot = 0;
                    for (int i = 0; i < m; i++) {
                        dot += y[i * l + p] * y[i * l + j];
                    }
                    for (int i = 0; i < m; i++) {
                        y[i * l + j] -= dot * y[i * l + p];
                    }
                }
                double norm = 0;
                for (int i = 0; i < m; i++) {
                    norm += y[i * l + j] * y[i * l + j];
                }
                norm = Math.sqrt(norm);
                for (int i = 0; i < m; i++) {
                    y[i * l + j] = norm > 1e-300 ? y[i * l + j] / norm : 0;
                }
            }
        }
    }

    /**
     * Eigen-decomposition of a symmetric matrix T [l, l] by cyclic Jacobi rotations (Golub &amp; Van Loan §8.5).
     *
     * @return {values descending, vectors [l, l] with column j the eigenvector of values[j]}
     */
    static double[][] jacobiEigen(double[] t, int l) {
        double[] s = t.clone();
        double[] v = new double[l * l];
        for (int i = 0; i < l; i++) {
            v[i * l + i] = 1;
        }
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            double total = 0;
            for (int i = 0; i < l; i++) {
                for (int j = 0; j < l; j++) {
                    total += s[i * l + j] * s[i * l + j];
                    if (i != j) {
                        off += s[i * l + j] * s[i * l + j];
                    }
                }
            }
            if (off <= 1e-30 * total || off == 0) {
                break;
            }
            for (int p = 0; p < l - 1; p++) {
                for (int q = p + 1; q < l; q++) {
                    double apq = s[p * l + q];
                    if (apq == 0) {
                        continue;
                    }
                    double theta = (s[q * l + q] - s[p * l + p]) / (2 * apq);
                    double tan = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        tan = 1;
                    }
                    double c = 1 / Math.sqrt(tan * tan + 1);
                    double sn = tan * c;
                    for (int k = 0; k < l; k++) { // S ← S·J
                        double kp = s[k * l + p];
                        double kq = s[k * l + q];
                        s[k * l + p] = c * kp - sn * kq;
                        s[k * l + q] = sn * kp + c * kq;
                    }
                    for (int k = 0; k < l; k++) { // S ← Jᵀ·S
                        double pk = s[p * l + k];
                        double qk = s[q * l + k];
                        s[p * l + k] = c * pk - sn * qk;
                        s[q * l + k] = sn * pk + c * qk;
                    }
                    for (int k = 0; k < l; k++) { // V ← V·J
                        double kp = v[k * l + p];
                        double kq = v[k * l + q];
                        v[k * l + p] = c * kp - sn * kq;
                        v[k * l + q] = sn * kp + c * kq;
                    }
                }
            }
        }
        Integer[] order = new Integer[l];
        for (int i = 0; i < l; i++) {
            order[i] = i;
        }
        double[] diag = new double[l];
        for (int i = 0; i < l; i++) {
            diag[i] = s[i * l + i];
        }
        Arrays.sort(order, (x, y) -> Double.compare(diag[y], diag[x]));
        double[] values = new double[l];
        double[] vectors = new double[l * l];
        for (int j = 0; j < l; j++) {
            values[j] = diag[order[j]];
            for (int i = 0; i < l; i++) {
                vectors[i * l + j] = v[i * l + order[j]];
            }
        }
        return new double[][] {values, vectors};
    }

    private static double[] transpose(double[] a, int rows, int cols) {
        double[] t = new double[a.length];
        for (int i = 0; i < rows; i++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + i] = a[i * cols + c];
            }
        }
        return t;
    }

    private static float[] toFloats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }
}
