package dev.noodle.graph.exec;

import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.spec.BoolInput;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.StringInput;
import java.util.Map;

/** {@link NodeInputs} over validated values; absent optional widgets read as their schema defaults. */
final class RunNodeInputs implements NodeInputs {
    private final String nodeLabel;
    private final NodeSchema schema;
    private final Map<String, Object> values;

    RunNodeInputs(String nodeLabel, NodeSchema schema, Map<String, Object> values) {
        this.nodeLabel = nodeLabel;
        this.schema = schema;
        this.values = values;
    }

    @Override
    public long getInt(String name) {
        Object v = valueOrDefault(name);
        if (v instanceof Number n) {
            return n.longValue();
        }
        throw wrongType(name, "INT", v);
    }

    @Override
    public double getFloat(String name) {
        Object v = valueOrDefault(name);
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw wrongType(name, "FLOAT", v);
    }

    @Override
    public String getString(String name) {
        Object v = valueOrDefault(name);
        if (v instanceof String s) {
            return s;
        }
        throw wrongType(name, "STRING", v);
    }

    @Override
    public boolean getBool(String name) {
        Object v = valueOrDefault(name);
        if (v instanceof Boolean b) {
            return b;
        }
        throw wrongType(name, "BOOLEAN", v);
    }

    @Override
    public <T> T get(String name, Class<T> type) {
        Object v = values.get(name);
        if (v == null) {
            return null;
        }
        if (!type.isInstance(v)) {
            throw new IllegalArgumentException(nodeLabel + " input '" + name + "' holds a "
                    + v.getClass().getSimpleName() + ", not a " + type.getSimpleName());
        }
        return type.cast(v);
    }

    @Override
    public boolean has(String name) {
        return values.containsKey(name);
    }

    @Override
    public Object raw(String name) {
        return values.get(name);
    }

    private Object valueOrDefault(String name) {
        if (values.containsKey(name)) {
            return values.get(name);
        }
        InputSpec spec = schema.input(name).orElseThrow(() -> new IllegalArgumentException(
                nodeLabel + " has no input named '" + name + "'"));
        return switch (spec) {
            case IntInput i -> i.defaultValue();
            case FloatInput f -> f.defaultValue();
            case StringInput s -> s.defaultValue();
            case BoolInput b -> b.defaultValue();
            case ComboInput c -> c.effectiveDefault();
            default -> null;
        };
    }

    private IllegalArgumentException wrongType(String name, String wanted, Object v) {
        return new IllegalArgumentException(nodeLabel + " input '" + name + "' is not a " + wanted + " (got "
                + (v == null ? "nothing" : v.getClass().getSimpleName()) + ")");
    }
}
