package dev.noodle.graph.edit;

import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.NodeMode;
import dev.noodle.graph.model.Workflow;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/** Sets the mode (normal, muted, bypassed) of nodes; revert restores each old mode. Not thread-safe. */
public final class SetMode implements EditCommand {
    private final Set<String> ids;
    private final NodeMode mode;
    private final Map<String, NodeMode> before = new LinkedHashMap<>();

    /** Sets {@code mode} on these nodes. */
    public SetMode(java.util.Collection<String> ids, NodeMode mode) {
        this.ids = new LinkedHashSet<>(ids);
        this.mode = mode;
    }

    @Override
    public Workflow apply(Workflow wf) {
        before.clear();
        Workflow result = wf;
        for (String id : ids) {
            NodeInstance n = wf.node(id);
            if (n != null) {
                before.put(id, n.mode());
                result = result.withNode(n.withMode(mode));
            }
        }
        return result;
    }

    @Override
    public Workflow revert(Workflow wf) {
        Workflow result = wf;
        for (Map.Entry<String, NodeMode> e : before.entrySet()) {
            NodeInstance n = result.node(e.getKey());
            if (n != null) {
                result = result.withNode(n.withMode(e.getValue()));
            }
        }
        return result;
    }

    @Override
    public String description() {
        String what = switch (mode) {
            case NORMAL -> "Enable";
            case MUTED -> "Mute";
            case BYPASSED -> "Bypass";
        };
        return what + (ids.size() == 1 ? " node " + ids.iterator().next() : " " + ids.size() + " nodes");
    }
}
