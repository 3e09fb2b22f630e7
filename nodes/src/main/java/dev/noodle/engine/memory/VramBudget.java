package dev.noodle.engine.memory;

import ai.djl.Device;
import java.util.Locale;

/**
 * How much GPU memory the loaded models may occupy while a step runs: the device's total memory, less a reserve
 * (for other programs and allocations no estimate sees) and less the step's own working memory, at least
 * {@link #MINIMUM_INFERENCE} (ComfyUI's {@code minimum_inference_memory}: 0.8 GiB plus the reserve). Immutable.
 *
 * @param totalBytes the device's memory
 * @param reserveBytes memory never planned for models or work (ComfyUI's {@code extra_reserved_memory}, 400 MiB by
 *     default)
 */
public record VramBudget(long totalBytes, long reserveBytes) {
    /** One GiB. */
    public static final long GIB = 1024L * 1024 * 1024;
    /** The default reserve, as ComfyUI's {@code EXTRA_RESERVED_VRAM} on Linux: 400 MiB. */
    public static final long DEFAULT_RESERVE = 400L * 1024 * 1024;
    /** The least working memory planned for a step, before the reserve: 0.8 GiB, as ComfyUI. */
    public static final long MINIMUM_INFERENCE = Math.round(0.8 * GIB);

    /** Checks the values. */
    public VramBudget {
        if (totalBytes < 0 || reserveBytes < 0) {
            throw new IllegalArgumentException("a VRAM budget needs a total and a reserve of 0 or more bytes, got "
                    + totalBytes + " and " + reserveBytes);
        }
    }

    /** A budget over {@code totalBytes} with the reserve the settings ask for (or the default). */
    public static VramBudget of(long totalBytes, VramSettings settings) {
        return new VramBudget(totalBytes, settings.reserveBytes() >= 0 ? settings.reserveBytes() : DEFAULT_RESERVE);
    }

    /**
     * The total memory of a CUDA device as the CUDA runtime reports it.
     *
     * @throws IllegalStateException when the device is not a GPU or the CUDA runtime cannot tell
     */
    public static long deviceTotal(Device device) {
        if (!device.isGpu()) {
            throw new IllegalStateException(device + " is not a GPU");
        }
        try {
            long max = ai.djl.util.cuda.CudaUtils.getGpuMemory(device).getMax();
            if (max <= 0) {
                throw new IllegalStateException("the CUDA runtime reports no memory for " + device);
            }
            return max;
        } catch (RuntimeException | LinkageError e) {
            throw new IllegalStateException("cannot read the memory of " + device + " from the CUDA runtime ("
                    + e.getMessage() + ")", e);
        }
    }

    /** The working memory planned for a step whose own estimate is {@code inferenceBytes}, reserve included. */
    public long workBytes(long inferenceBytes) {
        return Math.max(MINIMUM_INFERENCE + reserveBytes, Math.max(0, inferenceBytes) + reserveBytes);
    }

    /** The bytes of weights that may be on the device while a step needing {@code inferenceBytes} runs. */
    public long forModels(long inferenceBytes) {
        return Math.max(0, totalBytes - workBytes(inferenceBytes));
    }

    /** Bytes as GB with two decimals, for messages. */
    public static String gb(long bytes) {
        return String.format(Locale.ROOT, "%.2f GB", bytes / 1e9);
    }
}
