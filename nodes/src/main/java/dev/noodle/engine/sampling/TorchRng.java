package dev.noodle.engine.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.noodle.engine.runtime.TorchOps;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Seeded draws from PyTorch's CPU generator, bit-identical to {@code torch.manual_seed(seed);
 * torch.randn(...)} on the CPU.
 *
 * <p>DJL exposes only libtorch's process-global default generator ({@code JniUtils.setSeed}), so
 * every multi-draw sequence here runs under {@link #LOCK}; other engine code that seeds the global
 * generator must take the same lock. Single draws use {@link TorchOps#randn} (private generator).
 * Thread-safe.
 */
public final class TorchRng {
    /** Guards libtorch's global CPU generator: hold it from setSeed to the last draw. */
    public static final Object LOCK = new Object();

    private TorchRng() {}

    /**
     * Draws {@code shapes.size()} arrays in order from a generator freshly seeded with {@code seed}.
     */
    public static List<float[]> draws(long seed, List<Shape> shapes) {
        List<float[]> out = new ArrayList<>(shapes.size());
        synchronized (LOCK) {
            try (NDManager m = NDManager.newBaseManager()) {
                JniUtils.setSeed(seed);
                for (Shape s : shapes) {
                    try (NDArray a = m.randomNormal(0f, 1f, s, DataType.FLOAT32)) {
                        out.add(a.toFloatArray());
                    }
                }
            }
        }
        return out;
    }

    /** {@code torch.manual_seed(seed); torch.randn(shape)} on the CPU. */
    public static NDArray randn(long seed, Shape shape, NDManager manager) {
        // a single draw needs no shared stream: use the private-generator TorchScript op
        return TorchOps.randn(manager, seed, shape);
    }

    /**
     * ComfyUI's initial noise ({@code comfy.sample.prepare_noise}): without batch indices one
     * randn(latent shape) after manual_seed(seed); with batch indices, draws of [1, C, H, W] for
     * indices 0..max in order, keeping the ones listed (so image i of a batch reproduces a single
     * run with batch_index i).
     *
     * @param batchIndex per-batch-row index into the seed's stream, or null
     */
    public static NDArray prepareNoise(
            long seed, Shape latentShape, int[] batchIndex, NDManager manager) {
        if (batchIndex == null) {
            return randn(seed, latentShape, manager);
        }
        if (batchIndex.length != latentShape.get(0)) {
            throw new IllegalArgumentException(
                    "batch_index has "
                            + batchIndex.length
                            + " entries but the latent batch is "
                            + latentShape.get(0));
        }
        TreeSet<Integer> unique = new TreeSet<>();
        for (int i : batchIndex) {
            if (i < 0) {
                throw new IllegalArgumentException("batch_index entries must be >= 0, got " + i);
            }
            unique.add(i);
        }
        int max = unique.last();
        if (max > 65_536) {
            throw new IllegalArgumentException("batch_index " + max + " is too large (max 65536)");
        }
        Shape one = new Shape(1, latentShape.get(1), latentShape.get(2), latentShape.get(3));
        List<Shape> shapes = new ArrayList<>();
        for (int i = 0; i <= max; i++) {
            shapes.add(one);
        }
        List<float[]> all = draws(seed, shapes);
        NDList rows = new NDList();
        for (int i : batchIndex) {
            rows.add(manager.create(all.get(i), one));
        }
        NDArray out = rows.size() == 1 ? rows.get(0) : ai.djl.ndarray.NDArrays.concat(rows, 0);
        if (rows.size() > 1) {
            rows.close();
        }
        return out;
    }
}
