package dev.noodle.engine.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.Locale;

/**
 * Group normalization (Wu &amp; He 2018, eq. 1–3): per sample and group of C/G channels, y = (x − μ)/√(σ² + ε)·γ + β
 * with the biased variance. Two interchangeable implementations: PyTorch's kernel through {@link TorchOps} (fast)
 * and pure DJL (mean/variance reductions). The system property {@code noodle.groupnorm=fallback} selects the pure
 * DJL path. Stateless and thread-safe; results are owned by x's manager.
 */
public final class GroupNorm {
    private GroupNorm() {}

    /** Whether the fused PyTorch kernel is used ({@code noodle.groupnorm} is not {@code fallback}). */
    public static boolean fast() {
        return !"fallback".equals(System.getProperty("noodle.groupnorm", "fast").trim().toLowerCase(Locale.ROOT));
    }

    /** Group norm with the configured path: x [B, C, ...], γ, β [C] → [B, C, ...]. */
    public static NDArray apply(NDArray x, int groups, NDArray gamma, NDArray beta, double eps) {
        return apply(x, groups, gamma, beta, eps, fast());
    }

    /** Group norm with an explicit path: x [B, C, ...], γ, β [C] → [B, C, ...]. */
    public static NDArray apply(NDArray x, int groups, NDArray gamma, NDArray beta, double eps, boolean fast) {
        check(x, groups, gamma);
        return fast ? TorchOps.groupNorm(x, groups, gamma, beta, eps) : fallback(x, groups, gamma, beta, eps, false);
    }

    /** Group norm followed by SiLU y·σ(y) (the "norm, act" pair of every LDM ResBlock): [B, C, ...] → [B, C, ...]. */
    public static NDArray applySilu(NDArray x, int groups, NDArray gamma, NDArray beta, double eps) {
        check(x, groups, gamma);
        return fast()
                ? TorchOps.groupNormSilu(x, groups, gamma, beta, eps)
                : fallback(x, groups, gamma, beta, eps, true);
    }

    private static void check(NDArray x, int groups, NDArray gamma) {
        long c = x.getShape().get(1);
        if (groups <= 0 || c % groups != 0 || gamma.getShape().size() != c) {
            throw new IllegalArgumentException("group norm: " + c + " channels (input " + x.getShape()
                    + ") cannot be split into " + groups + " groups with " + gamma.getShape() + " weights");
        }
    }

    static NDArray fallback(NDArray x, int groups, NDArray gamma, NDArray beta, double eps, boolean silu) {
        NDManager owner = x.getManager();
        Shape s = x.getShape();
        long b = s.get(0);
        long c = s.get(1);
        long[] affine = new long[s.dimension()];
        java.util.Arrays.fill(affine, 1);
        affine[1] = c;
        try (NDManager scope = owner.newSubManager()) {
            NDArray g = x.reshape(b, groups, -1); // [B, G, C/G·spatial]
            g.attach(scope);
            NDArray mean = g.mean(new int[] {2}, true); // [B, G, 1]
            NDArray centered = g.sub(mean);
            NDArray var = centered.square().mean(new int[] {2}, true); // biased variance
            NDArray norm = centered.div(var.add(eps).sqrt()).reshape(s); // [B, C, ...]
            NDArray y = norm.mul(gamma.reshape(new Shape(affine))).add(beta.reshape(new Shape(affine)));
            for (NDArray t : new NDArray[] {mean, centered, var, norm}) {
                t.attach(scope);
            }
            NDArray out = y;
            if (silu) {
                y.attach(scope);
                out = Activation.swish(y, 1f); // y·σ(y)
            }
            out.attach(owner);
            return out;
        }
    }
}
