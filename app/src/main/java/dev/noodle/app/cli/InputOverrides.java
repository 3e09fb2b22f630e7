package dev.noodle.app.cli;

import dev.noodle.graph.form.FormException;
import dev.noodle.graph.form.WorkflowForm;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.subgraph.SubgraphSchemas;
import java.util.List;
import java.util.Map;

/**
 * Applies {@code --set NODE.INPUT=VALUE} overrides to a workflow, using node ids as they appear in the file, and
 * {@code --set NAME=VALUE} for the names of the workflow's form (checked by the form field's type and range).
 */
final class InputOverrides {
    private InputOverrides() {}

    /**
     * Applies the overrides in order; an override naming a node the workflow lacks, or an input the node's type does
     * not declare, is refused naming both (the list of inputs when the type is known). A name before {@code =} that
     * is one of the form's sets that field; a name without a dot that is not is refused listing the form's names.
     */
    static Workflow apply(Workflow wf, NodeRegistry registry, List<String> overrides) {
        Workflow result = wf;
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq > 0) {
                WorkflowForm form = WorkflowForm.of(result, registry);
                String name = o.substring(0, eq);
                if (form.hasName(name)) {
                    try {
                        result = form.apply(Map.of(name, o.substring(eq + 1)));
                    } catch (FormException e) {
                        throw new IllegalArgumentException("--set '" + o + "': " + e.getMessage());
                    }
                    continue;
                }
                if (name.indexOf('.') < 0) {
                    throw new IllegalArgumentException("--set '" + o + "': '" + name + "' is not a name in the"
                            + " workflow's form (" + (form.fields().isEmpty() ? "it has none"
                                    : "its names are " + String.join(", ", form.names()))
                            + "); set a node's input with NODE.INPUT=VALUE, e.g. --set 3.seed=42");
                }
            }
            int dot = eq < 0 ? -1 : o.lastIndexOf('.', eq);
            if (eq < 0 || dot <= 0 || dot == eq - 1) {
                throw new IllegalArgumentException("--set '" + o + "' is not NAME=VALUE or NODE.INPUT=VALUE (e.g."
                        + " --set 3.seed=42)");
            }
            String nodeId = o.substring(0, dot);
            String input = o.substring(dot + 1, eq);
            NodeInstance node = result.nodes().get(nodeId);
            if (node == null) {
                throw new IllegalArgumentException("--set '" + o + "': the workflow has no node '" + nodeId
                        + "' (its nodes are " + result.nodes().keySet() + ")");
            }
            NodeSchema schema = SubgraphSchemas.schemaOf(result, registry, node.type()).orElse(null);
            if (schema != null && schema.input(input).isEmpty()) {
                throw new IllegalArgumentException("--set '" + o + "': node " + nodeId + " (" + node.type()
                        + ") has no input '" + input + "'; its inputs are " + String.join(", ",
                        schema.inputs().stream().map(InputSpec::name).toList()));
            }
            result = result.withNode(node.withInput(input, new Literal(parseValue(o.substring(eq + 1)))));
        }
        return result;
    }

    /**
     * Sets the compatibility mode ({@code --noise-mode}) on every node that declares {@code noise_mode} (samplers)
     * or {@code prompt_style} (text encoders) and does not set it itself, so the mode travels in the saved workflow
     * and {@code run image.png} reproduces the image.
     */
    static Workflow withCompatMode(Workflow wf, NodeRegistry registry, String mode) {
        Workflow result = wf;
        for (NodeInstance node : wf.nodes().values()) {
            NodeInstance n = node;
            for (String input : COMPAT_INPUTS) {
                boolean declares = registry.find(n.type()).map(d -> d.schema().input(input).isPresent()).orElse(false);
                if (declares && !n.inputs().containsKey(input)) {
                    n = n.withInput(input, new Literal(mode));
                }
            }
            if (n != node) {
                result = result.withNode(n);
            }
        }
        return result;
    }

    private static final List<String> COMPAT_INPUTS = List.of("noise_mode", "prompt_style");

    /** Numbers become Long/Double, true/false become Boolean, anything else stays a string. */
    static Object parseValue(String v) {
        if (v.equals("true") || v.equals("false")) {
            return Boolean.parseBoolean(v);
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException ignored) {
            // not an integer
        }
        if (v.matches("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?")) {
            return Double.parseDouble(v);
        }
        return v;
    }
}
