package dev.noodle.graph.exec;

import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.spec.BoolInput;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.SocketInput;
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
    public Object value(InputSpec spec) {
        String name = declared(spec);
        if (values.containsKey(name)) {
            return values.get(name);
        }
        return switch (spec) {
            case IntInput i -> i.defaultValue();
            case FloatInput f -> f.defaultValue();
            case StringInput s -> s.defaultValue();
            case BoolInput b -> b.defaultValue();
            case ComboInput c -> c.effectiveDefault();
            case SocketInput<?> s -> null;
        };
    }

    @Override
    public boolean has(InputSpec spec) {
        return values.containsKey(declared(spec));
    }

    private String declared(InputSpec spec) {
        if (schema.input(spec.name()).isEmpty()) {
            throw new IllegalArgumentException(nodeLabel + " has no input named '" + spec.name() + "'");
        }
        return spec.name();
    }
}
