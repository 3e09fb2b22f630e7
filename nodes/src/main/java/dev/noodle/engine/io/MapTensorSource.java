package dev.noodle.engine.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** An in-memory {@link TensorSource} of float32 tensors (generated models, merges, tests). Immutable. */
public final class MapTensorSource implements TensorSource {
    /** One float32 tensor held in memory. */
    public record Entry(long[] shape, float[] data) {}

    private final Map<String, Entry> entries;
    private final String description;

    public MapTensorSource(Map<String, Entry> entries, String description) {
        this.entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
        this.description = description;
    }

    @Override
    public Set<String> keys() {
        return entries.keySet();
    }

    private Entry entry(String key) {
        Entry e = entries.get(key);
        if (e == null) {
            throw new ModelFormatException(description + ": missing tensor '" + key + "'");
        }
        return e;
    }

    @Override
    public TensorInfo info(String key) {
        return new TensorInfo(key, DType.F32, entry(key).shape());
    }

    @Override
    public NDArray load(String key, NDManager manager, DataType compute) {
        Entry e = entry(key);
        NDArray a = manager.create(e.data().clone(), new Shape(e.shape()));
        return compute == DataType.FLOAT32 ? a : a.toType(compute, false);
    }

    @Override
    public float[] loadFloats(String key) {
        return entry(key).data().clone();
    }

    @Override
    public String describe() {
        return description;
    }
}
