package dev.noodle.engine.adapters;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorSource;
import java.util.Arrays;

/**
 * One weight update of a LoRA-family file, described by the names of its factor tensors in the file; {@link #delta}
 * rebuilds the full update ΔW (already multiplied by alpha/rank) in float32. Immutable and thread-safe.
 *
 * <p>Formulas (Hu et al. 2021, LoRA; LyCORIS LoHa/LoKr, as ComfyUI's {@code weight_adapter} applies them):
 * <ul>
 *   <li>LoRA: ΔW = (α/r)·up·down, up [O, r], down [r, I·kh·kw]; with a Tucker core mid [r, r, kh, kw] (LoCon):
 *       ΔW[o,i,h,w] = (α/r)·Σ_{a,b} up[o,a]·mid[a,b,h,w]·down[b,i].
 *   <li>LoHa: ΔW = (α/r)·(w1a·w1b) ⊙ (w2a·w2b); Tucker: each factor is t[i,j,h,w]·b[j,r]·a[i,p] → [p,r,h,w].
 *   <li>LoKr: ΔW = s·kron(w1, w2), each w either stored or rebuilt from a/b factors (w2 optionally with Tucker t2);
 *       s = α/r of the last rebuilt factor, 1 when both are stored.
 * </ul>
 * α defaults to r (scale 1) when the file has no {@code .alpha}. A whole difference ({@code .diff}) is ΔW itself.
 */
public sealed interface LoraModule {
    /** The module name in the file (e.g. {@code lora_unet_…_attn1_to_q}). */
    String name();

    /** Number of elements ΔW has, from the factor shapes (to check a target without loading anything). */
    long deltaElements(TensorSource src);

    /** Leading (output) dimension of ΔW. */
    long deltaRows(TensorSource src);

    /**
     * Rebuilds strength·(α/r)·ΔW in float32 in {@code m}, reshaped to {@code target}. The scalar is applied to the
     * smallest factor, so the full-size ΔW is written once.
     *
     * @param target the shape of the weight it updates, e.g. [O, I] or [O, I, 3, 3]
     */
    NDArray delta(TensorSource src, NDManager m, Shape target, float strength);

    /** Classic low-rank pair (kohya {@code lora_up/lora_down}, PEFT {@code lora_B/lora_A}), optional Tucker mid. */
    record LowRank(String name, String up, String down, String mid, String alpha) implements LoraModule {
        @Override
        public long deltaElements(TensorSource src) {
            long[] d = src.info(down).shape();
            long[] u = src.info(up).shape();
            long n = u[0] * d[1];
            if (mid != null) {
                long[] c = src.info(mid).shape();
                for (int i = 2; i < c.length; i++) {
                    n *= c[i];
                }
            } else {
                for (int i = 2; i < d.length; i++) {
                    n *= d[i];
                }
            }
            return n;
        }

        @Override
        public long deltaRows(TensorSource src) {
            return src.info(up).shape()[0];
        }

        @Override
        public NDArray delta(TensorSource src, NDManager m, Shape target, float strength) {
            NDArray u = load(src, up, m); // [O, r, (1, 1)]
            NDArray d = load(src, down, m); // [r, I, (kh, kw)]
            long rank = d.getShape().get(0);
            NDArray u2 = u.reshape(u.getShape().get(0), -1).mul(strength * scale(src, alpha, rank)); // [O, r]
            NDArray d2;
            if (mid == null) {
                d2 = d.reshape(rank, -1); // [r, I·kh·kw]
            } else {
                NDArray c = load(src, mid, m); // [r, r, kh, kw]
                Shape cs = c.getShape();
                long kh = cs.get(2);
                long kw = cs.get(3);
                long in = d.getShape().get(1);
                // [a·kh·kw, b] @ [b, I] -> [a, kh, kw, I] -> [a, I, kh, kw]
                NDArray core = c.transpose(0, 2, 3, 1).reshape(cs.get(0) * kh * kw, cs.get(1));
                d2 = core.matMul(d.reshape(rank, in)).reshape(cs.get(0), kh, kw, in).transpose(0, 3, 1, 2)
                        .reshape(cs.get(0), -1);
            }
            return u2.matMul(d2).reshape(target); // [O, I·kh·kw] -> target
        }
    }

    /**
     * A whole difference, ΔW = diff: {@code .diff} of a weight (ComfyUI's LoraSave full_diff and 1-D weights) or
     * {@code .diff_b} of a bias (the module is then named {@code <module>.bias}).
     */
    record Full(String name, String diff) implements LoraModule {
        @Override
        public long deltaElements(TensorSource src) {
            return count(src.info(diff).shape());
        }

        @Override
        public long deltaRows(TensorSource src) {
            return src.info(diff).shape()[0];
        }

        @Override
        public NDArray delta(TensorSource src, NDManager m, Shape target, float strength) {
            return load(src, diff, m).mul(strength).reshape(target);
        }
    }

    /** LyCORIS LoHa: Hadamard product of two low-rank products, optional Tucker cores. */
    record Hadamard(String name, String w1a, String w1b, String w2a, String w2b, String t1, String t2, String alpha)
            implements LoraModule {
        @Override
        public long deltaElements(TensorSource src) {
            long[] a = src.info(w1a).shape();
            long[] b = src.info(w1b).shape();
            if (t1 != null) {
                long[] t = src.info(t1).shape();
                long n = a[1] * b[1];
                for (int i = 2; i < t.length; i++) {
                    n *= t[i];
                }
                return n;
            }
            return a[0] * b[1];
        }

        @Override
        public long deltaRows(TensorSource src) {
            long[] a = src.info(w1a).shape();
            return t1 != null ? a[1] : a[0];
        }

        @Override
        public NDArray delta(TensorSource src, NDManager m, Shape target, float strength) {
            long rank = src.info(w1b).shape()[0];
            NDArray f1 = factor(src, m, w1a, w1b, t1).mul(strength * scale(src, alpha, rank));
            NDArray f2 = factor(src, m, w2a, w2b, t2);
            if (!f1.getShape().equals(f2.getShape())) {
                throw new ModelFormatException(name + ": LoHa factors rebuild to " + f1.getShape() + " and "
                        + f2.getShape() + "; the file is damaged");
            }
            return f1.mul(f2).reshape(target);
        }

        private static NDArray factor(TensorSource src, NDManager m, String a, String b, String t) {
            NDArray fa = load(src, a, m);
            NDArray fb = load(src, b, m);
            return t == null ? fa.matMul(fb.reshape(fb.getShape().get(0), -1)) : tucker(load(src, t, m), fb, fa);
        }
    }

    /** LyCORIS LoKr: Kronecker product of two factors, each stored whole or as a low-rank pair. */
    record Kronecker(String name, String w1, String w1a, String w1b, String w2, String w2a, String w2b, String t2,
            String alpha) implements LoraModule {
        @Override
        public long deltaElements(TensorSource src) {
            return count(w1Shape(src)) * count(w2Shape(src));
        }

        @Override
        public long deltaRows(TensorSource src) {
            return w1Shape(src)[0] * w2Shape(src)[0];
        }

        private long[] w1Shape(TensorSource src) {
            return w1 != null ? src.info(w1).shape()
                    : new long[] {src.info(w1a).shape()[0], src.info(w1b).shape()[1]};
        }

        private long[] w2Shape(TensorSource src) {
            if (w2 != null) {
                return src.info(w2).shape();
            }
            long[] a = src.info(w2a).shape();
            long[] b = src.info(w2b).shape();
            if (t2 != null) {
                long[] t = src.info(t2).shape();
                return new long[] {a[1], b[1], t[2], t[3]};
            }
            return new long[] {a[0], b[1]};
        }

        @Override
        public NDArray delta(TensorSource src, NDManager m, Shape target, float strength) {
            long rank = -1;
            NDArray f1;
            if (w1 != null) {
                f1 = load(src, w1, m);
            } else {
                rank = src.info(w1b).shape()[0];
                f1 = load(src, w1a, m).matMul(load(src, w1b, m));
            }
            NDArray f2;
            if (w2 != null) {
                f2 = load(src, w2, m);
            } else {
                rank = src.info(w2b).shape()[0];
                NDArray a = load(src, w2a, m);
                NDArray b = load(src, w2b, m);
                f2 = t2 == null ? a.matMul(b.reshape(b.getShape().get(0), -1)) : tucker(load(src, t2, m), b, a);
            }
            float s = rank > 0 ? scale(src, alpha, rank) : 1f;
            return kron(f1.mul(s * strength), f2).reshape(target);
        }
    }

    /**
     * kron(a [p, q], b [c, d, …]) → [p·c, q·d, …]: entry ((i·c+m), (j·d+n), …) = a[i,j]·b[m,n,…].
     */
    private static NDArray kron(NDArray a, NDArray b) {
        Shape bs = b.getShape();
        long p = a.getShape().get(0);
        long q = a.getShape().get(1);
        long[] bExpanded = new long[bs.dimension() + 2];
        long[] aExpanded = new long[bs.dimension() + 2];
        Arrays.fill(aExpanded, 1);
        aExpanded[0] = p;
        aExpanded[2] = q;
        bExpanded[0] = 1;
        bExpanded[1] = bs.get(0);
        bExpanded[2] = 1;
        bExpanded[3] = bs.get(1);
        for (int i = 2; i < bs.dimension(); i++) {
            bExpanded[i + 2] = bs.get(i);
        }
        NDArray prod = a.reshape(new Shape(aExpanded)).mul(b.reshape(new Shape(bExpanded))); // [p, c, q, d, …]
        long[] out = new long[bs.dimension()];
        out[0] = p * bs.get(0);
        out[1] = q * bs.get(1);
        for (int i = 2; i < bs.dimension(); i++) {
            out[i] = bs.get(i);
        }
        return prod.reshape(new Shape(out));
    }

    /** Tucker rebuild Σ_{i,j} t[i,j,h,w]·b[j,r]·a[i,p] → [p, r, h, w] (LyCORIS CP/Tucker convs). */
    private static NDArray tucker(NDArray t, NDArray b, NDArray a) {
        Shape ts = t.getShape(); // [i, j, kh, kw]
        long i = ts.get(0);
        long j = ts.get(1);
        long kh = ts.get(2);
        long kw = ts.get(3);
        long r = b.getShape().get(1);
        long p = a.getShape().get(1);
        NDArray x = t.transpose(2, 3, 0, 1).reshape(kh * kw * i, j).matMul(b); // [kh·kw·i, r]
        x = x.reshape(kh, kw, i, r).transpose(0, 1, 3, 2).reshape(kh * kw * r, i).matMul(a); // [kh·kw·r, p]
        return x.reshape(kh, kw, r, p).transpose(3, 2, 0, 1); // [p, r, kh, kw]
    }

    private static NDArray load(TensorSource src, String key, NDManager m) {
        return src.load(key, m, DataType.FLOAT32);
    }

    private static float scale(TensorSource src, String alphaKey, long rank) {
        if (alphaKey == null) {
            return 1f;
        }
        float[] a = src.loadFloats(alphaKey);
        if (a.length != 1) {
            throw new ModelFormatException(src.describe() + ": '" + alphaKey + "' should be one number, has "
                    + a.length + " values");
        }
        return a[0] / rank;
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }
}
