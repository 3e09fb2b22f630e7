package dev.noodle.engine.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Set;
import java.util.TreeSet;

/** A view of a {@link TensorSource} restricted to one key prefix, which it strips. */
final class PrefixTensorSource implements TensorSource {
    private final TensorSource base;
    private final String prefix;
    private final Set<String> keys;

    PrefixTensorSource(TensorSource base, String prefix) {
        this.base = base;
        this.prefix = prefix;
        TreeSet<String> k = new TreeSet<>();
        for (String key : base.keys()) {
            if (key.startsWith(prefix)) {
                k.add(key.substring(prefix.length()));
            }
        }
        this.keys = java.util.Collections.unmodifiableSet(k);
    }

    @Override
    public Set<String> keys() {
        return keys;
    }

    @Override
    public TensorInfo info(String key) {
        return base.info(prefix + key);
    }

    @Override
    public NDArray load(String key, NDManager manager, DataType compute) {
        return base.load(prefix + key, manager, compute);
    }

    @Override
    public float[] loadFloats(String key) {
        return base.loadFloats(prefix + key);
    }

    @Override
    public java.util.Optional<java.nio.ByteBuffer> storedBytes(String key) {
        return base.storedBytes(prefix + key);
    }

    @Override
    public String describe() {
        return base.describe() + " [" + prefix + "*]";
    }
}
