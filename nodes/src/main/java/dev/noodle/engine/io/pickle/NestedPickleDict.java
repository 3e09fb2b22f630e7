package dev.noodle.engine.io.pickle;

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
 * The tensors of one dict nested in a pickle checkpoint (a state dict under a wrapper key such as "params_ema" or
 * "adapter"); reads through the checkpoint, which must stay open. Immutable.
 */
public final class NestedPickleDict implements TensorSource {
    private final PickleCheckpoint file;
    private final String wrapper;
    private final Map<String, PickleTensor> tensors;

    private NestedPickleDict(PickleCheckpoint file, String wrapper, Map<String, PickleTensor> tensors) {
        this.file = file;
        this.wrapper = wrapper;
        this.tensors = Collections.unmodifiableMap(tensors);
    }

    // the entries of dict that are tensors under string keys
    private static Map<String, PickleTensor> tensors(Map<?, ?> dict) {
        Map<String, PickleTensor> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            if (e.getKey() instanceof String k && e.getValue() instanceof PickleTensor t) {
                out.put(k, t);
            }
        }
        return out;
    }

    /** The tensors of {@code dict} (under {@code wrapper} in {@code file}) as a source; null when it holds none. */
    public static NestedPickleDict of(PickleCheckpoint file, String wrapper, Map<?, ?> dict) {
        Map<String, PickleTensor> t = tensors(dict);
        return t.isEmpty() ? null : new NestedPickleDict(file, wrapper, t);
    }

    @Override
    public Set<String> keys() {
        return tensors.keySet();
    }

    private PickleTensor tensor(String key) {
        PickleTensor t = tensors.get(key);
        if (t == null) {
            throw new ModelFormatException(file.describe() + " has no tensor '" + wrapper + "." + key + "'.");
        }
        return t;
    }

    @Override
    public TensorInfo info(String key) {
        PickleTensor t = tensor(key);
        return new TensorInfo(key, t.dtype(), t.shape());
    }

    @Override
    public NDArray load(String key, NDManager manager, DataType compute) {
        return file.load(tensor(key), manager, compute);
    }

    @Override
    public float[] loadFloats(String key) {
        return file.loadFloats(tensor(key));
    }

    @Override
    public String describe() {
        return file.describe() + " [" + wrapper + "]";
    }
}
