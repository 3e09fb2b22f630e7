package dev.noodle.graph.edit;

import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Subgraph;
import dev.noodle.graph.model.Workflow;

/**
 * Takes a promoted widget back off a subgraph's interface: the inner inputs it fed get the value of the first host
 * that sets one (or go back to their default), and the interface input and every host's value for it are removed.
 * Undo restores the workflow exactly. Not thread-safe.
 */
public final class DemoteWidget extends SnapshotEdit {
    private final String definitionId;
    private final int index;

    /** Demotes interface input {@code index} of definition {@code definitionId}. */
    public DemoteWidget(String definitionId, int index) {
        this.definitionId = definitionId;
        this.index = index;
    }

    @Override
    protected Workflow edit(Workflow wf) {
        Subgraph def = SubgraphLevels.require(wf, definitionId);
        if (index < 0 || index >= def.inputs().size()) {
            throw new IllegalArgumentException("no input " + index + " in subgraph \"" + def.name() + "\"");
        }
        String name = def.inputs().get(index).name();
        InputValue value = null;
        for (NodeInstance host : SubgraphLevels.hosts(wf, definitionId)) {
            if (host.input(name) instanceof Literal lit) {
                value = lit;
                break;
            }
        }
        return new RemoveSubgraphPort(definitionId, PortSide.INPUT, index).removeInput(wf, value);
    }

    @Override
    public String description() {
        return "Demote subgraph input " + index;
    }
}
