package dev.noodle.graph.edit;

import dev.noodle.graph.model.FormInput;
import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Subgraph;
import dev.noodle.graph.model.SubgraphInput;
import dev.noodle.graph.model.SubgraphOutput;
import dev.noodle.graph.model.Workflow;
import java.util.ArrayList;
import java.util.List;

/**
 * Removes one port of a subgraph's interface and disconnects what used it: inner inputs fed by a removed input, every
 * host's value for it (and form entries naming it), and every consumer of a removed output; later ports shift down.
 * Undo restores the workflow exactly. Not thread-safe.
 */
public final class RemoveSubgraphPort extends SnapshotEdit {
    private final String definitionId;
    private final PortSide side;
    private final int index;

    /** Removes port {@code index} on {@code side} of definition {@code definitionId}. */
    public RemoveSubgraphPort(String definitionId, PortSide side, int index) {
        this.definitionId = definitionId;
        this.side = side;
        this.index = index;
    }

    @Override
    protected Workflow edit(Workflow wf) {
        return removeInput(wf, null);
    }

    /**
     * The workflow without the port; for an input, inner inputs it fed get {@code innerValue} (null: disconnected).
     */
    Workflow removeInput(Workflow wf, InputValue innerValue) {
        Subgraph def = SubgraphLevels.require(wf, definitionId);
        int size = side == PortSide.INPUT ? def.inputs().size() : def.outputs().size();
        if (index < 0 || index >= size) {
            throw new IllegalArgumentException("no " + side.name().toLowerCase() + " " + index + " in subgraph \""
                    + def.name() + "\"");
        }
        if (side == PortSide.OUTPUT) {
            List<SubgraphOutput> outputs = new ArrayList<>(def.outputs());
            outputs.remove(index);
            Workflow result = wf.withSubgraph(def.withInterface(def.inputs(), outputs));
            return SubgraphLevels.mapLinks(result, (nodes, l) -> !SubgraphLevels.fromHostOf(nodes, l, definitionId)
                    ? l : shifted(l));
        }
        List<SubgraphInput> inputs = new ArrayList<>(def.inputs());
        String name = inputs.remove(index).name();
        Subgraph changed = SubgraphLevels.mapBodyLinks(def.withInterface(inputs, def.outputs()),
                (nodes, l) -> !Subgraph.INPUT_NODE.equals(l.nodeId()) ? l
                        : l.outputIndex() == index ? innerValue : shifted(l));
        Workflow result = SubgraphLevels.mapHosts(wf.withSubgraph(changed), definitionId,
                host -> host.withoutInput(name));
        List<FormInput> form = new ArrayList<>();
        for (FormInput f : result.form()) {
            var n = result.node(f.nodeId());
            if (n == null || !n.type().equals(definitionId) || !f.input().equals(name)) {
                form.add(f);
            }
        }
        return result.withForm(form);
    }

    /** The link with its port index moved down past the removed one, or null for the removed one itself. */
    private Link shifted(Link l) {
        if (l.outputIndex() == index) {
            return null;
        }
        return l.outputIndex() > index ? new Link(l.nodeId(), l.outputIndex() - 1) : l;
    }

    @Override
    public String description() {
        return "Remove subgraph " + side.name().toLowerCase() + " " + index;
    }
}
