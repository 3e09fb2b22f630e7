package dev.noodle.engine.adapters;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.noodle.engine.io.TensorSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** A plain map of arrays as {@link PatchableWeights}, for tests; the copy remembers its replacement owner. */
final class MapWeights implements PatchableWeights<MapWeights>, AutoCloseable {
    final Map<String, NDArray> arrays;
    final NDManager owner;

    MapWeights(Map<String, NDArray> arrays, NDManager owner) {
        this.arrays = arrays;
        this.owner = owner;
    }

    /** Loads every key of {@code src} starting with {@code prefix} (prefix removed) as float32 into {@code m}. */
    static MapWeights load(TensorSource src, String prefix, NDManager m, DataType dtype) {
        Map<String, NDArray> a = new LinkedHashMap<>();
        for (String k : src.keys()) {
            if (k.startsWith(prefix)) {
                a.put(k.substring(prefix.length()), src.load(k, m, dtype));
            }
        }
        return new MapWeights(a, null);
    }

    @Override
    public Set<String> keys() {
        return arrays.keySet();
    }

    @Override
    public NDArray get(String key) {
        return arrays.get(key);
    }

    @Override
    public MapWeights withReplaced(Map<String, NDArray> replacements, NDManager owner) {
        Map<String, NDArray> merged = new LinkedHashMap<>(arrays);
        merged.putAll(replacements);
        return new MapWeights(merged, owner);
    }

    @Override
    public void close() {
        if (owner != null) {
            owner.close();
        }
    }
}
