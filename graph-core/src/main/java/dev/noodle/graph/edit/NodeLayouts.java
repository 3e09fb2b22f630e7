package dev.noodle.graph.edit;

import dev.noodle.graph.model.Layout;
import dev.noodle.graph.model.NodeLayout;
import dev.noodle.graph.model.Workflow;
import java.util.Map;

/** Shared step of the layout commands' undo: put back the node layouts recorded before the edit. */
final class NodeLayouts {
    private NodeLayouts() {}

    /** The workflow with each recorded node layout restored. */
    static Workflow restore(Workflow wf, Map<String, NodeLayout> before) {
        Layout layout = wf.layout();
        for (Map.Entry<String, NodeLayout> e : before.entrySet()) {
            layout = layout.withNode(e.getKey(), e.getValue());
        }
        return wf.withLayout(layout);
    }
}
