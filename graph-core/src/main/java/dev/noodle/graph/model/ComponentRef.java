package dev.noodle.graph.model;

import java.util.Objects;

/**
 * Where a subgraph definition came from in a component library: the component's id and the version embedded.
 *
 * <p>A workflow keeps both this reference and the embedded copy, so it opens anywhere; the library only offers updates.
 *
 * @param id the component's library id (stable across versions)
 * @param version the embedded version (1, 2, ...)
 */
public record ComponentRef(String id, int version) {
    /** Checks the id is present and the version positive. */
    public ComponentRef {
        Objects.requireNonNull(id, "id");
        if (version < 1) {
            throw new IllegalArgumentException("component version must be 1 or more, not " + version);
        }
    }
}
