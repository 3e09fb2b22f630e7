package dev.noodle.engine.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import java.util.function.Supplier;

/**
 * The few tensor operations the VAE needs, on plain DJL ops (fp32, CPU or GPU).
 *
 * <p>Every method returns a new array in the input's manager and frees its own temporaries. Stateless and
 * thread-safe.
 */
final class VaeOps {
    /** Largest attention score block (elements) computed at once: 2^24 floats = 64 MiB. */
    static final long MAX_SCORE_ELEMENTS = 1L << 24;

    private VaeOps() {}

    /**
     * Runs {@code body} in an {@link NDScope}: every array it creates is closed except the returned one, which is
     * handed to the enclosing scope (if any) so that nested scopes still free it.
     */
    static NDArray scoped(Supplier<NDArray> body) {
        NDArray result;
        try (NDScope scope = new NDScope()) {
            result = body.get();
            NDScope.unregister(result);
        }
        NDScope.register(result);
        return result;
    }

    /** 2-D convolution, stride 1, "same" padding for odd kernels. x [B, Cin, H, W], w [Cout, Cin, k, k]. */
    static NDArray conv(NDArray x, NDArray w, NDArray b) {
        long k = w.getShape().get(2);
        long p = k / 2;
        return Conv2d.conv2d(x, w, b, new Shape(1, 1), new Shape(p, p), new Shape(1, 1), 1).singletonOrThrow();
    }

    /**
     * ldm {@code Downsample} with conv: pad right and bottom by one, then a 3×3 stride-2 convolution without padding.
     * x [B, C, H, W] → [B, C, H/2, W/2].
     */
    static NDArray downsample(NDArray x, NDArray w, NDArray b) {
        return scoped(() -> {
            NDArray padded = x.pad(new Shape(0, 1, 0, 1), 0); // F.pad(x, (0, 1, 0, 1))
            return Conv2d.conv2d(padded, w, b, new Shape(2, 2), new Shape(0, 0), new Shape(1, 1), 1)
                    .singletonOrThrow();
        });
    }

    /** Nearest-neighbour ×2 upsampling: x [B, C, H, W] → [B, C, 2H, 2W]. */
    static NDArray upsampleNearest2x(NDArray x) {
        return scoped(() -> x.repeat(2, 2).repeat(3, 2));
    }

    /** swish / SiLU: x · sigmoid(x) (Ramachandran et al. 2017). */
    static NDArray swish(NDArray x) {
        NDArray s = Activation.sigmoid(x);
        return s.muli(x);
    }

    /**
     * GroupNorm (Wu &amp; He 2018): per sample and group of C/G channels, (x − mean) / sqrt(var + eps) with the biased
     * variance, then a per-channel affine. x [B, C, H, W], gamma/beta [C].
     *
     * <p>Runs as batch normalisation in training mode over the view [1, B·G, C/G·H·W], which computes exactly the
     * per-group statistics in one native op.
     */
    static NDArray groupNorm(NDArray x, int groups, NDArray gamma, NDArray beta, float eps) {
        return scoped(() -> {
            Shape shape = x.getShape();
            long b = shape.get(0);
            long c = shape.get(1);
            NDManager m = x.getManager();
            long bg = b * groups;
            NDArray view = x.reshape(1, bg, -1);
            NDArray normalized = view.getNDArrayInternal()
                    .batchNorm(view, m.zeros(new Shape(bg)), m.ones(new Shape(bg)), m.ones(new Shape(bg)),
                            m.zeros(new Shape(bg)), 1, 0f, eps, true)
                    .get(0);
            NDArray out = normalized.reshape(shape);
            out.muli(gamma.reshape(1, c, 1, 1));
            out.addi(beta.reshape(1, c, 1, 1));
            return out;
        });
    }

    /**
     * Single-head softmax attention softmax(Q·Kᵀ/√C)·V over the H·W positions (Vaswani et al. 2017), queries in
     * chunks so that the score block stays under {@link #MAX_SCORE_ELEMENTS}. q, k, v [B, C, N] → [B, C, N].
     */
    static NDArray attention(NDArray q, NDArray k, NDArray v) {
        return scoped(() -> {
            long b = q.getShape().get(0);
            long c = q.getShape().get(1);
            long n = q.getShape().get(2);
            NDArray qt = q.transpose(0, 2, 1).mul((float) (1.0 / Math.sqrt(c))); // [B, N, C]
            NDArray vt = v.transpose(0, 2, 1); // [B, N, C]
            long chunk = Math.max(1, Math.min(n, MAX_SCORE_ELEMENTS / Math.max(1, b * n)));
            NDList parts = new NDList();
            for (long start = 0; start < n; start += chunk) {
                long end = Math.min(n, start + chunk);
                try (NDScope inner = new NDScope()) {
                    NDArray scores = qt.get(new NDIndex(":, {}:{}, :", start, end)).batchMatMul(k); // [B, n, N]
                    NDArray weights = scores.softmax(2);
                    NDArray part = weights.batchMatMul(vt); // [B, n, C]
                    NDScope.unregister(part);
                    parts.add(part);
                }
            }
            NDArray out;
            if (parts.size() == 1) {
                out = parts.get(0);
                NDScope.register(out);
            } else {
                out = NDArrays.concat(parts, 1); // [B, N, C]
                parts.close();
            }
            return out.transpose(0, 2, 1); // [B, C, N]
        });
    }
}
