package dev.noodle.engine.control;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorInfo;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.unet.UNetWeights;
import java.util.Arrays;
import java.util.Set;

/**
 * The weights of a "difference" ControlNet (a file with a {@code difference} key) made whole: each control weight
 * X that the model's UNet also has is read as file[X] + model[X], as ComfyUI's {@code load_controlnet} adds
 * {@code diffusion_model.X} to {@code control_model.X}; the others (hint encoder, zero convolutions) are read as
 * stored. Sums are formed in float32 and stored in the type asked for. Thread-safe for reads.
 */
final class DifferenceSource implements TensorSource {
    private final TensorSource diff;
    private final UNetWeights model;
    private final String modelName;

    /**
     * @param diff the control model's keys (without {@code control_model.})
     * @param model the UNet weights the differences were taken from (keys relative to the UNet)
     * @param modelName the model as messages name it (its family)
     */
    DifferenceSource(TensorSource diff, UNetWeights model, String modelName) {
        this.diff = diff;
        this.model = model;
        this.modelName = modelName;
    }

    @Override
    public Set<String> keys() {
        return diff.keys();
    }

    @Override
    public TensorInfo info(String key) {
        return diff.info(key);
    }

    @Override
    public NDArray load(String key, NDManager manager, DataType compute) {
        if (!model.keys().contains(key)) {
            return diff.load(key, manager, compute);
        }
        NDArray base = model.get(key);
        long[] stored = diff.info(key).shape();
        if (!Arrays.equals(stored, base.getShape().getShape())) {
            throw new ModelFormatException(diff.describe() + ": the difference ControlNet's '" + ControlNet.PREFIX
                    + key + "' has shape " + Arrays.toString(stored) + " but the " + modelName + " model's '" + key
                    + "' has " + base.getShape() + "; load it with the model it was made for.");
        }
        try (NDManager tmp = manager.newSubManager()) {
            NDArray d = diff.load(key, tmp, DataType.FLOAT32);
            NDArray copy = base.duplicate(); // made in the weights' manager: moved out at once
            copy.attach(tmp);
            NDArray m = copy.toDevice(d.getDevice(), false).toType(DataType.FLOAT32, false);
            NDArray sum = d.add(m).toType(compute, false);
            sum.attach(manager);
            return sum;
        }
    }

    @Override
    public String describe() {
        return diff.describe();
    }
}
