package dev.noodle.graph.library;

import java.util.Objects;

/**
 * Where one use (host node) of a subgraph definition sits: at the workflow's top level or inside another definition's
 * body.
 *
 * @param container the id of the definition whose body holds the host, or null for the top level
 * @param nodeId the host node's id within its level
 */
public record HostRef(String container, String nodeId) {
    /** Checks the node id is present. */
    public HostRef {
        Objects.requireNonNull(nodeId, "nodeId");
    }

    /** A host at the workflow's top level. */
    public static HostRef top(String nodeId) {
        return new HostRef(null, nodeId);
    }
}
