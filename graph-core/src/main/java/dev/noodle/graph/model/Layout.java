package dev.noodle.graph.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The drawing of a workflow: node positions, groups, notes, reroutes; never enters cache signatures.
 *
 * @param extra unknown JSON fields (e.g. the canvas offset and zoom), preserved on save
 */
public record Layout(
        Map<String, NodeLayout> nodes,
        List<Group> groups,
        List<Note> notes,
        List<Reroute> reroutes,
        Map<String, Object> extra) {

    /** Copies all collections. */
    public Layout {
        nodes = Maps.copy(nodes);
        groups = groups == null ? List.of() : List.copyOf(groups);
        notes = notes == null ? List.of() : List.copyOf(notes);
        reroutes = reroutes == null ? List.of() : List.copyOf(reroutes);
        extra = Maps.copy(extra);
    }

    /** An empty layout. */
    public static Layout empty() {
        return new Layout(Map.of(), List.of(), List.of(), List.of(), Map.of());
    }

    /** A copy with this node's layout set, or removed when {@code layout} is null. */
    public Layout withNode(String id, NodeLayout layout) {
        Map<String, NodeLayout> copy = new LinkedHashMap<>(nodes);
        if (layout == null) {
            copy.remove(id);
        } else {
            copy.put(id, layout);
        }
        return new Layout(copy, groups, notes, reroutes, extra);
    }

    /** A copy with these groups. */
    public Layout withGroups(List<Group> newGroups) {
        return new Layout(nodes, newGroups, notes, reroutes, extra);
    }

    /** A copy with these reroutes. */
    public Layout withReroutes(List<Reroute> newReroutes) {
        return new Layout(nodes, groups, notes, newReroutes, extra);
    }

    /** A copy with these notes. */
    public Layout withNotes(List<Note> newNotes) {
        return new Layout(nodes, groups, newNotes, reroutes, extra);
    }
}
