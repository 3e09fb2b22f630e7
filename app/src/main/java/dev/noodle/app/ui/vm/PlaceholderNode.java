package dev.noodle.app.ui.vm;

import dev.noodle.graph.json.ComfyUiFormat;
import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * What the editor shows for a node whose type is not installed (a ComfyUI custom node in an imported workflow): its
 * sockets and outputs with their types, and its literal values, read from the node instance and the original ComfyUI
 * JSON kept in its {@code extra}. Read-only: nothing here ever changes the node, so its values survive a save.
 *
 * @param pack the custom node pack named in the original JSON ({@code properties.cnr_id} / {@code aux_id}), or null
 * @param inputs socket inputs, linked or not, in the original order
 * @param outputs outputs by index, typed from the original JSON or from the inputs they feed
 * @param values literal and widget values, as text
 */
public record PlaceholderNode(
        String type, String pack, List<Port> inputs, List<Port> outputs, List<Value> values) {
    /** A typed socket. */
    public record Port(String name, PortType type) {}

    /** A literal shown read-only. */
    public record Value(String name, String text) {}

    private static final int MAX_TEXT = 80;

    /** Copies the lists. */
    public PlaceholderNode {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        values = List.copyOf(values);
    }

    /** The badge text: what is wrong and what to do. */
    public String badge() {
        String which = pack == null ? "the custom node pack that provides it" : "the custom node pack '" + pack + "'";
        return "Unknown node type " + type + ": install " + which + " (values are kept as they are), or replace it "
                + "with an installed node.";
    }

    /** A schema with these sockets and outputs (no widgets), so the canvas can draw ports and wires. */
    public NodeSchema schema() {
        NodeSchema.Builder b = NodeSchema.builder(type).display(type).category("unknown").description(badge());
        for (Port p : inputs) {
            b.input(SocketInput.of(p.name(), p.type()));
        }
        for (Port p : outputs) {
            b.output(p.type(), p.name());
        }
        return b.build();
    }

    /** Reads what can be known about {@code node} from the workflow. */
    public static PlaceholderNode of(Workflow wf, NodeInstance node, Function<String, Optional<NodeSchema>> schemas) {
        Map<?, ?> original = node.extra().get(ComfyUiFormat.NODE_KEY) instanceof Map<?, ?> m ? m : Map.of();
        Map<String, Port> inputs = new LinkedHashMap<>();
        List<String> widgetNames = new ArrayList<>();
        for (Object o : list(original.get("inputs"))) {
            if (o instanceof Map<?, ?> in && in.get("name") instanceof String name) {
                if (in.get("widget") instanceof Map<?, ?> w) {
                    widgetNames.add(w.get("name") instanceof String wn ? wn : name);
                    if (in.get("link") == null) {
                        continue; // a widget, not a socket
                    }
                }
                inputs.put(name, new Port(name, portType(in.get("type"))));
            }
        }
        List<Value> values = new ArrayList<>();
        for (Map.Entry<String, InputValue> e : node.inputs().entrySet()) {
            if (e.getValue() instanceof Link link) {
                PortType known = inputs.containsKey(e.getKey()) ? inputs.get(e.getKey()).type() : PortType.ANY;
                PortType upstream = outputType(wf, link, schemas);
                inputs.put(e.getKey(), new Port(e.getKey(), upstream.equals(PortType.ANY) ? known : upstream));
            } else if (e.getValue() instanceof Literal lit) {
                values.add(new Value(e.getKey(), text(lit.value())));
            }
        }
        Object widgets = original.get("widgets_values");
        if (widgets instanceof List<?> list) {
            boolean named = widgetNames.size() == list.size();
            for (int i = 0; i < list.size(); i++) {
                String name = named ? widgetNames.get(i) : "widget " + (i + 1);
                if (!node.inputs().containsKey(name)) {
                    values.add(new Value(name, text(list.get(i))));
                }
            }
        } else if (widgets instanceof Map<?, ?> map) {
            map.forEach((k, v) -> {
                if (!node.inputs().containsKey(String.valueOf(k))) {
                    values.add(new Value(String.valueOf(k), text(v)));
                }
            });
        }
        Map<?, ?> props = original.get("properties") instanceof Map<?, ?> p ? p : Map.of();
        String pack = props.get("cnr_id") instanceof String id && !id.isBlank() ? id
                : props.get("aux_id") instanceof String aux && !aux.isBlank() ? aux : null;
        return new PlaceholderNode(node.type(), pack, new ArrayList<>(inputs.values()),
                outputs(wf, node, original, schemas), values);
    }

    private static List<Port> outputs(Workflow wf, NodeInstance node, Map<?, ?> original,
            Function<String, Optional<NodeSchema>> schemas) {
        List<Port> outs = new ArrayList<>();
        for (Object o : list(original.get("outputs"))) {
            if (o instanceof Map<?, ?> out) {
                PortType t = portType(out.get("type"));
                outs.add(new Port(out.get("name") instanceof String s ? s : t.name(), t));
            }
        }
        // outputs the original JSON does not list (API-format files): typed by the sockets they feed
        for (NodeInstance consumer : wf.nodes().values()) {
            for (Map.Entry<String, InputValue> e : consumer.inputs().entrySet()) {
                if (e.getValue() instanceof Link l && l.nodeId().equals(node.id()) && l.outputIndex() >= 0
                        && l.outputIndex() < 64) {
                    while (outs.size() <= l.outputIndex()) {
                        outs.add(new Port("output " + outs.size(), PortType.ANY));
                    }
                    Port p = outs.get(l.outputIndex());
                    if (p.type().equals(PortType.ANY)) {
                        PortType t = schemas.apply(consumer.type()).flatMap(s -> s.input(e.getKey()))
                                .filter(SocketInput.class::isInstance).map(s -> ((SocketInput) s).type())
                                .orElse(PortType.ANY);
                        outs.set(l.outputIndex(), new Port(t.equals(PortType.ANY) ? p.name() : t.name(), t));
                    }
                }
            }
        }
        return outs;
    }

    private static PortType outputType(Workflow wf, Link link, Function<String, Optional<NodeSchema>> schemas) {
        NodeInstance up = wf.nodes().get(link.nodeId());
        if (up == null) {
            return PortType.ANY;
        }
        return schemas.apply(up.type()).filter(s -> link.outputIndex() < s.outputs().size())
                .map(s -> s.outputs().get(link.outputIndex()).type()).orElse(PortType.ANY);
    }

    private static PortType portType(Object type) {
        return type instanceof String s && !s.isBlank() && !s.contains(",") ? PortType.of(s) : PortType.ANY;
    }

    private static List<?> list(Object o) {
        return o instanceof List<?> l ? l : List.of();
    }

    private static String text(Object v) {
        String s = v == null ? "null" : v instanceof String str ? "\"" + str + "\"" : String.valueOf(v);
        s = s.replaceAll("\\s+", " ");
        return s.length() <= MAX_TEXT ? s : s.substring(0, MAX_TEXT - 1) + "…";
    }
}
