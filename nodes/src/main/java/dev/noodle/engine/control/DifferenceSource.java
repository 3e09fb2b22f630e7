package dev.noodle.engine.control;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorInfo;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.unet.UNetConfig;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;

/**
 * A "difference" ControlNet read as a whole one: each weight the model's UNet also has is the file's difference
 * plus the UNet's weight (ComfyUI's {@code load_controlnet} with a {@code difference} key); the ControlNet's own
 * parts are read as stored. Weights are summed when loaded, nothing up front. Immutable.
 */
public final class DifferenceSource implements TensorSource {
    private final TensorSource diff;
    private final TensorSource unet;
    private final Set<String> added;

    private DifferenceSource(TensorSource diff, TensorSource unet, Set<String> added) {
        this.diff = diff;
        this.unet = unet;
        this.added = added;
    }

    /**
     * The sum view.
     *
     * @param diff the ControlNet's differences in the LDM control-only layout (the {@code control_model.} view)
     * @param unet the model's UNet weights, keys relative to {@value UNetConfig#PREFIX}
     * @throws ModelFormatException naming a key whose shape differs from the UNet's
     */
    public static TensorSource of(TensorSource diff, TensorSource unet) {
        Set<String> added = new TreeSet<>();
        for (String k : diff.keys()) {
            if (ControlNetLayout.isUnetPart(k) && unet.contains(k)) {
                long[] d = diff.info(k).shape();
                long[] u = unet.info(k).shape();
                if (!Arrays.equals(d, u)) {
                    throw new ModelFormatException(diff.describe() + ": '" + k + "' has shape " + Arrays.toString(d)
                            + " but the model's UNet has " + Arrays.toString(u) + "; this difference ControlNet was"
                            + " made for another base model.");
                }
                added.add(k);
            }
        }
        return new DifferenceSource(diff, unet, added);
    }

    @Override
    public Set<String> keys() {
        return diff.keys();
    }

    @Override
    public boolean contains(String key) {
        return diff.contains(key);
    }

    @Override
    public TensorInfo info(String key) {
        return diff.info(key);
    }

    @Override
    public NDArray load(String key, NDManager manager, DataType compute) {
        if (!added.contains(key)) {
            return diff.load(key, manager, compute);
        }
        try (NDManager scope = manager.newSubManager()) {
            NDArray sum = diff.load(key, scope, DataType.FLOAT32).add(unet.load(key, scope, DataType.FLOAT32));
            NDArray out = compute == DataType.FLOAT32 ? sum : sum.toType(compute, false);
            out.attach(manager);
            return out;
        }
    }

    @Override
    public float[] loadFloats(String key) {
        float[] d = diff.loadFloats(key);
        if (added.contains(key)) {
            float[] u = unet.loadFloats(key);
            for (int i = 0; i < d.length; i++) {
                d[i] += u[i];
            }
        }
        return d;
    }

    @Override
    public String describe() {
        return diff.describe() + " (difference ControlNet on the model's UNet)";
    }
}
