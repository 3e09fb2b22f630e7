package dev.noodle.engine.sampling;

/** Thrown when a sampler sees its cancellation token set at the start of a step. */
public final class SamplingCancelledException extends RuntimeException {
    private final int step;
    private final int total;

    /** Creates the exception for the step that was about to run. */
    public SamplingCancelledException(int step, int total) {
        super("sampling cancelled before step " + (step + 1) + " of " + total);
        this.step = step;
        this.total = total;
    }

    /** The 0-based step that did not run. */
    public int step() {
        return step;
    }

    /** Total number of steps. */
    public int total() {
        return total;
    }
}
