package dev.noodle.engine.runtime;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import java.util.Locale;

/**
 * Picks where the engine computes: CUDA in float16 when DJL sees a GPU, otherwise the CPU in float32 (half
 * precision on this class of CPU is 60–290× slower). Override with the system property {@code noodle.device}
 * ({@code cpu}, {@code gpu}/{@code cuda}) and {@code noodle.dtype} ({@code fp32}, {@code fp16}). Stateless and
 * thread-safe.
 */
public final class Devices {
    /** Where and in which float type to compute. */
    public record Target(Device device, DataType dtype) {
        /** The CPU in float32, the reference target. */
        public static Target cpu() {
            return new Target(Device.cpu(), DataType.FLOAT32);
        }
    }

    private Devices() {}

    /** The target chosen from the hardware and the system properties. */
    public static Target choose() {
        String dev = System.getProperty("noodle.device", "auto").trim().toLowerCase(Locale.ROOT);
        boolean gpu = switch (dev) {
            case "cpu" -> false;
            case "gpu", "cuda" -> {
                if (gpuCount() == 0) {
                    throw new IllegalStateException("noodle.device=" + dev + " but DJL sees no GPU; install the"
                            + " CUDA PyTorch natives or use noodle.device=cpu");
                }
                yield true;
            }
            case "auto", "" -> gpuCount() > 0;
            default -> throw new IllegalArgumentException("noodle.device must be auto, cpu or gpu, got '" + dev + "'");
        };
        Device device = gpu ? Device.gpu() : Device.cpu();
        String dt = System.getProperty("noodle.dtype", "auto").trim().toLowerCase(Locale.ROOT);
        DataType dtype = switch (dt) {
            case "fp32", "float32" -> DataType.FLOAT32;
            case "fp16", "float16" -> DataType.FLOAT16;
            case "auto", "" -> gpu ? DataType.FLOAT16 : DataType.FLOAT32;
            default -> throw new IllegalArgumentException("noodle.dtype must be auto, fp32 or fp16, got '" + dt + "'");
        };
        return new Target(device, dtype);
    }

    private static int gpuCount() {
        return Engine.getEngine("PyTorch").getGpuCount();
    }
}
