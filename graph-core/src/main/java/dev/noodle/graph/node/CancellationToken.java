package dev.noodle.graph.node;

/**
 * A per-run cancellation flag: the host cancels, the executor and nodes check it.
 *
 * <p>Thread-safe: {@link #cancel()} may be called from any thread.
 */
public class CancellationToken {
    private volatile boolean cancelled;

    /** Requests cancellation; idempotent. */
    public void cancel() {
        cancelled = true;
    }

    /** Whether cancellation was requested. */
    public boolean isCancelled() {
        return cancelled;
    }

    /** Throws {@link RunCancelledException} when cancellation was requested. */
    public void throwIfCancelled() throws RunCancelledException {
        if (cancelled) {
            throw new RunCancelledException("run cancelled");
        }
    }
}
