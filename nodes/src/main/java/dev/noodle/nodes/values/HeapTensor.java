package dev.noodle.nodes.values;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * A small immutable float32 tensor on the Java heap. Values on wires (latents, images, masks, conditioning) are
 * kept this way: they are megabytes at most, need no native owner, and can be cached and shared freely; nodes
 * move them to the engine's device inside their own scope.
 */
public final class HeapTensor {
    private final long[] shape;
    private final float[] data;

    public HeapTensor(long[] shape, float[] data) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n + " values, got "
                    + data.length);
        }
        this.shape = shape.clone();
        this.data = data;
    }

    /** Copies an NDArray (any float dtype, any device) to the heap. */
    public static HeapTensor of(NDArray a) {
        NDArray f = a.getDataType() == DataType.FLOAT32 ? a : a.toType(DataType.FLOAT32, false);
        return new HeapTensor(a.getShape().getShape(), f.toFloatArray());
    }

    /** A new NDArray with these values, owned by {@code m}. */
    public NDArray toNd(NDManager m) {
        return m.create(data, new Shape(shape));
    }

    /** Dimensions (a copy). */
    /** The whole tensor {@code times} times over along dimension 0 (torch's {@code repeat(times, 1, …)}). */
    public HeapTensor repeatBatch(int times) {
        float[] out = new float[Math.multiplyExact(data.length, times)];
        for (int i = 0; i < times; i++) {
            System.arraycopy(data, 0, out, i * data.length, data.length);
        }
        long[] s = shape.clone();
        s[0] = Math.multiplyExact(s[0], times);
        return new HeapTensor(s, out);
    }

    public long[] shape() {
        return shape.clone();
    }

    /** One dimension. */
    public long dim(int i) {
        return shape[i];
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** The values in row-major order; callers must not modify them. */
    public float[] data() {
        return data;
    }

    /** Bytes held. */
    public long sizeBytes() {
        return 4L * data.length;
    }

    @Override
    public String toString() {
        return "HeapTensor" + Arrays.toString(shape);
    }
}
