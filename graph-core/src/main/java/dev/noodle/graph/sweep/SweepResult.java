package dev.noodle.graph.sweep;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * How a sweep ended.
 *
 * @param cells the cells' results in grid order ({@link SweepCell#index()}); null where a cell did not run
 *     (cancelled, or stopped by an invalid workflow)
 * @param runOrder the order the cells ran in, as grid indexes
 * @param message a readable summary
 */
public record SweepResult(Sweep sweep, Status status, List<SweepCellResult> cells, List<Integer> runOrder,
        String message) {
    /** How a sweep ended. */
    public enum Status {
        /** Every cell ran successfully. */
        SUCCESS,
        /** Every cell ran, and at least one failed. */
        FAILED,
        /** Cancelled before every cell ran. */
        CANCELLED,
        /** The workflow is not valid: nothing (more) was run. */
        INVALID
    }

    /** Copies the lists (cells may hold nulls). */
    public SweepResult {
        cells = Collections.unmodifiableList(new ArrayList<>(cells));
        runOrder = List.copyOf(runOrder);
    }
}
