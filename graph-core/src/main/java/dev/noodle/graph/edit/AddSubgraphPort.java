package dev.noodle.graph.edit;

import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Subgraph;
import dev.noodle.graph.model.SubgraphInput;
import dev.noodle.graph.model.SubgraphOutput;
import dev.noodle.graph.model.Workflow;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Adds a port at the end of a subgraph's interface (the name is made unique); an output may name the inner output it
 * delivers. Undo restores the workflow exactly. Not thread-safe.
 */
public final class AddSubgraphPort extends SnapshotEdit {
    private final String definitionId;
    private final PortSide side;
    private final String name;
    private final String type;
    private final Link source;
    private final String portId = UUID.randomUUID().toString();
    private int index = -1;

    /** Adds a port named {@code name} of type {@code type}; {@code source} (outputs only) is what it delivers. */
    public AddSubgraphPort(String definitionId, PortSide side, String name, String type, Link source) {
        this.definitionId = definitionId;
        this.side = side;
        this.name = name;
        this.type = type == null || type.isBlank() ? "*" : type;
        this.source = source;
    }

    /** The index the port got, once applied. */
    public int index() {
        return index;
    }

    @Override
    protected Workflow edit(Workflow wf) {
        Subgraph def = SubgraphLevels.require(wf, definitionId);
        Set<String> used = new HashSet<>();
        if (side == PortSide.INPUT) {
            def.inputs().forEach(p -> used.add(p.name()));
            List<SubgraphInput> inputs = new ArrayList<>(def.inputs());
            index = inputs.size();
            inputs.add(new SubgraphInput(portId, SubgraphLevels.unique(name, used), type, null, Map.of()));
            return wf.withSubgraph(def.withInterface(inputs, def.outputs()));
        }
        def.outputs().forEach(p -> used.add(p.name()));
        List<SubgraphOutput> outputs = new ArrayList<>(def.outputs());
        index = outputs.size();
        outputs.add(new SubgraphOutput(portId, SubgraphLevels.unique(name, used), type, null, source, Map.of()));
        return wf.withSubgraph(def.withInterface(def.inputs(), outputs));
    }

    @Override
    public String description() {
        return "Add subgraph " + side.name().toLowerCase() + " " + name;
    }
}
