package dev.noodle.engine.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Philox4x32-10 Gaussian noise imitating {@code torch.randn(..., device="cuda")}, as AUTOMATIC1111's
 * "NV" RNG ({@code modules/rng_philox.py}) and stable-diffusion.cpp's {@code cuda} RNG.
 *
 * <p>Element i of draw number {@code offset} uses counter (offset, 0, i, 0) and key (seed low 32,
 * seed high 32); ten rounds with multipliers (0xD2511F53, 0xCD9E8D57) and Weyl key increments
 * (0x9E3779B9, 0xBB67AE85) (Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3"). The
 * first two output words feed one Box–Muller value: u = g0·c + c/2, v = g1·c2π + c2π/2 with float32
 * constants c = 2.3283064e-10 and c2π = float32(c·6.2831855), z = sqrt(−2 ln u)·sin v evaluated in
 * double and rounded to float32, exactly as A1111's numpy code promotes it. Each draw advances the
 * offset by one; ancestral noise continues the same stream. Not thread-safe.
 */
public final class PhiloxNoise implements NoiseSource {
    private static final int M0 = 0xD2511F53;
    private static final int M1 = 0xCD9E8D57;
    private static final int W0 = 0x9E3779B9;
    private static final int W1 = 0xBB67AE85;
    private static final float C = 2.3283064e-10f;
    private static final float C_2PI = (float) (2.3283064e-10 * 6.2831855);

    private final long seed;
    private int offset;

    /** A generator at offset 0. */
    public PhiloxNoise(long seed) {
        this.seed = seed;
    }

    /** The number of draws made so far (the next draw's counter word 0). */
    public int offset() {
        return offset;
    }

    /** Fills the next draw of {@code n} values and advances the offset. */
    public float[] nextFloats(int n) {
        float[] out = new float[n];
        int key0 = (int) seed;
        int key1 = (int) (seed >>> 32);
        int[] c = new int[4];
        for (int i = 0; i < n; i++) {
            c[0] = offset;
            c[1] = 0;
            c[2] = i;
            c[3] = 0;
            philox(c, key0, key1);
            out[i] = boxMuller(c[0], c[1]);
        }
        offset++;
        return out;
    }

    /** Philox4x32 with 10 rounds, in place on {@code c}. */
    static void philox(int[] c, int key0, int key1) {
        int k0 = key0;
        int k1 = key1;
        for (int r = 0; r < 10; r++) {
            long p0 = (c[0] & 0xFFFFFFFFL) * (M0 & 0xFFFFFFFFL);
            long p1 = (c[2] & 0xFFFFFFFFL) * (M1 & 0xFFFFFFFFL);
            int n0 = (int) (p1 >>> 32) ^ c[1] ^ k0;
            int n1 = (int) p1;
            int n2 = (int) (p0 >>> 32) ^ c[3] ^ k1;
            int n3 = (int) p0;
            c[0] = n0;
            c[1] = n1;
            c[2] = n2;
            c[3] = n3;
            k0 += W0;
            k1 += W1;
        }
    }

    static float boxMuller(int g0, int g1) {
        double u = (g0 & 0xFFFFFFFFL) * (double) C + (double) (C / 2f);
        double v = (g1 & 0xFFFFFFFFL) * (double) C_2PI + (double) (C_2PI / 2f);
        double s = Math.sqrt(-2.0 * Math.log(u));
        return (float) (s * Math.sin(v));
    }

    @Override
    public NDArray next(float sigma, float sigmaNext, Shape shape, NDManager manager) {
        long n = shape.size();
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("noise shape too large: " + shape);
        }
        return manager.create(nextFloats((int) n), shape);
    }
}
