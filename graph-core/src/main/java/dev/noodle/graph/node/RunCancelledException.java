package dev.noodle.graph.node;

/** Thrown when a run was cancelled; unchecked so that it can cross callbacks (sampler steps). */
public class RunCancelledException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message. */
    public RunCancelledException(String message) {
        super(message);
    }
}
