package dev.noodle.graph.edit;

import dev.noodle.graph.model.NodeLayout;
import dev.noodle.graph.model.Workflow;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Collapses or expands nodes (the layout's collapsed flag); nodes without a layout get one at the origin. Revert
 * restores the exact old layouts, recorded on {@link #apply}; not thread-safe.
 */
public final class SetCollapsed implements EditCommand {
    private final Set<String> ids;
    private final boolean collapsed;
    private final Map<String, NodeLayout> before = new LinkedHashMap<>();

    /** Sets the collapsed flag of these nodes. */
    public SetCollapsed(java.util.Collection<String> ids, boolean collapsed) {
        this.ids = new LinkedHashSet<>(ids);
        this.collapsed = collapsed;
    }

    @Override
    public Workflow apply(Workflow wf) {
        return NodeLayouts.update(wf, ids, before, l -> l.withCollapsed(collapsed));
    }

    @Override
    public Workflow revert(Workflow wf) {
        return NodeLayouts.restore(wf, before);
    }

    @Override
    public String description() {
        return (collapsed ? "Collapse " : "Expand ") + (ids.size() == 1 ? "node " + ids.iterator().next()
                : ids.size() + " nodes");
    }
}
