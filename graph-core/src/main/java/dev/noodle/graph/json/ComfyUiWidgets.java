package dev.noodle.graph.json;

import dev.noodle.graph.spec.BoolInput;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.graph.spec.StringInput;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Maps ComfyUI's positional {@code widgets_values} to input names by a node schema, and back.
 *
 * <p>Rules of ComfyUI's frontend: every widget input (a non-socket input, in schema order) takes one slot, also when it
 * was converted to a socket and is fed by a link (v0.4 keeps its last value there); a seed-like INT
 * ({@link IntInput#controlAfterGenerate()}) is followed by one UI-only slot for "control_after_generate" ("fixed",
 * "increment", "decrement", "randomize", or a boolean in some old files). Values past the schema's widgets (e.g. LoadImage's
 * "upload" button value) are UI-only and only kept in the original JSON. Thread-safe (stateless).
 */
final class ComfyUiWidgets {
    /** The values ComfyUI's control_after_generate widget takes. */
    static final Set<String> CONTROL_VALUES = Set.of("fixed", "increment", "decrement", "randomize");

    private ComfyUiWidgets() {}

    /** One widget input and the index of its slot in widgets_values. */
    record Slot(InputSpec spec, int index, boolean hasControl) {}

    /**
     * The slots of a schema's widget inputs, given the actual values (to decide whether a control slot is present).
     *
     * @param values the node's widgets_values, or null to lay out slots for a new node (control slots present)
     */
    static List<Slot> slots(NodeSchema schema, List<Object> values) {
        List<Slot> slots = new ArrayList<>();
        int index = 0;
        for (InputSpec in : schema.inputs()) {
            if (in instanceof SocketInput) {
                continue;
            }
            boolean control = false;
            if (in instanceof IntInput i && i.controlAfterGenerate()) {
                Object next = values == null ? "fixed" : (index + 1 < values.size() ? values.get(index + 1) : null);
                control = next instanceof Boolean || (next instanceof String s && CONTROL_VALUES.contains(s));
            }
            slots.add(new Slot(in, index, control));
            index += control ? 2 : 1;
        }
        return slots;
    }

    /**
     * The widget values by input name; inputs whose slot is beyond the list (or all, when {@code values} is null)
     * take their default, as ComfyUI's frontend does when it loads such a node (optional inputs stay unset).
     */
    static Map<String, Object> byName(NodeSchema schema, List<Object> values) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Slot s : slots(schema, values == null ? List.of() : values)) {
            boolean present = values != null && s.index() < values.size();
            if (!present && s.spec().optional()) {
                continue; // an optional input the file predates stays unset
            }
            Object v = present ? values.get(s.index()) : defaultValue(s.spec());
            if (v != null) {
                out.put(s.spec().name(), v);
            }
        }
        return out;
    }

    /** The value a new widget shows: the spec's default (first option for combos); null for sockets. */
    static Object defaultValue(InputSpec spec) {
        return switch (spec) {
            case IntInput i -> i.defaultValue();
            case FloatInput f -> f.defaultValue();
            case StringInput s -> s.defaultValue();
            case BoolInput b -> b.defaultValue();
            case ComboInput c -> c.effectiveDefault();
            case SocketInput s -> null;
        };
    }
}
