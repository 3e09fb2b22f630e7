package dev.noodle.nodes.latent;

import dev.noodle.nodes.image.ScaleNodes;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.LatentValue;
import dev.noodle.nodes.values.MaskValue;
import java.util.Arrays;

/**
 * ComfyUI's latent operations as plain functions on {@link LatentValue}s: compositing ({@code LatentComposite},
 * {@code LatentCompositeMasked}), arithmetic ({@code LatentAdd}, {@code LatentSubtract}, {@code LatentMultiply},
 * {@code LatentBlend}, {@code LatentInterpolate}), batches ({@code LatentFromBatch}, {@code LatentBatch}) and
 * transforms ({@code LatentCrop}, {@code LatentFlip}, {@code LatentRotate}), with the formulas, index arithmetic
 * (Python slice rules included) and noise-mask / batch-index handling of {@code nodes.py},
 * {@code comfy_extras/nodes_latent.py} and {@code comfy_extras/nodes_mask.py}.
 *
 * <p>Latents are [B, C, H, W]; positions and sizes given in pixels are divided by 8. Bad input (different channel
 * counts, batches that cannot be matched, a region outside the latent) is refused with an
 * {@link IllegalArgumentException} naming the node and input. Stateless and thread-safe.
 */
public final class LatentOps {
    private LatentOps() {}

    /** Python's {@code seq[start:stop]} on a sequence of {@code len}: the half-open range [from, to) it selects. */
    static int[] pySlice(long start, long stop, long len) {
        long a = start < 0 ? Math.max(0, start + len) : Math.min(start, len);
        long b = stop < 0 ? Math.max(0, stop + len) : Math.min(stop, len);
        return new int[] {(int) a, (int) Math.max(a, b)};
    }

    private static void requireChannels(String node, String what1, HeapTensor a, String what2, HeapTensor b) {
        if (a.dim(1) != b.dim(1)) {
            throw new IllegalArgumentException(node + ": " + what1 + " has " + a.dim(1) + " latent channels and "
                    + what2 + " has " + b.dim(1) + "; both must come from the same model family (e.g. both SD 1.x/SDXL"
                    + " 4-channel latents)");
        }
    }

    private static void requireRank4(String node, String what, HeapTensor t) {
        if (t.rank() != 4) {
            throw new IllegalArgumentException(node + ": " + what + " is " + Arrays.toString(t.shape())
                    + ", not an image latent [batch, channels, height, width]");
        }
    }

    /**
     * ComfyUI's {@code repeat_to_batch_size}: the first {@code batch} entries of the tensor repeated along dimension
     * 0 as often as needed (or its first {@code batch} entries when it has more).
     */
    static HeapTensor repeatToBatch(HeapTensor t, int batch) {
        long[] s = t.shape();
        if (s[0] == batch) {
            return t;
        }
        int per = Math.toIntExact(t.data().length / s[0]);
        float[] out = new float[Math.multiplyExact(per, batch)];
        for (int i = 0; i < batch; i++) {
            System.arraycopy(t.data(), (int) (i % s[0]) * per, out, i * per, per);
        }
        s[0] = batch;
        return new HeapTensor(s, out);
    }

    /** A latent with new samples and the other fields kept, dropping a batch index that no longer fits. */
    private static LatentValue withSamples(LatentValue l, HeapTensor samples) {
        int[] bi = l.batchIndex() != null && l.batchIndex().length == samples.dim(0) ? l.batchIndex() : null;
        return new LatentValue(samples, l.noiseMask(), bi);
    }

    /** ComfyUI's {@code reshape_latent_to}: resized (bilinear, centre crop) to the target size, then to its batch. */
    static HeapTensor reshapeTo(String node, HeapTensor target, HeapTensor t) {
        requireChannels(node, "samples1", target, "samples2", t);
        if (t.dim(2) != target.dim(2) || t.dim(3) != target.dim(3)) {
            t = ScaleNodes.upscaleChw(t, (int) target.dim(3), (int) target.dim(2), ScaleNodes.LatentMethod.BILINEAR,
                    true);
        }
        return repeatToBatch(t, (int) target.dim(0));
    }

    /** LatentAdd: samples1 + samples2 (samples2 resized and repeated to samples1's shape). */
    public static LatentValue add(LatentValue a, LatentValue b) {
        return arithmetic("LatentAdd", a, b, 1f);
    }

    /** LatentSubtract: samples1 − samples2 (samples2 resized and repeated to samples1's shape). */
    public static LatentValue subtract(LatentValue a, LatentValue b) {
        return arithmetic("LatentSubtract", a, b, -1f);
    }

    private static LatentValue arithmetic(String node, LatentValue a, LatentValue b, float sign) {
        HeapTensor s1 = a.samples();
        HeapTensor s2 = reshapeTo(node, s1, b.samples());
        float[] x = s1.data();
        float[] y = s2.data();
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = sign > 0 ? x[i] + y[i] : x[i] - y[i];
        }
        return withSamples(a, new HeapTensor(s1.shape(), out));
    }

    /** LatentMultiply: samples × multiplier (in float32, as torch multiplies a float tensor by a Python number). */
    public static LatentValue multiply(LatentValue a, double multiplier) {
        float m = (float) multiplier;
        float[] x = a.samples().data();
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * m;
        }
        return withSamples(a, new HeapTensor(a.samples().shape(), out));
    }

    /**
     * LatentBlend (blend_mode normal): samples1 · factor + samples2 · (1 − factor). When the shapes differ samples2
     * is first resized to samples1's height and width (bicubic after a centre crop, as ComfyUI); batches must then
     * be equal or one of them 1 (it is broadcast, as torch does).
     */
    public static LatentValue blend(LatentValue a, LatentValue b, double factor) {
        String node = "Latent Blend";
        HeapTensor s1 = a.samples();
        HeapTensor s2 = b.samples();
        requireChannels(node, "samples1", s1, "samples2", s2);
        if (!Arrays.equals(s1.shape(), s2.shape())) {
            s2 = ScaleNodes.upscaleChw(s2, (int) s1.dim(3), (int) s1.dim(2), ScaleNodes.LatentMethod.BICUBIC, true);
        }
        int b1 = (int) s1.dim(0);
        int b2 = (int) s2.dim(0);
        if (b1 != b2 && b1 != 1 && b2 != 1) {
            throw new IllegalArgumentException(node + ": samples1 has " + b1 + " latents and samples2 has " + b2
                    + "; give both the same batch size, or one of them a single latent");
        }
        int batch = Math.max(b1, b2);
        int per = s1.data().length / b1;
        float keep = (float) factor;
        float take = (float) (1 - factor); // Python computes 1 - blend_factor in double, torch multiplies in float
        float[] out = new float[batch * per];
        for (int i = 0; i < batch; i++) {
            int o1 = (b1 == 1 ? 0 : i) * per;
            int o2 = (b2 == 1 ? 0 : i) * per;
            for (int p = 0; p < per; p++) {
                out[i * per + p] = s1.data()[o1 + p] * keep + s2.data()[o2 + p] * take;
            }
        }
        long[] shape = s1.shape();
        shape[0] = batch;
        return withSamples(a, new HeapTensor(shape, out));
    }

    /** torch.nan_to_num for float32: NaN → 0, ±∞ → ±largest finite float. */
    private static float nanToNum(float v) {
        if (Float.isNaN(v)) {
            return 0f;
        }
        if (v == Float.POSITIVE_INFINITY) {
            return Float.MAX_VALUE;
        }
        return v == Float.NEGATIVE_INFINITY ? -Float.MAX_VALUE : v;
    }

    /**
     * LatentInterpolate: the norm-preserving interpolation of ComfyUI's node. At every latent pixel the channel
     * vectors are split into length m and direction (x / m, with 0 / 0 → 0); the directions are mixed as
     * d1 · ratio + d2 · (1 − ratio) and re-normalised, and the result is that direction times the mixed length
     * m1 · ratio + m2 · (1 − ratio). samples2 is first resized and repeated to samples1's shape (bilinear, centre
     * crop). ratio = 1 gives samples1.
     *
     * <p>ComfyUI's node divides by norms of shape [B, H, W] against samples [B, C, H, W], which lines up per sample
     * only for a batch of one (a larger batch fails, or with as many latents as channels mixes them); Noodle uses
     * each latent's own per-pixel norms, as ComfyUI's fix for batches does (norms kept as [B, 1, H, W], Comfy-Org/
     * ComfyUI pull request 14897): the same numbers for one latent, and per latent for a batch.
     */
    public static LatentValue interpolate(LatentValue a, LatentValue b, double ratio) {
        HeapTensor s1 = a.samples();
        HeapTensor s2 = reshapeTo("LatentInterpolate", s1, b.samples());
        int batch = (int) s1.dim(0);
        int c = (int) s1.dim(1);
        int plane = (int) (s1.dim(2) * s1.dim(3));
        float r = (float) ratio;
        float q = (float) (1.0 - ratio);
        float[] x = s1.data();
        float[] y = s2.data();
        float[] out = new float[x.length];
        float[] d1 = new float[c];
        float[] d2 = new float[c];
        float[] t = new float[c];
        for (int i = 0; i < batch; i++) {
            for (int p = 0; p < plane; p++) {
                int base = i * c * plane + p;
                float m1 = norm(x, base, plane, c);
                float m2 = norm(y, base, plane, c);
                for (int k = 0; k < c; k++) {
                    d1[k] = nanToNum(x[base + k * plane] / m1);
                    d2[k] = nanToNum(y[base + k * plane] / m2);
                    t[k] = d1[k] * r + d2[k] * q;
                }
                float mt = norm(t, 0, 1, c);
                float len = m1 * r + m2 * q;
                for (int k = 0; k < c; k++) {
                    out[base + k * plane] = nanToNum(t[k] / mt) * len;
                }
            }
        }
        return withSamples(a, new HeapTensor(s1.shape(), out));
    }

    private static float norm(float[] v, int base, int stride, int n) {
        double sum = 0;
        for (int k = 0; k < n; k++) {
            double e = v[base + k * stride];
            sum += e * e;
        }
        return (float) Math.sqrt(sum);
    }

    /**
     * LatentComposite: samples_from pasted into samples_to at (x, y) pixels (÷ 8), cut at samples_to's edges. With
     * {@code feather} (pixels ÷ 8) cells, the pasted block fades in over that many rows / columns on every side
     * that does not touch samples_to's border: cell t from the edge is weighted (t + 1) / feather, the weights of
     * a corner multiplying, and samples_to keeps 1 − weight, exactly as ComfyUI computes them (including its Python
     * index arithmetic when the feather is wider than the pasted block). samples_to's noise mask and batch index are
     * kept.
     */
    public static LatentValue composite(LatentValue to, LatentValue from, long xPixels, long yPixels,
            long featherPixels) {
        String node = "Latent Composite";
        HeapTensor st = to.samples();
        HeapTensor sf = from.samples();
        requireChannels(node, "samples_to", st, "samples_from", sf);
        int x = (int) (xPixels / 8);
        int y = (int) (yPixels / 8);
        int feather = (int) (featherPixels / 8);
        int bt = (int) st.dim(0);
        int bf = (int) sf.dim(0);
        int c = (int) st.dim(1);
        int ht = (int) st.dim(2);
        int wt = (int) st.dim(3);
        int hf = (int) sf.dim(2);
        int wf = (int) sf.dim(3);
        if (y > ht || x > wt) {
            throw new IllegalArgumentException(node + ": the position x=" + xPixels + ", y=" + yPixels + " lies outside"
                    + " samples_to (" + wt * 8 + "×" + ht * 8 + " pixels); use x ≤ " + wt * 8 + " and y ≤ " + ht * 8);
        }
        if (bf != bt && bf != 1) {
            throw new IllegalArgumentException(node + ": samples_from has " + bf + " latents and samples_to " + bt
                    + "; give samples_from one latent (pasted into every one) or as many as samples_to");
        }
        // the pasted block: samples_from[:, :, :ht - y, :wt - x] (a non-negative bound here, since y <= ht, x <= wt)
        int ph = Math.min(hf, ht - y);
        int pw = Math.min(wf, wt - x);
        float[] mask = new float[ph * pw];
        Arrays.fill(mask, 1f);
        if (feather > 0) {
            for (int t = 0; t < feather; t++) {
                float w = (float) ((1.0 / feather) * (t + 1)); // computed in Python double, applied as float32
                if (y != 0) {
                    scaleRows(mask, ph, pw, pySlice(t, 1 + t, ph), w);
                }
                if (y + ph < ht) {
                    scaleRows(mask, ph, pw, pySlice(ph - 1 - t, ph - t, ph), w);
                }
                if (x != 0) {
                    scaleCols(mask, ph, pw, pySlice(t, 1 + t, pw), w);
                }
                if (x + pw < wt) {
                    scaleCols(mask, ph, pw, pySlice(pw - 1 - t, pw - t, pw), w);
                }
            }
        }
        float[] out = st.data().clone();
        float[] src = sf.data();
        for (int i = 0; i < bt; i++) {
            int fi = bf == 1 ? 0 : i;
            for (int k = 0; k < c; k++) {
                for (int r = 0; r < ph; r++) {
                    for (int col = 0; col < pw; col++) {
                        int o = ((i * c + k) * ht + y + r) * wt + x + col;
                        float v = src[((fi * c + k) * hf + r) * wf + col];
                        if (feather == 0) {
                            out[o] = v;
                        } else {
                            float m = mask[r * pw + col];
                            out[o] = v * m + out[o] * (1f - m);
                        }
                    }
                }
            }
        }
        return new LatentValue(new HeapTensor(st.shape(), out), to.noiseMask(), to.batchIndex());
    }

    private static void scaleRows(float[] mask, int h, int w, int[] rows, float f) {
        for (int r = rows[0]; r < rows[1]; r++) {
            for (int col = 0; col < w; col++) {
                mask[r * w + col] *= f;
            }
        }
    }

    private static void scaleCols(float[] mask, int h, int w, int[] cols, float f) {
        for (int r = 0; r < h; r++) {
            for (int col = cols[0]; col < cols[1]; col++) {
                mask[r * w + col] *= f;
            }
        }
    }

    /**
     * LatentCompositeMasked ({@code comfy_extras/nodes_mask.py} composite with multiplier 8): source (optionally
     * first resized bilinearly to destination's size, then repeated to its batch) pasted at (x, y) pixels ÷ 8,
     * blended as mask · source + (1 − mask) · destination, where the mask (default all ones) is resized
     * bilinearly to source's size and repeated to the batch; the parts outside destination are cut off.
     */
    public static LatentValue compositeMasked(LatentValue destination, LatentValue source, long xPixels,
            long yPixels, boolean resizeSource, MaskValue mask) {
        String node = "LatentCompositeMasked";
        HeapTensor dst = destination.samples();
        HeapTensor src = source.samples();
        requireChannels(node, "destination", dst, "source", src);
        int b = (int) dst.dim(0);
        int c = (int) dst.dim(1);
        int hd = (int) dst.dim(2);
        int wd = (int) dst.dim(3);
        if (resizeSource) {
            src = ScaleNodes.upscaleChw(src, wd, hd, ScaleNodes.LatentMethod.BILINEAR, false);
        }
        src = repeatToBatch(src, b);
        int hs = (int) src.dim(2);
        int ws = (int) src.dim(3);
        long x = Math.max(-ws * 8L, Math.min(xPixels, wd * 8L));
        long y = Math.max(-hs * 8L, Math.min(yPixels, hd * 8L));
        int left = (int) Math.floorDiv(x, 8);
        int top = (int) Math.floorDiv(y, 8);
        float[] m = null;
        if (mask != null) {
            HeapTensor mt = mask.mask();
            if (mt.rank() < 2 || mt.data().length == 0) {
                throw new IllegalArgumentException(node + ": the mask " + Arrays.toString(mt.shape())
                        + " is empty or not [batch, height, width]");
            }
            long mh = mt.dim(mt.rank() - 2);
            long mw = mt.dim(mt.rank() - 1);
            HeapTensor m4 = new HeapTensor(new long[] {mt.data().length / (mh * mw), 1, mh, mw}, mt.data());
            m4 = ScaleNodes.upscaleChw(m4, ws, hs, ScaleNodes.LatentMethod.BILINEAR, false);
            m = repeatToBatch(m4, b).data();
        }
        // visible part of the source: [:visible_h, :visible_w], written to destination[top:bottom, left:right]
        int[] rows = pySlice(top, top + hs, hd);
        int[] cols = pySlice(left, left + ws, wd);
        int[] srows = pySlice(0, hd - top + Math.min(0, y), hs);
        int[] scols = pySlice(0, wd - left + Math.min(0, x), ws);
        int vh = Math.min(rows[1] - rows[0], srows[1] - srows[0]);
        int vw = Math.min(cols[1] - cols[0], scols[1] - scols[0]);
        float[] out = dst.data().clone();
        float[] s = src.data();
        for (int i = 0; i < b; i++) {
            for (int k = 0; k < c; k++) {
                for (int r = 0; r < vh; r++) {
                    for (int col = 0; col < vw; col++) {
                        float w = m == null ? 1f : m[(i * hs + r) * ws + col];
                        int o = ((i * c + k) * hd + rows[0] + r) * wd + cols[0] + col;
                        out[o] = w * s[((i * c + k) * hs + r) * ws + col] + (1f - w) * out[o];
                    }
                }
            }
        }
        return new LatentValue(new HeapTensor(dst.shape(), out), destination.noiseMask(), destination.batchIndex());
    }

    /** What LatentFromBatch took: the latents and whether batch_index or length were cut to the batch. */
    public record FromBatch(LatentValue latent, boolean clamped) {}

    /**
     * LatentFromBatch: latents {@code index .. index + length − 1}, with index cut to the last latent and length to
     * what is left, as ComfyUI. A noise mask of one entry is kept; a longer one is repeated to the batch and sliced
     * alike. The batch index is the input's, sliced, or {@code index .. index + length − 1} when it had none, so
     * sampling the slice draws the same noise as sampling the whole batch.
     */
    public static FromBatch fromBatch(LatentValue l, int index, int length) {
        HeapTensor s = l.samples();
        int batch = (int) s.dim(0);
        int from = Math.min(batch - 1, index);
        int len = Math.min(batch - from, length);
        boolean clamped = from != index || len != length;
        HeapTensor samples = sliceBatch(s, from, len);
        HeapTensor mask = l.noiseMask();
        if (mask != null && mask.dim(0) != 1) {
            HeapTensor full = mask.dim(0) < batch ? repeatToBatch(mask, batch) : mask;
            mask = sliceBatch(full, from, len);
        }
        int[] bi;
        if (l.batchIndex() == null) {
            bi = new int[len];
            for (int i = 0; i < len; i++) {
                bi[i] = from + i;
            }
        } else {
            int[] r = pySlice(from, (long) from + len, l.batchIndex().length);
            bi = Arrays.copyOfRange(l.batchIndex(), r[0], r[1]);
        }
        return new FromBatch(new LatentValue(samples, mask, bi), clamped);
    }

    private static HeapTensor sliceBatch(HeapTensor t, int from, int len) {
        long[] shape = t.shape();
        int per = (int) (t.data().length / shape[0]);
        int end = (int) Math.min(shape[0], (long) from + len);
        float[] out = Arrays.copyOfRange(t.data(), from * per, end * per);
        shape[0] = end - from;
        return new HeapTensor(shape, out);
    }

    /**
     * LatentBatch: samples2 appended to samples1 (resized to samples1's size, bilinear with centre crop, when it
     * differs). The batch index is both inputs' (or 0..B−1 each), concatenated; samples1's noise mask is kept.
     */
    public static LatentValue batch(LatentValue a, LatentValue b) {
        HeapTensor s1 = a.samples();
        HeapTensor s2 = b.samples();
        requireChannels("LatentBatch", "samples1", s1, "samples2", s2);
        if (s1.dim(2) != s2.dim(2) || s1.dim(3) != s2.dim(3)) {
            s2 = ScaleNodes.upscaleChw(s2, (int) s1.dim(3), (int) s1.dim(2), ScaleNodes.LatentMethod.BILINEAR, true);
        }
        float[] out = new float[Math.addExact(s1.data().length, s2.data().length)];
        System.arraycopy(s1.data(), 0, out, 0, s1.data().length);
        System.arraycopy(s2.data(), 0, out, s1.data().length, s2.data().length);
        long[] shape = s1.shape();
        shape[0] += s2.dim(0);
        int b1 = (int) s1.dim(0);
        int b2 = (int) s2.dim(0);
        int[] i1 = a.batchIndex() == null ? range(b1) : a.batchIndex();
        int[] i2 = b.batchIndex() == null ? range(b2) : b.batchIndex();
        int[] bi = Arrays.copyOf(i1, i1.length + i2.length);
        System.arraycopy(i2, 0, bi, i1.length, i2.length);
        return new LatentValue(new HeapTensor(shape, out), a.noiseMask(), bi);
    }

    private static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }

    /**
     * LatentBatchSeedBehavior: {@code fixed} gives every latent of the batch the noise row of the first (its batch
     * index, or 0), so all start from the same noise; {@code random} drops the batch index, so each latent gets the
     * row of its position in the batch.
     */
    public static LatentValue seedBehavior(LatentValue l, boolean fixed) {
        if (!fixed) {
            return new LatentValue(l.samples(), l.noiseMask(), null);
        }
        int first = l.batchIndex() == null || l.batchIndex().length == 0 ? 0 : l.batchIndex()[0];
        int[] bi = new int[l.batch()];
        Arrays.fill(bi, first);
        return new LatentValue(l.samples(), l.noiseMask(), bi);
    }

    /**
     * LatentCrop: the region width × height at (x, y), all in pixels ÷ 8; x and y are first moved back so that at
     * least 8 cells (64 pixels) remain, and the region is cut at the latent's edges, as ComfyUI slices it.
     */
    public static LatentValue crop(LatentValue l, long width, long height, long xPixels, long yPixels) {
        HeapTensor s = l.samples();
        int h = (int) s.dim(2);
        int w = (int) s.dim(3);
        long x = xPixels / 8;
        long y = yPixels / 8;
        if (x > w - 8) {
            x = w - 8;
        }
        if (y > h - 8) {
            y = h - 8;
        }
        int[] rows = pySlice(y, height / 8 + y, h);
        int[] cols = pySlice(x, width / 8 + x, w);
        int nh = rows[1] - rows[0];
        int nw = cols[1] - cols[0];
        if (nh == 0 || nw == 0) {
            throw new IllegalArgumentException("Crop Latent: the region " + width + "×" + height + " at x=" + xPixels
                    + ", y=" + yPixels + " leaves nothing of the " + w * 8 + "×" + h * 8 + " latent");
        }
        return withSamples(l, region(s, rows[0], nh, cols[0], nw));
    }

    private static HeapTensor region(HeapTensor s, int top, int nh, int left, int nw) {
        int b = (int) s.dim(0);
        int c = (int) s.dim(1);
        int h = (int) s.dim(2);
        int w = (int) s.dim(3);
        float[] out = new float[b * c * nh * nw];
        for (int bc = 0; bc < b * c; bc++) {
            for (int r = 0; r < nh; r++) {
                System.arraycopy(s.data(), (bc * h + top + r) * w + left, out, (bc * nh + r) * nw, nw);
            }
        }
        return new HeapTensor(new long[] {b, c, nh, nw}, out);
    }

    /** LatentFlip: {@code vertically} mirrors top and bottom (ComfyUI's "x-axis"), otherwise left and right. */
    public static LatentValue flip(LatentValue l, boolean vertically) {
        HeapTensor s = l.samples();
        int bc = (int) (s.dim(0) * s.dim(1));
        int h = (int) s.dim(2);
        int w = (int) s.dim(3);
        float[] in = s.data();
        float[] out = new float[in.length];
        for (int p = 0; p < bc; p++) {
            for (int r = 0; r < h; r++) {
                for (int col = 0; col < w; col++) {
                    int from = vertically ? (p * h + h - 1 - r) * w + col : (p * h + r) * w + w - 1 - col;
                    out[(p * h + r) * w + col] = in[from];
                }
            }
        }
        return withSamples(l, new HeapTensor(s.shape(), out));
    }

    /**
     * LatentRotate: {@code quarterTurns} × 90° clockwise (torch.rot90 with dims [3, 2]); 90° and 270° swap height and
     * width. The noise mask is kept as it is, as ComfyUI does.
     */
    public static LatentValue rotate(LatentValue l, int quarterTurns) {
        int k = Math.floorMod(quarterTurns, 4);
        if (k == 0) {
            return l;
        }
        HeapTensor s = l.samples();
        int bc = (int) (s.dim(0) * s.dim(1));
        int h = (int) s.dim(2);
        int w = (int) s.dim(3);
        int oh = k == 2 ? h : w;
        int ow = k == 2 ? w : h;
        float[] in = s.data();
        float[] out = new float[in.length];
        for (int p = 0; p < bc; p++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    int r;
                    int col;
                    switch (k) {
                        case 1 -> { // out[i][j] = x[h-1-j][i]
                            r = h - 1 - j;
                            col = i;
                        }
                        case 2 -> {
                            r = h - 1 - i;
                            col = w - 1 - j;
                        }
                        default -> { // out[i][j] = x[j][w-1-i]
                            r = j;
                            col = w - 1 - i;
                        }
                    }
                    out[(p * oh + i) * ow + j] = in[(p * h + r) * w + col];
                }
            }
        }
        return withSamples(l, new HeapTensor(new long[] {s.dim(0), s.dim(1), oh, ow}, out));
    }

    /** Checks a latent is [B, C, H, W] with no empty dimension; {@code node}/{@code input} name it in the error. */
    public static void requireLatent(String node, String input, LatentValue l) {
        requireRank4(node, input, l.samples());
        for (long d : l.samples().shape()) {
            if (d == 0) {
                throw new IllegalArgumentException(node + ": " + input + " is empty "
                        + Arrays.toString(l.samples().shape()));
            }
        }
    }
}
