package dev.noodle.graph.node;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a node produced: wire values by output index, plus a UI map for the editor/API.
 *
 * @param values values by output index (may contain nulls)
 * @param ui things to show, e.g. {@code "images" -> List<descriptor>}; never enters wires
 */
public record NodeOutputs(List<Object> values, Map<String, Object> ui) {
    /** Copies both collections (nulls allowed). */
    public NodeOutputs {
        values = Collections.unmodifiableList(new ArrayList<>(values == null ? List.of() : values));
        ui = Collections.unmodifiableMap(new LinkedHashMap<>(ui == null ? Map.of() : ui));
    }

    /** Outputs with these values and no UI. */
    public static NodeOutputs of(Object... values) {
        return new NodeOutputs(Arrays.asList(values), Map.of());
    }

    /** Outputs with no values and this UI (typical for output nodes). */
    public static NodeOutputs ui(Map<String, Object> ui) {
        return new NodeOutputs(List.of(), ui);
    }

    /** A copy with this UI map. */
    public NodeOutputs withUi(Map<String, Object> newUi) {
        return new NodeOutputs(values, newUi);
    }

    /** The value at {@code index}. */
    public Object value(int index) {
        return values.get(index);
    }
}
