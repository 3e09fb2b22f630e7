package dev.noodle.engine.memory;

import ai.djl.engine.EngineException;
import java.util.Locale;

/**
 * A step that ran out of GPU memory even after the other models were moved to CPU memory and the CUDA cache was
 * emptied. Its cause is the engine's own out-of-memory exception, so hosts that recognise the engine running out
 * of memory (and free their caches) recognise this one too.
 */
public final class GpuOutOfMemory extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A failure with the message users see and the engine's exception as its cause. */
    public GpuOutOfMemory(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * True when {@code e} or one of its causes is libtorch's CUDA allocator failing, as DJL reports it (an
     * {@link EngineException} whose message says "CUDA out of memory", or cuBLAS/cuDNN failing to allocate).
     */
    public static boolean isCudaOutOfMemory(Throwable e) {
        Throwable t = e;
        for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof EngineException && cudaAllocation(t.getMessage())) {
                return true;
            }
        }
        return false;
    }

    private static boolean cudaAllocation(String message) {
        String m = message == null ? "" : message.toLowerCase(Locale.ROOT);
        return m.contains("cuda out of memory") || m.contains("cublas_status_alloc_failed")
                || m.contains("cudnn_status_alloc_failed") || m.contains("cudaerrormemoryallocation")
                || m.contains("cuda error: out of memory");
    }
}
