package dev.noodle.engine.upscale;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * A loaded single-image super-resolution network (ESRGAN, Real-ESRGAN, the compact SRVGG net, SwinIR …), as people
 * download them into {@code models/upscale_models}. Weights are owned by the network and freed by {@link #close()}.
 *
 * <p>{@link #forward} is thread-safe for concurrent calls on different inputs.
 */
public interface UpscaleNet extends AutoCloseable {
    /** The architecture's common name, as upscaler collections label it (e.g. "ESRGAN", "Compact", "SwinIR"). */
    String architecture();

    /** The factor by which width and height grow (1, 2, 4 or 8). */
    int scale();

    /**
     * The multiple an input side must be of (a window size, or 2/4 for pixel-unshuffled inputs); callers pad with
     * reflected edges up to it and crop the output back. 1 when any size works.
     */
    default int sizeMultiple() {
        return 1;
    }

    /**
     * Upscales {@code image} [B, 3, H, W] float32 RGB in [0, 1] to [B, 3, H·scale, W·scale] (not clamped), on
     * {@code manager}; intermediate arrays are freed before returning.
     */
    NDArray forward(NDArray image, NDManager manager);

    /** Bytes held by the weights. */
    long sizeBytes();

    @Override
    void close();
}
