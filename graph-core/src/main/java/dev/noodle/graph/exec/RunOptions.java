package dev.noodle.graph.exec;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Options of one run.
 *
 * @param targets the nodes to compute; empty means all output nodes
 * @param runId the run id, or null for a random one
 * @param extraPngInfo texts the client wants embedded in saved files (ComfyUI's {@code extra_pnginfo}: chunk name →
 *     JSON text); nodes see them through {@link dev.noodle.graph.node.NodeContext#extraPngInfo()}
 */
public record RunOptions(Set<String> targets, String runId, Map<String, String> extraPngInfo) {
    /**
     * Copies the collections. The extra texts keep the order they were given in (the order of their PNG chunks):
     * {@code Map.copyOf} iterates in an order that changes from one JVM to the next, so the same run would write
     * different bytes.
     */
    public RunOptions {
        targets = targets == null ? Set.of() : Set.copyOf(targets);
        runId = runId == null ? UUID.randomUUID().toString() : runId;
        extraPngInfo = extraPngInfo == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(extraPngInfo));
    }

    /** Options with no extra texts. */
    public RunOptions(Set<String> targets, String runId) {
        this(targets, runId, Map.of());
    }

    /** All output nodes, random run id. */
    public static RunOptions defaults() {
        return new RunOptions(Set.of(), null);
    }

    /** A copy with these extra texts. */
    public RunOptions withExtraPngInfo(Map<String, String> texts) {
        return new RunOptions(targets, runId, texts);
    }
}
