package dev.noodle.graph.subgraph;

import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Subgraph;
import dev.noodle.graph.model.SubgraphInput;
import dev.noodle.graph.model.SubgraphOutput;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.NodeDefinition;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.spec.BoolInput;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.OutputSpec;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.graph.spec.StringInput;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The schema a subgraph host shows: one input per interface input, one output per interface output.
 *
 * <p>An interface input that feeds a widget input inside is a promoted widget: it takes that inner input's spec (range,
 * options, default, seed control) under the interface's name, so hosts edit it as the inner node would. Other inputs
 * are sockets of the interface's type. Category {@code subgraph}; an output node when anything inside is one.
 * Stateless and thread-safe.
 */
public final class SubgraphSchemas {
    /** The category host schemas carry. */
    public static final String CATEGORY = "subgraph";

    private SubgraphSchemas() {}

    /** The schema of a node type within a workflow: a host's schema for subgraph ids, else the registry's. */
    public static Optional<NodeSchema> schemaOf(Workflow wf, NodeRegistry registry, String type) {
        return schemaOf(wf, registry, type, new HashSet<>());
    }

    /** The schema hosts of this definition show. */
    public static NodeSchema hostSchema(Workflow wf, NodeRegistry registry, Subgraph def) {
        return hostSchema(wf, registry, def, new HashSet<>());
    }

    private static Optional<NodeSchema> schemaOf(Workflow wf, NodeRegistry registry, String type, Set<String> seen) {
        Subgraph def = wf.subgraphs().get(type);
        if (def != null) {
            return seen.contains(def.id()) ? Optional.empty() : Optional.of(hostSchema(wf, registry, def, seen));
        }
        return registry == null ? Optional.empty() : registry.find(type).map(NodeDefinition::schema);
    }

    private static NodeSchema hostSchema(Workflow wf, NodeRegistry registry, Subgraph def, Set<String> seen) {
        seen.add(def.id());
        List<InputSpec> inputs = new ArrayList<>();
        for (int i = 0; i < def.inputs().size(); i++) {
            SubgraphInput port = def.inputs().get(i);
            InputSpec target = firstTarget(wf, registry, def, i, seen);
            if (target == null) {
                target = widgetOfType(port.name(), port.type());
            }
            inputs.add(target == null || target instanceof SocketInput<?>
                    ? new SocketInput<>(port.name(), PortType.of(port.type()), target == null || target.optional(),
                            target == null ? "" : target.tooltip())
                    : renamed(target, port.name()));
        }
        List<OutputSpec> outputs = new ArrayList<>();
        for (SubgraphOutput out : def.outputs()) {
            outputs.add(new OutputSpec(PortType.of(out.type()), out.name()));
        }
        boolean outputNode = false;
        for (NodeInstance n : def.body().nodes().values()) {
            outputNode |= schemaOf(wf, registry, n.type(), seen).map(NodeSchema::outputNode).orElse(false);
        }
        seen.remove(def.id());
        return new NodeSchema(def.id(), def.name(), CATEGORY, def.description(), inputs, outputs, outputNode, false);
    }

    /** The spec of the first inner input fed by interface input {@code index}, or null when none is. */
    private static InputSpec firstTarget(Workflow wf, NodeRegistry registry, Subgraph def, int index,
            Set<String> seen) {
        for (NodeInstance n : def.body().nodes().values()) {
            for (Map.Entry<String, InputValue> in : n.inputs().entrySet()) {
                if (in.getValue() instanceof Link l && Subgraph.INPUT_NODE.equals(l.nodeId())
                        && l.outputIndex() == index) {
                    Optional<InputSpec> spec = schemaOf(wf, registry, n.type(), seen)
                            .flatMap(s -> s.input(in.getKey()));
                    if (spec.isPresent()) {
                        return spec.get();
                    }
                }
            }
        }
        return null;
    }

    /**
     * A plain widget for an interface input of a widget type whose inner target is of an unknown node type (so its
     * value still has a place on the host), or null for socket types.
     */
    static InputSpec widgetOfType(String name, String type) {
        return switch (type) {
            case "INT" -> new IntInput(name, 0, Long.MIN_VALUE, Long.MAX_VALUE, 1, true, "", false);
            case "FLOAT" -> new FloatInput(name, 0, -Double.MAX_VALUE, Double.MAX_VALUE, 0.01, 0, true, "");
            case "STRING", "COMBO" -> new StringInput(name, "", false, true, "");
            case "BOOLEAN" -> new BoolInput(name, false, true, "");
            default -> null;
        };
    }

    /** The same spec under another name. */
    public static InputSpec renamed(InputSpec spec, String name) {
        return switch (spec) {
            case IntInput i -> new IntInput(name, i.defaultValue(), i.min(), i.max(), i.step(), i.optional(),
                    i.tooltip(), i.controlAfterGenerate());
            case FloatInput f -> new FloatInput(name, f.defaultValue(), f.min(), f.max(), f.step(), f.round(),
                    f.optional(), f.tooltip());
            case StringInput s -> new StringInput(name, s.defaultValue(), s.multiline(), s.optional(), s.tooltip());
            case BoolInput b -> new BoolInput(name, b.defaultValue(), b.optional(), b.tooltip());
            case ComboInput c -> new ComboInput(name, c.options(), c.defaultValue(), c.optional(), c.tooltip());
            case SocketInput<?> s -> new SocketInput<>(name, s.type(), s.optional(), s.tooltip(), s.valueClass());
        };
    }
}
