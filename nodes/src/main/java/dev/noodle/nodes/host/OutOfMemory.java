package dev.noodle.nodes.host;

import ai.djl.engine.EngineException;
import java.util.Locale;

/**
 * Recognises the engine running out of memory, once, for the executor (bad-inputs R2).
 *
 * <p>PyTorch's allocator failures reach Java as DJL's {@link EngineException} (the JNI layer maps every native error
 * to it); its message is the only thing that tells an allocation failure ("CUDA out of memory",
 * "DefaultCPUAllocator: not enough memory", "std::bad_alloc") from a shape error. Java's own
 * {@link OutOfMemoryError} the executor recognises by itself. Stateless.
 */
public final class OutOfMemory {
    private OutOfMemory() {}

    /** True when {@code e} or one of its causes is an engine exception reporting a failed allocation. */
    public static boolean isEngineOutOfMemory(Throwable e) {
        Throwable t = e;
        for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof EngineException && allocationFailure(t.getMessage())) {
                return true;
            }
        }
        return false;
    }

    private static boolean allocationFailure(String message) {
        String m = message == null ? "" : message.toLowerCase(Locale.ROOT);
        return m.contains("out of memory") || m.contains("defaultcpuallocator") || m.contains("not enough memory")
                || m.contains("bad_alloc") || m.contains("can't allocate") || m.contains("cannot allocate");
    }
}
