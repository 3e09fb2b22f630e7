package dev.noodle.nodes.image;

/**
 * ComfyUI's "bislerp" latent resize ({@code comfy.utils.bislerp}): separable, first along the width then the
 * height; each output cell spherically interpolates the channel vectors of its two bilinear neighbours
 * (slerp of the unit directions, norm linearly interpolated), falling back to the first vector when they are
 * parallel and to linear interpolation when opposite. Stateless.
 */
final class Bislerp {
    private Bislerp() {}

    /** Resizes [h, w, c] (channel vectors per cell) to [outH, outW, c]. */
    static float[] resize(float[] hwc, int h, int w, int c, int outH, int outW) {
        Axis ax = axis(w, outW);
        float[] mid = new float[h * outW * c];
        float[] a = new float[c];
        float[] b = new float[c];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < outW; x++) {
                System.arraycopy(hwc, (y * w + ax.i1[x]) * c, a, 0, c);
                System.arraycopy(hwc, (y * w + ax.i2[x]) * c, b, 0, c);
                slerp(a, b, ax.ratio[x], mid, (y * outW + x) * c);
            }
        }
        Axis ay = axis(h, outH);
        float[] out = new float[outH * outW * c];
        for (int y = 0; y < outH; y++) {
            for (int x = 0; x < outW; x++) {
                System.arraycopy(mid, (ay.i1[y] * outW + x) * c, a, 0, c);
                System.arraycopy(mid, (ay.i2[y] * outW + x) * c, b, 0, c);
                slerp(a, b, ay.ratio[y], out, (y * outW + x) * c);
            }
        }
        return out;
    }

    private record Axis(int[] i1, int[] i2, float[] ratio) {}

    // generate_bilinear_data: bilinear (align_corners=False) resampling of the index ramps 0..L-1 and 1..L-1,L-1
    private static Axis axis(int in, int out) {
        int[] i1 = new int[out];
        int[] i2 = new int[out];
        float[] ratio = new float[out];
        float scale = (float) in / out;
        for (int o = 0; o < out; o++) {
            float src = Math.max(0f, (o + 0.5f) * scale - 0.5f);
            int lo = Math.min((int) Math.floor(src), in - 1);
            int hi = Math.min(lo + 1, in - 1);
            float lam = src - lo;
            float c1 = (1 - lam) * lo + lam * hi;
            float c2 = (1 - lam) * Math.min(lo + 1, in - 1) + lam * Math.min(hi + 1, in - 1);
            ratio[o] = c1 - (float) Math.floor(c1);
            i1[o] = (int) c1;
            i2[o] = (int) c2;
        }
        return new Axis(i1, i2, ratio);
    }

    // slerp(b1, b2, r) for one pair of channel vectors, written at out[off..off+c)
    private static void slerp(float[] b1, float[] b2, float r, float[] out, int off) {
        int c = b1.length;
        double n1 = 0;
        double n2 = 0;
        for (int k = 0; k < c; k++) {
            n1 += b1[k] * b1[k];
            n2 += b2[k] * b2[k];
        }
        n1 = Math.sqrt(n1);
        n2 = Math.sqrt(n2);
        double dot = 0;
        for (int k = 0; k < c; k++) {
            double u1 = n1 == 0 ? 0 : b1[k] / n1;
            double u2 = n2 == 0 ? 0 : b2[k] / n2;
            dot += u1 * u2;
        }
        if (dot > 1 - 1e-5) {
            System.arraycopy(b1, 0, out, off, c);
            return;
        }
        if (dot < 1e-5 - 1) {
            for (int k = 0; k < c; k++) {
                out[off + k] = b1[k] * (1 - r) + b2[k] * r;
            }
            return;
        }
        double omega = Math.acos(dot);
        double so = Math.sin(omega);
        double w1 = Math.sin((1 - r) * omega) / so;
        double w2 = Math.sin(r * omega) / so;
        double norm = n1 * (1 - r) + n2 * r;
        for (int k = 0; k < c; k++) {
            double u1 = n1 == 0 ? 0 : b1[k] / n1;
            double u2 = n2 == 0 ? 0 : b2[k] / n2;
            out[off + k] = (float) ((w1 * u1 + w2 * u2) * norm);
        }
    }
}
