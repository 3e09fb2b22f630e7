package dev.noodle.engine.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Set;

/**
 * A read-only set of named tensors: a safetensors file, a pickle checkpoint, a prefix view of either, or an
 * in-memory map in tests. Engine modules bind their parameters by name from a TensorSource.
 *
 * <p>Implementations are thread-safe for reads. {@link #load} always returns a new array owned by the given
 * manager that the caller may modify; it never hands out memory-mapped storage.
 */
public interface TensorSource {
    /** All keys. */
    Set<String> keys();

    /** Whether the key exists. */
    default boolean contains(String key) {
        return keys().contains(key);
    }

    /** Dtype and shape of a key; throws {@link ModelFormatException} naming the key when absent. */
    TensorInfo info(String key);

    /**
     * Reads one tensor into a new array owned by {@code manager}, converted to {@code compute} (FLOAT32 or
     * FLOAT16; integer tensors may be requested as INT64/INT32). F16/BF16 are widened in Java, never handed to
     * DJL as BF16.
     */
    NDArray load(String key, NDManager manager, DataType compute);

    /**
     * Reads one tensor as float32 values in row-major order (small tensors, tests, metadata); by default through
     * {@link #load} into a scratch manager.
     */
    default float[] loadFloats(String key) {
        try (NDManager m = NDManager.newBaseManager()) {
            return load(key, m, DataType.FLOAT32).toFloatArray();
        }
    }

    /**
     * The tensor's little-endian bytes as stored, when this source holds them as they are (a file, or a renaming
     * view of one that keeps the tensor whole); empty when the tensor is computed (split, transposed, converted).
     */
    default java.util.Optional<java.nio.ByteBuffer> storedBytes(String key) {
        return java.util.Optional.empty();
    }

    /** A human description for error messages, e.g. the file path. */
    String describe();

    /** A view of the keys starting with {@code prefix}, with the prefix removed. */
    default TensorSource withPrefix(String prefix) {
        return new PrefixTensorSource(this, prefix);
    }
}
