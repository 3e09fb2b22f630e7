package dev.noodle.nodes.host;

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
    private final Map<String, Map<String, String>> extras = new ConcurrentHashMap<>();

    /** Registers the workflow of a run. */
    public void put(String runId, Workflow wf) {
        runs.put(runId, wf);
    }

    /**
     * Registers the workflow of a run with the texts a client asked to embed in its files (ComfyUI's
     * {@code extra_pnginfo}: chunk name → JSON text, e.g. the editor's own {@code workflow}).
     */
    public void put(String runId, Workflow wf, Map<String, String> extraTexts) {
        runs.put(runId, wf);
        extras.put(runId, Map.copyOf(extraTexts));
    }

    /** Forgets a run. */
    public void remove(String runId) {
        runs.remove(runId);
        extras.remove(runId);
    }

    /** The client's texts for a run's files, empty when none. */
    public Map<String, String> extraTexts(String runId) {
        return extras.getOrDefault(runId, Map.of());
    }

    /** The workflow of a run, or null. */
    public Workflow get(String runId) {
        return runs.get(runId);
    }
}
