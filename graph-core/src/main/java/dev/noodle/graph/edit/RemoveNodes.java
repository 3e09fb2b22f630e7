package dev.noodle.graph.edit;

import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.NodeLayout;
import dev.noodle.graph.model.Workflow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Removes nodes with their layouts and the links into them; revert restores nodes at their old positions and the
 * links. Records what it removed on {@link #apply}; not thread-safe.
 */
public final class RemoveNodes implements EditCommand {
    private final Set<String> ids;
    private List<String> order = List.of();
    private final Map<String, NodeInstance> removed = new LinkedHashMap<>();
    private final Map<String, NodeLayout> layouts = new LinkedHashMap<>();
    private final Map<String, NodeInstance> consumersBefore = new LinkedHashMap<>();

    /** Removes these node ids (unknown ids are ignored). */
    public RemoveNodes(java.util.Collection<String> ids) {
        this.ids = new LinkedHashSet<>(ids);
    }

    @Override
    public Workflow apply(Workflow wf) {
        removed.clear();
        layouts.clear();
        consumersBefore.clear();
        order = new ArrayList<>(wf.nodes().keySet());
        for (NodeInstance n : wf.nodes().values()) {
            if (ids.contains(n.id())) {
                removed.put(n.id(), n);
                NodeLayout l = wf.layout().nodes().get(n.id());
                if (l != null) {
                    layouts.put(n.id(), l);
                }
            } else {
                for (InputValue v : n.inputs().values()) {
                    if (v instanceof Link link && ids.contains(link.nodeId())) {
                        consumersBefore.put(n.id(), n);
                        break;
                    }
                }
            }
        }
        Workflow result = wf;
        for (String id : removed.keySet()) {
            result = result.withoutNode(id);
        }
        return result;
    }

    @Override
    public Workflow revert(Workflow wf) {
        Map<String, NodeInstance> nodes = new LinkedHashMap<>();
        for (String id : order) {
            NodeInstance n = removed.containsKey(id) ? removed.get(id) : wf.node(id);
            if (n != null) {
                nodes.put(id, consumersBefore.getOrDefault(id, n));
            }
        }
        for (NodeInstance n : wf.nodes().values()) {
            nodes.putIfAbsent(n.id(), n);
        }
        var layout = wf.layout();
        for (Map.Entry<String, NodeLayout> e : layouts.entrySet()) {
            layout = layout.withNode(e.getKey(), e.getValue());
        }
        return new Workflow(wf.format(), wf.name(), nodes, layout, wf.extra(), wf.subgraphs(), wf.form());
    }

    @Override
    public String description() {
        return ids.size() == 1 ? "Remove node " + ids.iterator().next() : "Remove " + ids.size() + " nodes";
    }
}
