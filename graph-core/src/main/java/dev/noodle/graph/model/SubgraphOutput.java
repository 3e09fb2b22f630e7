package dev.noodle.graph.model;

import java.util.Map;
import java.util.Objects;

/**
 * One output of a subgraph's interface and the inner value it delivers.
 *
 * @param id a stable id (ComfyUI writes a UUID)
 * @param name the output name hosts show
 * @param type the port type name
 * @param label a display label, or null for the name
 * @param source the inner output it delivers (a link to an inner node, or to {@link Subgraph#INPUT_NODE} for a
 *     pass-through), or null when nothing inside is wired to it
 * @param extra unknown JSON fields, written back
 */
public record SubgraphOutput(
        String id, String name, String type, String label, Link source, Map<String, Object> extra) {
    /** Checks the id, name and type are present. */
    public SubgraphOutput {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        extra = Maps.copy(extra);
    }

    /** The label users see. */
    public String displayName() {
        return label == null || label.isBlank() ? name : label;
    }

    /** A copy fed from this inner output (null: unwired). */
    public SubgraphOutput withSource(Link newSource) {
        return new SubgraphOutput(id, name, type, label, newSource, extra);
    }

    /** A copy with this name (the label is dropped, so the new name shows). */
    public SubgraphOutput withName(String newName) {
        return new SubgraphOutput(id, newName, type, null, source, extra);
    }
}
