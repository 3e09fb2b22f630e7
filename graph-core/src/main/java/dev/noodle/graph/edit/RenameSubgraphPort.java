package dev.noodle.graph.edit;

import dev.noodle.graph.model.FormInput;
import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Subgraph;
import dev.noodle.graph.model.SubgraphInput;
import dev.noodle.graph.model.SubgraphOutput;
import dev.noodle.graph.model.Workflow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renames one port of a subgraph's interface; every host's input of that name (and the form entries naming it) moves
 * to the new name, so wiring and promoted values stay. Undo restores the workflow exactly. Not thread-safe.
 */
public final class RenameSubgraphPort extends SnapshotEdit {
    private final String definitionId;
    private final PortSide side;
    private final int index;
    private final String newName;

    /** Renames port {@code index} on {@code side} of definition {@code definitionId} to {@code newName}. */
    public RenameSubgraphPort(String definitionId, PortSide side, int index, String newName) {
        this.definitionId = definitionId;
        this.side = side;
        this.index = index;
        this.newName = newName == null ? "" : newName.strip();
    }

    @Override
    protected Workflow edit(Workflow wf) {
        Subgraph def = SubgraphLevels.require(wf, definitionId);
        if (newName.isEmpty()) {
            throw new IllegalArgumentException("a subgraph port needs a name");
        }
        if (side == PortSide.OUTPUT) {
            checkIndex(def.outputs().size());
            List<SubgraphOutput> outputs = new ArrayList<>(def.outputs());
            if (outputs.stream().anyMatch(o -> o.name().equals(newName) && o != outputs.get(index))) {
                throw new IllegalArgumentException("subgraph \"" + def.name() + "\" already has an output named "
                        + newName);
            }
            outputs.set(index, outputs.get(index).withName(newName));
            return wf.withSubgraph(def.withInterface(def.inputs(), outputs));
        }
        checkIndex(def.inputs().size());
        List<SubgraphInput> inputs = new ArrayList<>(def.inputs());
        String oldName = inputs.get(index).name();
        if (oldName.equals(newName)) {
            return wf;
        }
        if (def.inputIndex(newName) >= 0) {
            throw new IllegalArgumentException("subgraph \"" + def.name() + "\" already has an input named " + newName);
        }
        inputs.set(index, inputs.get(index).withName(newName));
        Workflow result = wf.withSubgraph(def.withInterface(inputs, def.outputs()));
        result = SubgraphLevels.mapHosts(result, definitionId, host -> {
            Map<String, InputValue> renamed = new LinkedHashMap<>();
            host.inputs().forEach((k, v) -> renamed.put(k.equals(oldName) ? newName : k, v));
            return new NodeInstance(host.id(), host.type(), renamed, host.mode(), host.extra());
        });
        List<FormInput> form = new ArrayList<>();
        for (FormInput f : result.form()) {
            NodeInstance n = result.node(f.nodeId());
            boolean hit = n != null && n.type().equals(definitionId) && f.input().equals(oldName);
            form.add(hit ? new FormInput(f.name(), f.nodeId(), newName, f.label()) : f);
        }
        return result.withForm(form);
    }

    private void checkIndex(int size) {
        if (index < 0 || index >= size) {
            throw new IllegalArgumentException("no " + side.name().toLowerCase() + " " + index + " in subgraph "
                    + definitionId);
        }
    }

    @Override
    public String description() {
        return "Rename subgraph " + side.name().toLowerCase() + " to " + newName;
    }
}
