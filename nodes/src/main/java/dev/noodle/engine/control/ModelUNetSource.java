package dev.noodle.engine.control;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.noodle.engine.io.DType;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorInfo;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.unet.UNetWeights;
import java.util.Set;

/**
 * A loaded model's UNet weights read as a {@link TensorSource} (keys relative to the UNet), for the control formats
 * built on them (control-LoRAs). Every load is a copy owned by the caller's manager; the weights themselves are
 * never handed out or changed. Thread-safe for reads.
 */
final class ModelUNetSource implements TensorSource {
    private final UNetWeights weights;
    private final String name;

    ModelUNetSource(UNetWeights weights, String name) {
        this.weights = weights;
        this.name = name;
    }

    private NDArray stored(String key) {
        if (!weights.keys().contains(key)) {
            throw new ModelFormatException(name + ": the model's UNet has no '" + key + "'");
        }
        return weights.get(key);
    }

    @Override
    public Set<String> keys() {
        return weights.keys();
    }

    @Override
    public TensorInfo info(String key) {
        NDArray a = stored(key);
        DType d = switch (a.getDataType()) {
            case FLOAT16 -> DType.F16;
            case BFLOAT16 -> DType.BF16;
            case FLOAT64 -> DType.F64;
            default -> DType.F32;
        };
        return new TensorInfo(key, d, a.getShape().getShape());
    }

    @Override
    public NDArray load(String key, NDManager manager, DataType compute) {
        try (NDManager tmp = manager.newSubManager()) {
            NDArray copy = stored(key).duplicate(); // made in the weights' manager: moved out at once
            copy.attach(tmp);
            NDArray out = copy.toDevice(manager.getDevice(), false).toType(compute, false);
            out.attach(manager);
            return out;
        }
    }

    @Override
    public String describe() {
        return name;
    }
}
