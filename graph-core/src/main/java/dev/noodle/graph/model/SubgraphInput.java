package dev.noodle.graph.model;

import java.util.Map;
import java.util.Objects;

/**
 * One input of a subgraph's interface: what a host card shows as an input (a socket, or a promoted widget when the
 * port feeds a widget input inside).
 *
 * <p>Inside the subgraph, inner inputs fed by this port are links from {@link Subgraph#INPUT_NODE} at the port's index.
 *
 * @param id a stable id (ComfyUI writes a UUID); survives renames and reorders
 * @param name the name hosts use for the input (unique in the interface)
 * @param type the port type name (e.g. {@code MODEL}, {@code INT})
 * @param label a display label, or null for the name
 * @param extra unknown JSON fields, written back
 */
public record SubgraphInput(String id, String name, String type, String label, Map<String, Object> extra) {
    /** Checks the id, name and type are present. */
    public SubgraphInput {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        extra = Maps.copy(extra);
    }

    /** The label users see. */
    public String displayName() {
        return label == null || label.isBlank() ? name : label;
    }

    /** A copy with this name (the label is dropped, so the new name shows). */
    public SubgraphInput withName(String newName) {
        return new SubgraphInput(id, newName, type, null, extra);
    }
}
