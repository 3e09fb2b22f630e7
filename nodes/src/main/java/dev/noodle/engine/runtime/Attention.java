package dev.noodle.engine.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * Scaled dot-product attention softmax(q·kᵀ/√d)·v (Vaswani et al. 2017, eq. 1) with two interchangeable
 * implementations: PyTorch's fused kernel through {@link TorchOps#sdpa} (fast, no score matrix) and a pure-DJL
 * matmul + softmax, chunked over queries to bound memory. Both give the same numbers up to float rounding.
 *
 * <p>Callers pass the mode, normally {@link EngineOptions#attention()} of the model's target. Stateless and
 * thread-safe; results are owned by q's manager.
 */
public final class Attention {
    /** Which implementation computes attention. */
    public enum Mode {
        /** PyTorch {@code scaled_dot_product_attention} through TorchScript. */
        FAST,
        /** Pure DJL matmul and softmax, chunked over queries. */
        FALLBACK
    }

    /** Upper bound on one chunk's score matrix, in elements (64 Mi floats = 256 MB in fp32). */
    private static final long MAX_SCORE_ELEMENTS = 64L << 20;

    private Attention() {}

    /** Attention over split heads with the given implementation: q [B,H,Nq,D], k [B,H,Nk,D], v [B,H,Nk,Dv] → [B,H,Nq,Dv]. */
    public static NDArray sdpa(NDArray q, NDArray k, NDArray v, Mode mode) {
        return mode == Mode.FAST ? TorchOps.sdpa(q, k, v) : fallback(q, k, v);
    }

    /**
     * Multi-head attention on packed features: splits the channel axis into {@code heads}, attends, and merges.
     *
     * @param q [B, Nq, H·D]
     * @param k [B, Nk, H·D]
     * @param v [B, Nk, H·Dv]
     * @return [B, Nq, H·Dv], owned by q's manager
     */
    public static NDArray multiHead(NDArray q, NDArray k, NDArray v, int heads, Mode mode) {
        NDManager owner = q.getManager();
        try (NDManager scope = owner.newSubManager()) {
            long b = q.getShape().get(0);
            long nq = q.getShape().get(1);
            NDArray qh = split(q, heads, scope); // [B, H, Nq, D]
            NDArray kh = split(k, heads, scope); // [B, H, Nk, D]
            NDArray vh = split(v, heads, scope); // [B, H, Nk, Dv]
            NDArray o = sdpa(qh, kh, vh, mode); // [B, H, Nq, Dv]
            o.attach(scope);
            NDArray merged = o.transpose(0, 2, 1, 3).reshape(b, nq, -1); // [B, Nq, H·Dv]
            merged.attach(owner);
            return merged;
        }
    }

    // [B, N, H·D] -> [B, H, N, D] (a strided view; both kernels accept it)
    private static NDArray split(NDArray x, int heads, NDManager scope) {
        Shape s = x.getShape();
        NDArray r = x.reshape(s.get(0), s.get(1), heads, s.get(2) / heads).transpose(0, 2, 1, 3);
        r.attach(scope);
        return r;
    }

    /** softmax(q·kᵀ/√d)·v with matmul + softmax, in query chunks so the score matrix stays bounded. */
    static NDArray fallback(NDArray q, NDArray k, NDArray v) {
        return fallback(q, k, v, MAX_SCORE_ELEMENTS);
    }

    /** The fallback with an explicit bound on one chunk's score matrix (tests force several chunks). */
    static NDArray fallback(NDArray q, NDArray k, NDArray v, long maxScoreElements) {
        NDManager owner = q.getManager();
        Shape qs = q.getShape();
        int nd = qs.dimension();
        long nq = qs.get(nd - 2);
        long nk = k.getShape().get(nd - 2);
        double scale = 1.0 / Math.sqrt(qs.get(nd - 1));
        long batchHeads = qs.size() / (nq * qs.get(nd - 1));
        long rows = Math.max(1, Math.min(nq, maxScoreElements / Math.max(1, batchHeads * nk)));
        try (NDManager scope = owner.newSubManager()) {
            NDArray kt = k.swapAxes(nd - 2, nd - 1); // [.., D, Nk]
            kt.attach(scope);
            NDList parts = new NDList();
            for (long start = 0; start < nq; start += rows) {
                long end = Math.min(nq, start + rows);
                try (NDManager chunk = scope.newSubManager()) {
                    NDArray qc = q.get(new NDIndex("..., {}:{}, :", start, end)); // [.., rows, D]
                    qc.attach(chunk);
                    NDArray s = qc.mul(scale).matMul(kt); // [.., rows, Nk]
                    s.attach(chunk);
                    NDArray p = s.softmax(-1);
                    p.attach(chunk);
                    NDArray o = p.matMul(v); // [.., rows, Dv]
                    o.attach(scope);
                    parts.add(o);
                }
            }
            NDArray out = parts.size() == 1 ? parts.head() : NDArrays.concat(parts, nd - 2);
            out.attach(owner);
            return out;
        }
    }
}
