package dev.noodle.graph.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One node in a workflow: id, type, inputs by name, mode and unknown JSON fields ({@code extra}).
 *
 * <p>Immutable; "with" methods return copies.
 */
public record NodeInstance(
        String id, String type, Map<String, InputValue> inputs, NodeMode mode, Map<String, Object> extra) {

    /** Copies the maps, keeping order. */
    public NodeInstance {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        inputs = Maps.copy(inputs);
        mode = mode == null ? NodeMode.NORMAL : mode;
        extra = Maps.copy(extra);
    }

    /** A normal node with these inputs. */
    public static NodeInstance of(String id, String type, Map<String, InputValue> inputs) {
        return new NodeInstance(id, type, inputs, NodeMode.NORMAL, Map.of());
    }

    /** A copy with this input set (replacing any previous value). */
    public NodeInstance withInput(String name, InputValue value) {
        Map<String, InputValue> copy = new LinkedHashMap<>(inputs);
        copy.put(name, Objects.requireNonNull(value, "value"));
        return new NodeInstance(id, type, copy, mode, extra);
    }

    /** A copy without this input. */
    public NodeInstance withoutInput(String name) {
        if (!inputs.containsKey(name)) {
            return this;
        }
        Map<String, InputValue> copy = new LinkedHashMap<>(inputs);
        copy.remove(name);
        return new NodeInstance(id, type, copy, mode, extra);
    }

    /** A copy with this mode. */
    public NodeInstance withMode(NodeMode newMode) {
        return new NodeInstance(id, type, inputs, newMode, extra);
    }

    /** A copy with this id. */
    public NodeInstance withId(String newId) {
        return new NodeInstance(newId, type, inputs, mode, extra);
    }

    /** The input value with this name, or null. */
    public InputValue input(String name) {
        return inputs.get(name);
    }
}
