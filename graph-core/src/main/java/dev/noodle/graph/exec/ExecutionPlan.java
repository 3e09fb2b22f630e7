package dev.noodle.graph.exec;

import java.util.List;

/** The nodes to run, in a deterministic topological order. */
public record ExecutionPlan(List<String> order) {
    /** Copies the order. */
    public ExecutionPlan {
        order = List.copyOf(order);
    }
}
