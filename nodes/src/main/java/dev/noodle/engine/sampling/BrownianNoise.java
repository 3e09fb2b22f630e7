package dev.noodle.engine.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Map;
import java.util.TreeMap;

/**
 * Brownian-motion noise for the SDE samplers: {@code next(σ, σ')} = (W(σ') − W(σ)) / sqrt(|σ' −
 * σ|), the normalised increment of one Brownian path W over σ, like ComfyUI's {@code
 * BrownianTreeNoiseSampler}, so overlapping intervals (dpmpp_sde's half step and full step) get
 * correctly correlated noise.
 *
 * <p>Not bit-identical to torchsde's BrownianTree (whose interval splitting and seed tree are not
 * reproduced): W(σ_min) = 0, W(σ_max) = sqrt(σ_max − σ_min)·z₀, and each new query point is filled
 * in by the Brownian bridge between its known neighbours (mean by linear interpolation, variance
 * (t−a)(b−t)/(b−a)) or a random-walk step beyond the ends, with z drawn in query order from the
 * given Gaussian stream. Same statistics, deterministic for a seed. Not thread-safe.
 */
public final class BrownianNoise implements NoiseSource {
    private final NoiseSource gaussian;
    private final double t0;
    private final double t1;
    private final TreeMap<Double, float[]> path = new TreeMap<>();

    /**
     * Creates the path on [sigmaMin, sigmaMax].
     *
     * @param gaussian source of standard normal draws (e.g. {@code new TorchCpuNoise(seed)})
     */
    public BrownianNoise(NoiseSource gaussian, float sigmaMin, float sigmaMax) {
        if (!(sigmaMin >= 0 && sigmaMax > sigmaMin)) {
            throw new IllegalArgumentException(
                    "Brownian noise needs 0 <= sigmaMin < sigmaMax, got " + sigmaMin + ", " + sigmaMax);
        }
        this.gaussian = gaussian;
        this.t0 = sigmaMin;
        this.t1 = sigmaMax;
    }

    /** ComfyUI's choice for the SDE samplers: the path spans the smallest positive and largest σ. */
    public static BrownianNoise forSchedule(NoiseSource gaussian, float[] sigmas) {
        float min = Float.POSITIVE_INFINITY;
        float max = 0f;
        for (float s : sigmas) {
            if (s > 0) {
                min = Math.min(min, s);
            }
            max = Math.max(max, s);
        }
        if (!(min < max)) {
            min = 0f;
        }
        return new BrownianNoise(gaussian, min, max == 0f ? 1f : max);
    }

    @Override
    public NDArray next(float sigma, float sigmaNext, Shape shape, NDManager manager) {
        int n = Math.toIntExact(shape.size());
        float[] wa = at(sigma, shape, manager, n);
        float[] wb = at(sigmaNext, shape, manager, n);
        double scale = 1.0 / Math.sqrt(Math.abs((double) sigmaNext - sigma));
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) ((wb[i] - wa[i]) * scale);
        }
        return manager.create(out, shape);
    }

    private float[] at(double t, Shape shape, NDManager manager, int n) {
        if (path.isEmpty()) {
            path.put(t0, new float[n]);
            float[] z = draw(shape, manager, n);
            double sd = Math.sqrt(t1 - t0);
            float[] w1 = new float[n];
            for (int i = 0; i < n; i++) {
                w1[i] = (float) (sd * z[i]);
            }
            path.put(t1, w1);
        }
        float[] known = path.get(t);
        if (known != null) {
            if (known.length != n) {
                throw new IllegalStateException("Brownian noise asked for a different shape " + shape);
            }
            return known;
        }
        Map.Entry<Double, float[]> lo = path.lowerEntry(t);
        Map.Entry<Double, float[]> hi = path.higherEntry(t);
        float[] z = draw(shape, manager, n);
        float[] w = new float[n];
        if (lo != null && hi != null) {
            double a = lo.getKey();
            double b = hi.getKey();
            double f = (t - a) / (b - a);
            double sd = Math.sqrt((t - a) * (b - t) / (b - a));
            float[] wa = lo.getValue();
            float[] wb = hi.getValue();
            for (int i = 0; i < n; i++) {
                w[i] = (float) (wa[i] + f * (wb[i] - wa[i]) + sd * z[i]);
            }
        } else {
            Map.Entry<Double, float[]> near = lo != null ? lo : hi;
            double sd = Math.sqrt(Math.abs(t - near.getKey()));
            float[] wn = near.getValue();
            for (int i = 0; i < n; i++) {
                w[i] = (float) (wn[i] + sd * z[i]);
            }
        }
        path.put(t, w);
        return w;
    }

    private float[] draw(Shape shape, NDManager manager, int n) {
        try (NDArray z = gaussian.next(0f, 0f, shape, manager)) {
            return z.toFloatArray();
        }
    }
}
