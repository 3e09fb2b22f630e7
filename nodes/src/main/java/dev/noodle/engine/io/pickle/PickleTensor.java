package dev.noodle.engine.io.pickle;

import dev.noodle.engine.io.DType;
import java.util.Arrays;

/**
 * A tensor found in a pickle: a strided view of one storage. Values are read on demand through
 * {@link PickleCheckpoint}. Immutable.
 *
 * @param storage the storage (zip entry and dtype)
 * @param offset storage offset in elements
 * @param shape dimensions (empty for a scalar)
 * @param stride element strides, same length as shape
 * @param requiresGrad the saved {@code requires_grad} flag
 */
public record PickleTensor(Py.StorageRef storage, long offset, long[] shape, long[] stride, boolean requiresGrad) {
    public PickleTensor {
        shape = shape.clone();
        stride = stride.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public long[] stride() {
        return stride.clone();
    }

    /** Storage dtype. */
    public DType dtype() {
        return storage.dtype();
    }

    /** Whether the view is row-major contiguous. */
    public boolean contiguous() {
        long expect = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expect) {
                return false;
            }
            expect *= shape[i];
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PickleTensor t && t.storage.equals(storage) && t.offset == offset
                && Arrays.equals(t.shape, shape) && Arrays.equals(t.stride, stride) && t.requiresGrad == requiresGrad;
    }

    @Override
    public int hashCode() {
        return storage.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return "tensor(" + storage.dtype() + " " + Arrays.toString(shape) + ", storage " + storage.key() + ")";
    }
}
