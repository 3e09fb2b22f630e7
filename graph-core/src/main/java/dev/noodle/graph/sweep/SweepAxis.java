package dev.noodle.graph.sweep;

import dev.noodle.graph.model.FormInput;
import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.subgraph.SubgraphSchemas;
import java.util.List;
import java.util.Objects;

/**
 * One axis of a sweep: a top-level node's widget input (a subgraph host's promoted input included) and the values it
 * takes, in order.
 *
 * @param nodeId the node whose input changes
 * @param input the input's name
 * @param label what the grid's headers call it ({@code strength_model}, or a form input's label)
 * @param text the values as the user wrote them ({@code 0.5-1.0 [3]}), for the grid's description
 * @param values the values, converted to the input's type
 */
public record SweepAxis(String nodeId, String input, String label, String text, List<Object> values) {
    /** Copies the values and checks there is at least one. */
    public SweepAxis {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(input, "input");
        values = List.copyOf(values);
        if (values.isEmpty()) {
            throw new IllegalArgumentException("a sweep axis needs at least one value");
        }
        label = label == null || label.isBlank() ? input : label;
    }

    /**
     * The axis {@code ref=values} names: {@code ref} is a name from the workflow's form or {@code NODE.INPUT} (a
     * top-level node id as in the file); the values are read by {@link SweepValues#parse} against the input's spec
     * ({@link SubgraphSchemas#schemaOf}, so a subgraph host's promoted inputs work).
     *
     * @throws IllegalArgumentException naming the node, the input, and what to do
     */
    public static SweepAxis parse(Workflow wf, NodeRegistry registry, String refAndValues) {
        int eq = refAndValues.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("'" + refAndValues + "' is not NODE.INPUT=VALUES (e.g. 3.steps=10,20,30"
                    + " or 10.strength_model=0-1 [5])");
        }
        return of(wf, registry, refAndValues.substring(0, eq).strip(), refAndValues.substring(eq + 1));
    }

    /** The axis over {@code ref} (a form name or {@code NODE.INPUT}) with these values; see {@link #parse}. */
    public static SweepAxis of(Workflow wf, NodeRegistry registry, String ref, String valuesText) {
        String nodeId;
        String input;
        String label;
        FormInput named = wf.form().stream().filter(f -> f.name().equals(ref)).findFirst().orElse(null);
        if (named != null) {
            nodeId = named.nodeId();
            input = named.input();
            label = named.displayName();
        } else {
            int dot = ref.lastIndexOf('.');
            if (dot <= 0 || dot == ref.length() - 1) {
                String names = wf.form().isEmpty() ? "" : "; or one of the form's names: "
                        + String.join(", ", wf.form().stream().map(FormInput::name).toList());
                throw new IllegalArgumentException("'" + ref + "' is not NODE.INPUT (e.g. 3.steps)" + names);
            }
            nodeId = ref.substring(0, dot);
            input = ref.substring(dot + 1);
            label = input;
        }
        return new SweepAxis(nodeId, input, label, valuesText, SweepValues.parse(valuesText,
                spec(wf, registry, nodeId, input)));
    }

    /** The spec of a node's widget input, refusing unknown nodes, unknown inputs and wired inputs. */
    static InputSpec spec(Workflow wf, NodeRegistry registry, String nodeId, String input) {
        NodeInstance node = wf.node(nodeId);
        if (node == null) {
            throw new IllegalArgumentException("the workflow has no node '" + nodeId + "' (its nodes are "
                    + wf.nodes().keySet() + ")");
        }
        NodeSchema schema = SubgraphSchemas.schemaOf(wf, registry, node.type()).orElseThrow(() ->
                new IllegalArgumentException("node " + nodeId + " has the unknown type " + node.type()
                        + "; install its node pack to sweep it"));
        InputSpec spec = schema.input(input).orElseThrow(() -> new IllegalArgumentException("node " + nodeId
                + " (" + node.type() + ") has no input '" + input + "'; its inputs are " + String.join(", ",
                schema.inputs().stream().map(InputSpec::name).toList())));
        InputValue current = node.input(input);
        if (current instanceof Link link) {
            throw new IllegalArgumentException("node " + nodeId + " input '" + input + "' is wired from node "
                    + link.nodeId() + "; sweep the widget that node takes, or unwire it");
        }
        return spec;
    }

    /** A label and value as the grid's headers show them: {@code strength_model: 0.5}. */
    public String caption(int index) {
        return label + ": " + SweepValues.format(values.get(index));
    }
}
