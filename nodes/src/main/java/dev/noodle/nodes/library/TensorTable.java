package dev.noodle.nodes.library;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorInfo;
import dev.noodle.engine.io.TensorSource;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Names, dtypes and shapes of a file's tensors without their values: what identification reads (a safetensors header,
 * or the tensors found in a pickle's tree). Loading a value is refused. Immutable and thread-safe.
 */
final class TensorTable implements TensorSource {
    private final Map<String, TensorInfo> infos;
    private final String name;

    TensorTable(Map<String, TensorInfo> infos, String name) {
        this.infos = Collections.unmodifiableMap(new LinkedHashMap<>(infos));
        this.name = name;
    }

    @Override
    public Set<String> keys() {
        return infos.keySet();
    }

    @Override
    public TensorInfo info(String key) {
        TensorInfo i = infos.get(key);
        if (i == null) {
            throw new ModelFormatException(name + " has no tensor '" + key + "'");
        }
        return i;
    }

    /** The shape of {@code key}, or null when absent. */
    long[] shape(String key) {
        TensorInfo i = infos.get(key);
        return i == null ? null : i.shape();
    }

    @Override
    public NDArray load(String key, NDManager manager, DataType compute) {
        throw new ModelFormatException(name + ": identification reads no tensor values ('" + key + "')");
    }

    @Override
    public String describe() {
        return name;
    }
}
