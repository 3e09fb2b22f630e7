package dev.noodle.graph.edit;

import dev.noodle.graph.model.NodeLayout;
import dev.noodle.graph.model.Workflow;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Moves nodes by (dx, dy); nodes without a layout get one at (dx, dy). Revert restores the exact old layouts.
 * Records them on {@link #apply}; not thread-safe.
 */
public final class MoveNodes implements EditCommand {
    private final Set<String> ids;
    private final double dx;
    private final double dy;
    private final Map<String, NodeLayout> before = new LinkedHashMap<>();

    /** Moves these nodes by (dx, dy). */
    public MoveNodes(java.util.Collection<String> ids, double dx, double dy) {
        this.ids = new LinkedHashSet<>(ids);
        this.dx = dx;
        this.dy = dy;
    }

    @Override
    public Workflow apply(Workflow wf) {
        return NodeLayouts.update(wf, ids, before, l -> l.withPosition(l.x() + dx, l.y() + dy));
    }

    @Override
    public Workflow revert(Workflow wf) {
        return NodeLayouts.restore(wf, before);
    }

    @Override
    public String description() {
        return ids.size() == 1 ? "Move node " + ids.iterator().next() : "Move " + ids.size() + " nodes";
    }
}
