package dev.noodle.graph.edit;

import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Subgraph;
import dev.noodle.graph.model.SubgraphInput;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.spec.BoolInput;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.graph.spec.StringInput;
import dev.noodle.graph.subgraph.SubgraphSchemas;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Promotes a widget input of an inner node to the subgraph's interface, so hosts show and set it.
 *
 * <p>Adds an interface input of the widget's type (named after the widget, made unique), links the inner input to it,
 * and gives every host the inner node's current value (or the widget's default) as its literal, so runs do not
 * change. Undo restores the workflow exactly. Not thread-safe.
 */
public final class PromoteWidget extends SnapshotEdit {
    private final String definitionId;
    private final String innerNodeId;
    private final String input;
    private final NodeRegistry registry;
    private final String portId = UUID.randomUUID().toString();
    private String portName;

    /** Promotes {@code input} of inner node {@code innerNodeId} in definition {@code definitionId}. */
    public PromoteWidget(String definitionId, String innerNodeId, String input, NodeRegistry registry) {
        this.definitionId = definitionId;
        this.innerNodeId = innerNodeId;
        this.input = input;
        this.registry = registry;
    }

    /** The name of the interface input added, once applied. */
    public String portName() {
        return portName;
    }

    @Override
    protected Workflow edit(Workflow wf) {
        Subgraph def = SubgraphLevels.require(wf, definitionId);
        NodeInstance inner = def.body().node(innerNodeId);
        if (inner == null) {
            throw new IllegalArgumentException("node " + innerNodeId + " is not inside subgraph \"" + def.name() + "\"");
        }
        InputSpec spec = SubgraphSchemas.schemaOf(wf, registry, inner.type()).flatMap(s -> s.input(input))
                .orElseThrow(() -> new IllegalArgumentException(inner.type() + " has no input '" + input + "'"));
        if (spec instanceof SocketInput<?>) {
            throw new IllegalArgumentException("'" + input + "' of " + inner.type()
                    + " is a socket, not a widget; wire it to the Inputs card instead");
        }
        InputValue current = inner.input(input);
        if (current instanceof Link) {
            throw new IllegalArgumentException("'" + input + "' of node " + innerNodeId
                    + " is wired; only a widget holding a value can be promoted");
        }
        Object value = current instanceof Literal lit ? lit.value() : defaultOf(spec);
        Set<String> used = new HashSet<>();
        def.inputs().forEach(p -> used.add(p.name()));
        String name = SubgraphLevels.unique(input, used);
        int k = def.inputs().size();
        List<SubgraphInput> inputs = new ArrayList<>(def.inputs());
        inputs.add(new SubgraphInput(portId, name, spec.typeName(), null, Map.of()));
        Workflow body = def.body().withNode(inner.withInput(input, new Link(Subgraph.INPUT_NODE, k)));
        Workflow result = wf.withSubgraph(def.withInterface(inputs, def.outputs()).withBody(body));
        portName = name;
        return SubgraphLevels.mapHosts(result, definitionId, host -> host.withInput(name, new Literal(value)));
    }

    /** The value a widget starts with. */
    static Object defaultOf(InputSpec spec) {
        return switch (spec) {
            case IntInput i -> i.defaultValue();
            case FloatInput f -> f.defaultValue();
            case StringInput s -> s.defaultValue();
            case BoolInput b -> b.defaultValue();
            case ComboInput c -> c.defaultValue();
            case SocketInput<?> s -> null;
        };
    }

    @Override
    public String description() {
        return "Promote " + innerNodeId + "." + input;
    }
}
