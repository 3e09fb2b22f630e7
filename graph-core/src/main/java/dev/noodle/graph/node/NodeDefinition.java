package dev.noodle.graph.node;

import dev.noodle.graph.spec.NodeSchema;
import java.util.Optional;

/**
 * A node type: a pure typed declaration plus a stateless {@link #execute(NodeContext)}.
 *
 * <p>Implementations hold no weights, caches or UI and must be thread-safe.
 */
public interface NodeDefinition {
    /** The node's declaration. */
    NodeSchema schema();

    /** Runs the node; values by output index in {@link NodeOutputs#values()}. */
    NodeOutputs execute(NodeContext ctx) throws Exception;

    /**
     * A fingerprint of outside state the node reads (ComfyUI IS_CHANGED), e.g. "size:mtime" of a file.
     *
     * <p>Mixed into the cache signature so the node re-runs when it changes. Receives only the literal inputs (links
     * read as absent). Called before each run.
     */
    default Optional<String> changeFingerprint(NodeInputs inputs) {
        return Optional.empty();
    }
}
