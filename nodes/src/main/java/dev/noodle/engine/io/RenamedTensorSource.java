package dev.noodle.engine.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A view of a {@link TensorSource} under other key names (a file in one naming read in another): every key of the
 * view reads one key of the base, nothing is copied. {@link #info} reports the view's key as its name. Immutable.
 */
public final class RenamedTensorSource implements TensorSource {
    private final TensorSource base;
    private final Map<String, String> toBase;
    private final String description;

    private RenamedTensorSource(TensorSource base, Map<String, String> toBase, String description) {
        this.base = base;
        this.toBase = Collections.unmodifiableMap(new LinkedHashMap<>(toBase));
        this.description = description;
    }

    /**
     * The view.
     *
     * @param base the source read
     * @param toBase view key → base key (each base key must exist)
     * @param description what error messages call the view (usually the file and its naming)
     * @throws ModelFormatException naming the first base key that is absent
     */
    public static TensorSource of(TensorSource base, Map<String, String> toBase, String description) {
        for (Map.Entry<String, String> e : toBase.entrySet()) {
            if (!base.contains(e.getValue())) {
                throw new ModelFormatException(base.describe() + ": tensor '" + e.getValue() + "' (read as '"
                        + e.getKey() + "') is missing");
            }
        }
        return new RenamedTensorSource(base, toBase, description);
    }

    /** The base key a view key reads. */
    public String baseKey(String key) {
        String k = toBase.get(key);
        if (k == null) {
            throw new ModelFormatException(description + ": missing tensor '" + key + "'");
        }
        return k;
    }

    @Override
    public Set<String> keys() {
        return toBase.keySet();
    }

    @Override
    public boolean contains(String key) {
        return toBase.containsKey(key);
    }

    @Override
    public TensorInfo info(String key) {
        TensorInfo i = base.info(baseKey(key));
        return new TensorInfo(key, i.dtype(), i.shape());
    }

    @Override
    public NDArray load(String key, NDManager manager, DataType compute) {
        return base.load(baseKey(key), manager, compute);
    }

    @Override
    public float[] loadFloats(String key) {
        return base.loadFloats(baseKey(key));
    }

    @Override
    public String describe() {
        return description;
    }
}
