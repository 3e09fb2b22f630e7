package dev.noodle.graph.validate;

import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.OutputSpec;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks a workflow before it runs and returns every problem at once, with ComfyUI's error codes.
 *
 * <p>Like ComfyUI's {@code validate_prompt}, inputs are checked on the output nodes (or the requested targets) and
 * everything they depend on; unknown node types are reported wherever they are. Muted nodes (and what requires them) are
 * skipped and bypassed nodes are rewired first (see {@link EffectiveGraph}). Iterative, so long chains are fine.
 * Thread-safe when the registry's nodes are.
 */
public final class Validator {
    private final NodeRegistry registry;

    /** Creates a validator over these node types. */
    public Validator(NodeRegistry registry) {
        this.registry = registry;
    }

    /** Validates the whole workflow (all output nodes). */
    public List<ValidationError> validate(Workflow wf) {
        return validate(wf, Set.of());
    }

    /** Validates what {@code targets} need (all output nodes when empty). */
    public List<ValidationError> validate(Workflow wf, Set<String> targets) {
        return validate(EffectiveGraph.build(wf, registry), targets);
    }

    /** Validates an already built effective graph. */
    public List<ValidationError> validate(EffectiveGraph graph, Set<String> targets) {
        return check(graph, targets).errors();
    }

    /**
     * The problems of what {@code targets} need, and every valid literal converted to its declared type (the only
     * place literals are converted: the executor runs on these values).
     */
    public Validation check(EffectiveGraph graph, Set<String> targets) {
        List<ValidationError> problems = new ArrayList<>();
        for (var p : graph.subgraphProblems()) {
            problems.add(new ValidationError(ValidationCode.INVALID_SUBGRAPH, p.hostId(), p.hostType(), null,
                    p.message(), Map.of()));
        }
        Validation flat = checkFlat(graph, targets);
        for (ValidationError e : flat.errors()) {
            String path = e.nodeId() == null ? null : graph.pathOf(e.nodeId());
            if (path == null) {
                problems.add(e);
            } else {
                Map<String, Object> details = new LinkedHashMap<>(e.details());
                details.put(ValidationError.PATH, path);
                problems.add(new ValidationError(e.code(), e.nodeId(), e.nodeType(), e.input(), e.message(), details));
            }
        }
        return new Validation(problems, flat.literals());
    }

    private Validation checkFlat(EffectiveGraph graph, Set<String> targets) {
        List<ValidationError> errors = new ArrayList<>();
        Map<String, Map<String, Object>> literals = new LinkedHashMap<>();
        for (NodeInstance n : graph.nodes().values()) {
            if (registry.find(n.type()).isEmpty()) {
                errors.add(error(ValidationCode.UNKNOWN_NODE_TYPE, n, null,
                        "Node type '" + n.type() + "' does not exist; install the node pack that provides it or"
                                + " remove the node", Map.of("class_type", n.type())));
            }
        }
        Collection<String> roots;
        if (targets.isEmpty()) {
            roots = graph.outputNodes();
            if (roots.isEmpty()) {
                errors.add(new ValidationError(ValidationCode.PROMPT_NO_OUTPUTS, null, null, null,
                        "Prompt has no outputs: add an output node such as Save Image or Preview Image (muted output"
                                + " nodes do not count)", Map.of()));
                return new Validation(errors, literals);
            }
        } else {
            roots = new ArrayList<>();
            for (String t : targets) {
                if (graph.nodes().containsKey(t)) {
                    roots.add(t);
                } else {
                    errors.add(new ValidationError(ValidationCode.PROMPT_NO_OUTPUTS, t, null, null,
                            "Requested node " + t + " is not in the workflow or is muted", Map.of()));
                }
            }
            if (roots.isEmpty()) {
                return new Validation(errors, literals);
            }
        }
        Set<String> needed = graph.closure(roots);
        for (String id : needed) {
            NodeInstance n = graph.nodes().get(id);
            Optional<NodeSchema> schema = graph.schema(id);
            if (schema.isEmpty()) {
                continue;
            }
            try {
                literals.put(id, validateNode(graph, n, schema.get(), errors));
            } catch (RuntimeException e) {
                errors.add(error(ValidationCode.EXCEPTION_DURING_VALIDATION, n, null,
                        "Validation failed unexpectedly: " + e, Map.of("exception_type", e.getClass().getName())));
            }
        }
        for (List<String> cycle : graph.topologicalOrder(needed).cycles()) {
            NodeInstance first = graph.nodes().get(cycle.get(0));
            errors.add(error(ValidationCode.DEPENDENCY_CYCLE, first, null,
                    "Dependency cycle detected between nodes " + String.join(" -> ", cycle) + " -> " + cycle.get(0)
                            + "; remove one of these links", Map.of("nodes", cycle)));
        }
        return new Validation(errors, literals);
    }

    /** Checks one node; returns its valid literals, converted. */
    private Map<String, Object> validateNode(EffectiveGraph graph, NodeInstance n, NodeSchema schema,
            List<ValidationError> errors) {
        Map<String, Object> converted = new LinkedHashMap<>();
        for (InputSpec spec : schema.inputs()) {
            InputValue v = n.input(spec.name());
            if (v == null) {
                if (!spec.optional()) {
                    errors.add(error(ValidationCode.REQUIRED_INPUT_MISSING, n, spec.name(),
                            "Required input is missing; connect it or give it a value", Map.of()));
                }
                continue;
            }
            switch (v) {
                case Link link -> validateLink(graph, n, spec, link, errors);
                case Literal lit -> {
                    Object value = validateLiteral(n, spec, lit.value(), errors);
                    if (value != null) {
                        converted.put(spec.name(), value);
                    }
                }
            }
        }
        return converted;
    }

    private void validateLink(
            EffectiveGraph graph, NodeInstance n, InputSpec spec, Link link, List<ValidationError> errors) {
        NodeInstance src = graph.nodes().get(link.nodeId());
        if (src == null) {
            errors.add(error(ValidationCode.BAD_LINKED_INPUT, n, spec.name(),
                    "Linked to node " + link.nodeId() + ", which does not exist; reconnect the input",
                    Map.of("linked_node", link.nodeId(), "output_index", link.outputIndex())));
            return;
        }
        Optional<NodeSchema> srcSchema = graph.schema(src.id());
        if (srcSchema.isEmpty()) {
            return; // reported as unknown_node_type
        }
        List<OutputSpec> outs = srcSchema.get().outputs();
        if (link.outputIndex() < 0 || link.outputIndex() >= outs.size()) {
            errors.add(error(ValidationCode.BAD_LINKED_INPUT, n, spec.name(),
                    "Linked to output " + link.outputIndex() + " of node " + src.id() + " (" + src.type()
                            + "), which has " + outs.size() + " output(s); reconnect the input",
                    Map.of("linked_node", src.id(), "output_index", link.outputIndex())));
            return;
        }
        PortType received = outs.get(link.outputIndex()).type();
        PortType expected = spec instanceof SocketInput s ? s.type() : PortType.of(spec.typeName());
        boolean ok = expected.accepts(received)
                || (spec instanceof ComboInput && received.equals(PortType.STRING));
        if (!ok) {
            errors.add(error(ValidationCode.RETURN_TYPE_MISMATCH, n, spec.name(),
                    "Return type mismatch between linked nodes: node " + src.id() + " (" + src.type()
                            + ") gives " + received + ", input expects " + expected,
                    Map.of("received_type", received.name(), "input_type", expected.name(),
                            "linked_node", src.id())));
        }
    }

    /** Checks a literal; returns it converted to the input's type, or null when it is not valid. */
    private Object validateLiteral(NodeInstance n, InputSpec spec, Object value, List<ValidationError> errors) {
        if (value instanceof List<?> list) {
            errors.add(error(ValidationCode.BAD_LINKED_INPUT, n, spec.name(),
                    "Bad linked input " + InputCoercion.describe(list)
                            + ", must be a length-2 list of [node_id, slot_index]",
                    Map.of("received_value", list)));
            return null;
        }
        value = InputCoercion.unwrap(value);
        if (spec instanceof SocketInput s) {
            errors.add(error(ValidationCode.INVALID_INPUT_TYPE, n, spec.name(),
                    "Expects a link from a " + s.type() + " output, got the value " + InputCoercion.describe(value),
                    Map.of("input_type", s.type().name())));
            return null;
        }
        if (spec instanceof ComboInput combo && combo.isUserDefined()) {
            if (!(value instanceof String)) {
                errors.add(error(ValidationCode.INVALID_INPUT_TYPE, n, spec.name(),
                        "Expects one of the options written on the node (text), got " + InputCoercion.describe(value),
                        Map.of("received_value", String.valueOf(value))));
                return null;
            }
            return value; // the options are the node's own (ComfyUI skips this check for CustomCombo too)
        }
        if (spec instanceof ComboInput combo) {
            List<String> options = combo.currentOptions();
            if (!(value instanceof String str) || !combo.accepts(str)) {
                errors.add(error(ValidationCode.VALUE_NOT_IN_LIST, n, spec.name(),
                        "Value not in list: " + InputCoercion.describe(value) + " not in " + preview(options),
                        Map.of("received_value", String.valueOf(value), "options", options)));
                return null;
            }
            return value;
        }
        Object converted;
        try {
            if (spec instanceof IntInput) {
                converted = InputCoercion.toBigInteger(value);
            } else {
                converted = InputCoercion.coerce(spec, value);
            }
        } catch (InputCoercion.CoercionException e) {
            errors.add(error(ValidationCode.INVALID_INPUT_TYPE, n, spec.name(),
                    e.getMessage(),
                    Map.of("received_value", String.valueOf(value))));
            return null;
        }
        if (spec instanceof IntInput i) {
            BigInteger v = (BigInteger) converted;
            if (v.compareTo(BigInteger.valueOf(i.min())) < 0) {
                errors.add(range(ValidationCode.VALUE_SMALLER_THAN_MIN, n, spec, v + " smaller than min of " + i.min(),
                        v, i.min()));
                return null;
            } else if (v.compareTo(BigInteger.valueOf(i.max())) > 0) {
                errors.add(range(ValidationCode.VALUE_BIGGER_THAN_MAX, n, spec, v + " bigger than max of " + i.max(),
                        v, i.max()));
                return null;
            }
            return v.longValue();
        } else if (spec instanceof FloatInput f) {
            double v = (Double) converted;
            if (v < f.min()) {
                errors.add(range(ValidationCode.VALUE_SMALLER_THAN_MIN, n, spec, v + " smaller than min of " + f.min(),
                        v, f.min()));
            } else if (v > f.max()) {
                errors.add(range(ValidationCode.VALUE_BIGGER_THAN_MAX, n, spec, v + " bigger than max of " + f.max(),
                        v, f.max()));
            } else {
                return v;
            }
            return null;
        }
        return converted;
    }

    private static ValidationError range(ValidationCode code, NodeInstance n, InputSpec spec, String text, Object v,
            Object limit) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("received_value", v.toString());
        details.put(code == ValidationCode.VALUE_SMALLER_THAN_MIN ? "min" : "max", limit);
        return error(code, n, spec.name(), "Value " + text, details);
    }

    private static String preview(List<String> options) {
        if (options.size() <= 10) {
            return options.toString();
        }
        return options.subList(0, 10) + " and " + (options.size() - 10) + " more";
    }

    private static ValidationError error(
            ValidationCode code, NodeInstance n, String input, String message, Map<String, Object> details) {
        return new ValidationError(code, n.id(), n.type(), input, message, details);
    }
}
