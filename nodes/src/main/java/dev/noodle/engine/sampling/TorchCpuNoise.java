package dev.noodle.engine.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * A stream of {@code torch.randn(shape, generator=g)} draws from a CPU generator seeded once, as
 * ComfyUI's {@code default_noise_sampler} on the CPU (seeded with seed + 1 there, see {@link
 * #comfyAncestral}).
 *
 * <p>Because DJL only reaches the global generator, the stream is replayed from the seed under
 * {@link TorchRng#LOCK} when needed: draw k re-seeds, skips the k earlier draws and prefetches up to
 * k + 1 more of the same shape (doubling), so a run of n steps costs O(n) draws in total. Not
 * thread-safe: one instance per run.
 */
public final class TorchCpuNoise implements NoiseSource {
    private final long seed;
    private final List<Shape> issued = new ArrayList<>();
    private final List<float[]> cache = new ArrayList<>();
    private int cacheStart;
    private Shape cacheShape;

    /** A stream seeded with {@code seed}. */
    public TorchCpuNoise(long seed) {
        this.seed = seed;
    }

    /**
     * ComfyUI's per-step ancestral noise when sampling on the CPU: a generator seeded with seed + 1
     * ({@code comfy/k_diffusion/sampling.py default_noise_sampler}).
     */
    public static TorchCpuNoise comfyAncestral(long seed) {
        return new TorchCpuNoise(seed + 1);
    }

    /** The seed the generator is set to. */
    public long seed() {
        return seed;
    }

    @Override
    public NDArray next(float sigma, float sigmaNext, Shape shape, NDManager manager) {
        int k = issued.size();
        int idx = k - cacheStart;
        if (cacheShape == null || !cacheShape.equals(shape) || idx < 0 || idx >= cache.size()) {
            refill(k, shape);
            idx = 0;
        }
        issued.add(shape);
        return manager.create(cache.get(idx), shape);
    }

    private void refill(int k, Shape shape) {
        int ahead = Math.max(8, k + 1);
        List<Shape> plan = new ArrayList<>(issued);
        for (int i = 0; i < ahead; i++) {
            plan.add(shape);
        }
        List<float[]> all = TorchRng.draws(seed, plan);
        cache.clear();
        cache.addAll(all.subList(k, all.size()));
        cacheStart = k;
        cacheShape = shape;
    }
}
