package dev.noodle.graph.model;

import java.util.Objects;

/** A link from output {@code outputIndex} of node {@code nodeId}. */
public record Link(String nodeId, int outputIndex) implements InputValue {
    /** Checks the node id is present. */
    public Link {
        Objects.requireNonNull(nodeId, "nodeId");
    }

    /** A link to this node's output. */
    public static Link of(String nodeId, int outputIndex) {
        return new Link(nodeId, outputIndex);
    }
}
