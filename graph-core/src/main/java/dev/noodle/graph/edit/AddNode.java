package dev.noodle.graph.edit;

import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.NodeLayout;
import dev.noodle.graph.model.Workflow;

/** Adds a node (and its layout, if given); the id must be free. Immutable. */
public record AddNode(NodeInstance node, NodeLayout layout) implements EditCommand {
    @Override
    public Workflow apply(Workflow wf) {
        if (wf.node(node.id()) != null) {
            throw new IllegalArgumentException("node id " + node.id() + " is already used");
        }
        Workflow added = wf.withNode(node);
        return layout == null ? added : added.withLayout(added.layout().withNode(node.id(), layout));
    }

    @Override
    public Workflow revert(Workflow wf) {
        return wf.withoutNode(node.id());
    }

    @Override
    public String description() {
        return "Add " + node.type();
    }
}
