package dev.noodle.nodes;

import dev.noodle.graph.model.Workflow;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The workflow of each run in progress, by run id, so output nodes can embed it in what they save (PNG
 * {@code prompt}/{@code workflow}/{@code parameters} chunks). Hosts register a run before executing it (see
 * {@link NoodleNodes#run}). Thread-safe.
 */
public final class RunMetadata {
    private final Map<String, Workflow> runs = new ConcurrentHashMap<>();

    /** Registers the workflow of a run. */
    public void put(String runId, Workflow wf) {
        runs.put(runId, wf);
    }

    /** Forgets a run. */
    public void remove(String runId) {
        runs.remove(runId);
    }

    /** The workflow of a run, or null. */
    public Workflow get(String runId) {
        return runs.get(runId);
    }
}
