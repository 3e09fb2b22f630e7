package dev.noodle.graph.sweep;

import dev.noodle.graph.exec.RunResult;
import java.util.List;

/**
 * How one cell's run went, and what it re-used.
 *
 * @param executed the nodes that ran, in order (flat ids: {@code host:inner} inside subgraphs)
 * @param cached the nodes whose results came from the cache, in order
 */
public record SweepCellResult(SweepCell cell, RunResult result, List<String> executed, List<String> cached) {
    /** Copies the lists. */
    public SweepCellResult {
        executed = List.copyOf(executed);
        cached = List.copyOf(cached);
    }

    /** Whether the cell's run succeeded. */
    public boolean succeeded() {
        return result.status() == RunResult.Status.SUCCESS;
    }
}
