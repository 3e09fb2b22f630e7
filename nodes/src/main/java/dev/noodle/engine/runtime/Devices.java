package dev.noodle.engine.runtime;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import dev.noodle.engine.memory.ModelPlacement;
import dev.noodle.engine.memory.VramSettings;
import java.util.Objects;

/**
 * Picks where the engine computes from the {@link EngineOptions}: CUDA in float16 when DJL sees a GPU, otherwise the
 * CPU in float32 (half precision on this class of CPU is 60–290× slower), unless the options ask for a device or
 * type. Stateless and thread-safe.
 */
public final class Devices {
    /**
     * Where and in which float type to compute, with the options that chose them; models loaded for a target follow
     * its options' kernel choices (attention, group norm, convolution layout).
     */
    public record Target(Device device, DataType dtype, EngineOptions options) {
        /** Checks that nothing is null. */
        public Target {
            Objects.requireNonNull(device, "device");
            Objects.requireNonNull(dtype, "dtype");
            Objects.requireNonNull(options, "options");
        }

        /** The CPU in float32 with the default kernels, the reference target. */
        public static Target cpu() {
            return cpu(EngineOptions.defaults());
        }

        /** The CPU in float32 with the kernels {@code options} choose (its device and type requests are ignored). */
        public static Target cpu(EngineOptions options) {
            return new Target(Device.cpu(), DataType.FLOAT32, options);
        }
    }

    private Devices() {}

    /**
     * The target the options and the hardware give.
     *
     * @throws IllegalStateException when the options ask for a GPU and DJL sees none
     */
    public static Target choose(EngineOptions options) {
        boolean gpu = switch (options.device()) {
            case CPU -> false;
            case GPU -> {
                if (gpuCount() == 0) {
                    throw new IllegalStateException(EngineOptions.DEVICE_PROPERTY + "=gpu but DJL sees no GPU ("
                            + EngineStatus.findings().cpuReason().orElse("no reason found") + "); ./noodle doctor"
                            + " says more, or use " + EngineOptions.DEVICE_PROPERTY + "=cpu");
                }
                yield true;
            }
            case AUTO -> options.vram().mode() != VramSettings.Mode.CPU && gpuCount() > 0;
        };
        ModelPlacement.configure(options.vram());
        Device device = gpu ? Device.gpu() : Device.cpu();
        DataType dtype = switch (options.dtype()) {
            case FP32 -> DataType.FLOAT32;
            case FP16 -> DataType.FLOAT16;
            case AUTO -> gpu ? DataType.FLOAT16 : DataType.FLOAT32;
        };
        return new Target(device, dtype, options);
    }

    private static int gpuCount() {
        // the first engine start decides which libtorch DJL loads (the CUDA one of ./noodle gpu install, or its own)
        if (EngineStatus.problem().isPresent()) {
            return 0;
        }
        return Engine.getEngine("PyTorch").getGpuCount();
    }
}
