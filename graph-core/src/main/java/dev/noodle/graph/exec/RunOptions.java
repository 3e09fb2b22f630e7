package dev.noodle.graph.exec;

import java.util.Set;
import java.util.UUID;

/**
 * Options of one run.
 *
 * @param targets the nodes to compute; empty means all output nodes
 * @param runId the run id, or null for a random one
 */
public record RunOptions(Set<String> targets, String runId) {
    /** Copies the targets. */
    public RunOptions {
        targets = targets == null ? Set.of() : Set.copyOf(targets);
        runId = runId == null ? UUID.randomUUID().toString() : runId;
    }

    /** All output nodes, random run id. */
    public static RunOptions defaults() {
        return new RunOptions(Set.of(), null);
    }
}
