package dev.noodle.engine.text;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorInfo;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.keys.KeyNames.OpenClipTensor;
import dev.noodle.engine.keys.KeyNames;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Set;

/**
 * A view of an OpenCLIP text encoder stored with open_clip names (SD 2.x {@code cond_stage_model.model.*}, SDXL
 * {@code conditioner.embedders.1.model.*}) under the Hugging Face names {@link ClipTextModel} binds: the names come
 * from {@link KeyNames#openClipToHf}; this view splits the packed q/k/v projections in rows and transposes the text
 * projection as it reads.
 *
 * Immutable and thread-safe for reads, like the source it wraps.
 */
public final class OpenClipKeys implements TensorSource {
    private final TensorSource source;
    private final Map<String, OpenClipTensor> map;

    /** Wraps {@code source}, whose keys are relative to the OpenCLIP model prefix. */
    public OpenClipKeys(TensorSource source) {
        this.source = source;
        this.map = Collections.unmodifiableMap(KeyNames.openClipToHf(source.keys()));
    }

    /** The config inferred from the converted shapes, with OpenCLIP's exact GELU. */
    public ClipConfig config() {
        return ClipConfig.fromWeights(this).withActivation(ClipConfig.Activation.GELU);
    }

    @Override
    public Set<String> keys() {
        return map.keySet();
    }

    private OpenClipTensor mapping(String key) {
        OpenClipTensor m = map.get(key);
        if (m == null) {
            throw new ModelFormatException(describe() + ": missing tensor '" + key + "'");
        }
        return m;
    }

    @Override
    public TensorInfo info(String key) {
        OpenClipTensor m = mapping(key);
        TensorInfo src = source.info(m.openClipKey());
        long[] s = src.shape();
        if (m.part() >= 0) {
            if (s.length < 1 || s[0] % 3 != 0) {
                throw new ModelFormatException(source.describe() + ": '" + m.openClipKey() + "' has shape "
                        + Arrays.toString(s) + "; a packed q/k/v projection needs a first dimension divisible by 3");
            }
            s[0] /= 3;
        } else if (m.transpose()) {
            if (s.length != 2) {
                throw new ModelFormatException(source.describe() + ": '" + m.openClipKey() + "' has shape "
                        + Arrays.toString(s) + " but must be 2-D [width, projection]");
            }
            s = new long[] {s[1], s[0]};
        }
        return new TensorInfo(key, src.dtype(), s);
    }

    @Override
    public NDArray load(String key, NDManager manager, DataType compute) {
        OpenClipTensor m = mapping(key);
        long[] shape = info(key).shape();
        if (m.part() < 0 && !m.transpose()) {
            return source.load(m.openClipKey(), manager, compute);
        }
        try (NDManager scope = manager.newSubManager()) {
            NDArray full = source.load(m.openClipKey(), scope, compute);
            NDArray out = m.transpose()
                    ? full.transpose(1, 0).duplicate() // [P, D]
                    : full.get(m.part() * shape[0] + ":" + (m.part() + 1) * shape[0]).duplicate(); // rows of q|k|v
            out.attach(manager);
            return out;
        }
    }

    @Override
    public float[] loadFloats(String key) {
        OpenClipTensor m = mapping(key);
        float[] full = source.loadFloats(m.openClipKey());
        long[] shape = info(key).shape();
        if (m.part() >= 0) {
            int n = full.length / 3;
            return Arrays.copyOfRange(full, m.part() * n, (m.part() + 1) * n);
        }
        if (m.transpose()) {
            int rows = (int) shape[1];
            int cols = (int) shape[0];
            float[] t = new float[full.length];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    t[c * rows + r] = full[r * cols + c];
                }
            }
            return t;
        }
        return full;
    }

    @Override
    public String describe() {
        return source.describe() + " (open_clip names)";
    }
}
