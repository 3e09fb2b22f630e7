package dev.noodle.graph.form;

import dev.noodle.graph.model.FormInput;
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
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.graph.spec.StringInput;
import dev.noodle.graph.subgraph.SubgraphSchemas;
import dev.noodle.graph.validate.InputCoercion;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The form of a workflow: its named inputs, each resolved to the input's spec and current value, and the setting of
 * values by name.
 *
 * <p>The fields are the workflow's {@link Workflow#form() form entries}; a workflow without entries whose top level
 * holds exactly one subgraph host shows that host's promoted widgets instead (the component's own knobs), and any
 * host can be opened the same way with {@link #ofHost}. Entries whose node or input is gone are reported as
 * {@link #problems()}, not fields. Immutable; built for one workflow value, so rebuild it after an edit.
 */
public final class WorkflowForm {
    private final Workflow workflow;
    private final List<FormField> fields;
    private final List<FormProblem> problems;
    private final String hostId;

    private WorkflowForm(Workflow workflow, List<FormField> fields, List<FormProblem> problems, String hostId) {
        this.workflow = workflow;
        this.fields = List.copyOf(fields);
        this.problems = List.copyOf(problems);
        this.hostId = hostId;
    }

    /** The form of a workflow: its entries, or the promoted widgets of its one top-level host when it has none. */
    public static WorkflowForm of(Workflow wf, NodeRegistry registry) {
        if (wf.form().isEmpty()) {
            String host = null;
            int hosts = 0;
            for (NodeInstance n : wf.nodes().values()) {
                if (wf.subgraphOf(n) != null) {
                    host = n.id();
                    hosts++;
                }
            }
            if (hosts == 1) {
                return ofHost(wf, registry, host);
            }
        }
        List<FormField> fields = new ArrayList<>();
        List<FormProblem> problems = new ArrayList<>();
        for (FormInput e : wf.form()) {
            resolve(wf, registry, e, fields, problems);
        }
        return new WorkflowForm(wf, fields, problems, null);
    }

    /** The form of one subgraph host: its promoted widget inputs, named as the interface names them. */
    public static WorkflowForm ofHost(Workflow wf, NodeRegistry registry, String hostId) {
        NodeInstance host = wf.node(hostId);
        Subgraph def = wf.subgraphOf(host);
        if (def == null) {
            throw new IllegalArgumentException(host == null ? "node " + hostId + " is not in the workflow"
                    : "node " + hostId + " (" + host.type() + ") is not a subgraph");
        }
        List<FormField> fields = new ArrayList<>();
        List<FormProblem> problems = new ArrayList<>();
        NodeSchema schema = SubgraphSchemas.hostSchema(wf, registry, def);
        for (SubgraphInput port : def.inputs()) {
            if (schema.input(port.name()).filter(s -> !(s instanceof SocketInput<?>)).isPresent()) {
                resolve(wf, registry, new FormInput(port.name(), hostId, port.name(), port.label()), fields,
                        problems);
            }
        }
        return new WorkflowForm(wf, fields, problems, hostId);
    }

    private static void resolve(Workflow wf, NodeRegistry registry, FormInput e, List<FormField> fields,
            List<FormProblem> problems) {
        NodeInstance node = wf.node(e.nodeId());
        if (node == null) {
            problems.add(new FormProblem(e.name(), "node " + e.nodeId() + " (input '" + e.input()
                    + "') is no longer in the workflow; remove the field from the form or add it again from a node"));
            return;
        }
        Optional<NodeSchema> schema = SubgraphSchemas.schemaOf(wf, registry, node.type());
        if (schema.isEmpty()) {
            problems.add(new FormProblem(e.name(), "node " + e.nodeId() + " has type " + node.type()
                    + ", which is not installed, so its input '" + e.input() + "' cannot be checked"));
            return;
        }
        Optional<InputSpec> spec = schema.get().input(e.input());
        if (spec.isEmpty()) {
            problems.add(new FormProblem(e.name(), "node " + e.nodeId() + " (" + node.type() + ") has no input '"
                    + e.input() + "' any more; its inputs are " + String.join(", ",
                            schema.get().inputs().stream().map(InputSpec::name).toList())));
            return;
        }
        InputValue current = node.input(e.input());
        Object value = null;
        String wired = null;
        if (current instanceof Link l) {
            wired = l.nodeId();
        } else if (current instanceof Literal lit) {
            value = InputCoercion.unwrap(lit.value());
        } else {
            value = FormField.defaultOf(spec.get());
        }
        fields.add(new FormField(e.name(), e.label(), e.nodeId(), e.input(), spec.get(), value, wired));
    }

    /** The workflow this form was built from. */
    public Workflow workflow() {
        return workflow;
    }

    /** The fields, in the form's order. */
    public List<FormField> fields() {
        return fields;
    }

    /** Entries that no longer resolve (node removed, input gone, type not installed), one per entry. */
    public List<FormProblem> problems() {
        return problems;
    }

    /** The host whose promoted inputs these are, or null for the workflow's own form entries. */
    public String hostId() {
        return hostId;
    }

    /** Whether the form has neither fields nor problems. */
    public boolean isEmpty() {
        return fields.isEmpty() && problems.isEmpty();
    }

    /** The field with this name. */
    public Optional<FormField> field(String name) {
        return fields.stream().filter(f -> f.name().equals(name)).findFirst();
    }

    /** Whether this name is one of the form's (a field, or an entry that no longer resolves). */
    public boolean hasName(String name) {
        return field(name).isPresent() || problems.stream().anyMatch(p -> p.name().equals(name));
    }

    /** The names of the fields, in order. */
    public List<String> names() {
        return fields.stream().map(FormField::name).toList();
    }

    /**
     * The workflow with these named values set, each checked against its field's spec (type, range, options).
     *
     * @throws FormException listing every refused value, each naming its field: an unknown name (with the known
     *     ones), an entry whose node or input is gone, a wired or socket input, a value of the wrong type or out of
     *     range
     */
    public Workflow apply(Map<String, ?> values) {
        Workflow result = workflow;
        List<FormProblem> refused = new ArrayList<>();
        for (Map.Entry<String, ?> v : values.entrySet()) {
            String name = v.getKey();
            Optional<FormField> field = field(name);
            if (field.isEmpty()) {
                Optional<FormProblem> stale = problems.stream().filter(p -> p.name().equals(name)).findFirst();
                refused.add(stale.orElseGet(() -> new FormProblem(name, fields.isEmpty()
                        ? "the workflow has no form; add inputs to it in the editor (Add to form)"
                        : "is not in the form; its fields are " + String.join(", ", names()))));
                continue;
            }
            FormField f = field.get();
            try {
                Object checked = check(f, v.getValue());
                NodeInstance node = result.node(f.nodeId());
                result = result.withNode(node.withInput(f.input(), new Literal(checked)));
            } catch (IllegalArgumentException e) {
                refused.add(new FormProblem(name, e.getMessage()));
            }
        }
        if (!refused.isEmpty()) {
            throw new FormException(refused);
        }
        return result;
    }

    /**
     * The value converted to the field's type (Long, Double, String or Boolean), or an exception saying in plain words
     * why not, naming the node and input.
     */
    public static Object check(FormField f, Object raw) {
        String where = " (node " + f.nodeId() + " input '" + f.input() + "')";
        if (f.spec() instanceof SocketInput<?> s) {
            throw new IllegalArgumentException("takes a link from a " + s.type().name()
                    + " output, not a value" + where);
        }
        if (f.wiredFrom() != null) {
            throw new IllegalArgumentException("is wired from node " + f.wiredFrom() + where
                    + "; remove the wire to set it here");
        }
        Object value = InputCoercion.unwrap(raw);
        if (value == null) {
            throw new IllegalArgumentException("needs a value" + where);
        }
        try {
            return switch (f.spec()) {
                case IntInput i -> {
                    if ((value instanceof Double || value instanceof Float || value instanceof BigDecimal)
                            && ((Number) value).doubleValue() != Math.rint(((Number) value).doubleValue())) {
                        throw new IllegalArgumentException(value + " is not a whole number" + where);
                    }
                    BigInteger b = InputCoercion.toBigInteger(value);
                    if (b.compareTo(BigInteger.valueOf(i.min())) < 0 || b.compareTo(BigInteger.valueOf(i.max())) > 0) {
                        throw new IllegalArgumentException(b + " is outside " + i.min() + ".." + i.max() + where);
                    }
                    yield b.longValue();
                }
                case FloatInput fl -> {
                    double d = (Double) InputCoercion.coerce(fl, value);
                    if (d < fl.min() || d > fl.max()) {
                        throw new IllegalArgumentException(d + " is outside " + fl.min() + ".." + fl.max() + where);
                    }
                    yield d;
                }
                case ComboInput c -> {
                    String s = value instanceof String str ? str : String.valueOf(value);
                    List<String> options = c.currentOptions();
                    if (!options.contains(s)) {
                        throw new IllegalArgumentException(InputCoercion.describe(s) + " is not one of "
                                + (options.size() <= 12 ? String.join(", ", options)
                                        : String.join(", ", options.subList(0, 12)) + " and "
                                                + (options.size() - 12) + " more") + where);
                    }
                    yield s;
                }
                case StringInput s -> InputCoercion.coerce(s, value);
                case BoolInput b -> InputCoercion.coerce(b, value);
                case SocketInput<?> s -> throw new IllegalStateException("sockets are refused above");
            };
        } catch (InputCoercion.CoercionException e) {
            throw new IllegalArgumentException(e.getMessage() + where);
        }
    }
}
