package dev.noodle.engine.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

/**
 * Group normalization (Wu &amp; He 2018, eq. 1–3): per sample and group of C/G channels, y = (x − μ)/√(σ² + ε)·γ + β
 * with the biased variance. Two interchangeable implementations: PyTorch's kernel through {@link TorchOps} (fast)
 * and pure DJL (mean/variance reductions); callers pass the {@link Mode}, normally {@link EngineOptions#groupNorm()}
 * of the model's target. Stateless and thread-safe; results are owned by x's manager.
 */
public final class GroupNorm {
    private GroupNorm() {}

    /** Which implementation computes group norm. */
    public enum Mode {
        /** PyTorch's fused kernel through {@link TorchOps}. */
        FAST,
        /** Pure DJL mean/variance reductions. */
        FALLBACK
    }

    /** Group norm with the given implementation: x [B, C, ...], γ, β [C] → [B, C, ...]. */
    public static NDArray apply(NDArray x, int groups, NDArray gamma, NDArray beta, double eps, Mode mode) {
        check(x, groups, gamma);
        return mode == Mode.FAST
                ? TorchOps.groupNorm(x, groups, gamma, beta, eps)
                : fallback(x, groups, gamma, beta, eps, false);
    }

    /** Group norm followed by SiLU y·σ(y) (the "norm, act" pair of every LDM ResBlock): [B, C, ...] → [B, C, ...]. */
    public static NDArray applySilu(NDArray x, int groups, NDArray gamma, NDArray beta, double eps, Mode mode) {
        check(x, groups, gamma);
        return mode == Mode.FAST
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
