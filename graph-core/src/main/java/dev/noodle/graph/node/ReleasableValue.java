package dev.noodle.graph.node;

/**
 * A wire value that holds native memory (tensors, model weights).
 *
 * <p>The result cache counts {@link #sizeBytes()} against its budget and calls {@link #release()} exactly once, when
 * the last cache entry (and the last running workflow) holding the value lets it go.
 */
public interface ReleasableValue {
    /** The native memory this value holds, in bytes. */
    long sizeBytes();

    /** Frees the native memory; the value must not be used afterwards. */
    void release();
}
