package dev.noodle.graph.edit;

import dev.noodle.graph.model.Layout;
import dev.noodle.graph.model.NodeLayout;
import dev.noodle.graph.model.Workflow;
import java.util.Collection;
import java.util.Map;
import java.util.function.UnaryOperator;

/** The shared steps of the node-layout commands: change some nodes' layouts, and put them back on undo. */
final class NodeLayouts {
    private NodeLayouts() {}

    /**
     * The workflow with {@code change} applied to the layout of each existing node of {@code ids} (a node without
     * one starts at the origin); the layouts it had are recorded in {@code before} for {@link #restore}.
     */
    static Workflow update(Workflow wf, Collection<String> ids, Map<String, NodeLayout> before,
            UnaryOperator<NodeLayout> change) {
        before.clear();
        Layout layout = wf.layout();
        for (String id : ids) {
            if (wf.node(id) == null) {
                continue;
            }
            NodeLayout old = layout.nodes().get(id);
            before.put(id, old);
            layout = layout.withNode(id, change.apply(old == null ? NodeLayout.at(0, 0) : old));
        }
        return wf.withLayout(layout);
    }

    /** The workflow with each recorded node layout restored. */
    static Workflow restore(Workflow wf, Map<String, NodeLayout> before) {
        Layout layout = wf.layout();
        for (Map.Entry<String, NodeLayout> e : before.entrySet()) {
            layout = layout.withNode(e.getKey(), e.getValue());
        }
        return wf.withLayout(layout);
    }
}
