package dev.noodle.graph.form;

import dev.noodle.graph.spec.BoolInput;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.graph.spec.StringInput;
import java.util.Objects;

/**
 * One field of a workflow's form: a form entry resolved to the input's spec and its current value.
 *
 * @param name the name the form, {@code --set NAME=VALUE} and the server use
 * @param label what users see (the entry's label, else its name)
 * @param nodeId the top-level node the field sets (a subgraph host for a promoted input)
 * @param input the node's input
 * @param spec the input's spec (a host's promoted widget takes the inner widget's spec)
 * @param value the current literal value, the spec's default when the node leaves it unset, or null when wired
 * @param wiredFrom the node whose output feeds this input, or null when it holds a value
 */
public record FormField(
        String name, String label, String nodeId, String input, InputSpec spec, Object value, String wiredFrom) {
    /** Checks the name, node, input and spec are present. */
    public FormField {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(spec, "spec");
        label = label == null || label.isBlank() ? name : label;
    }

    /** Whether a value can be set here: a widget input that no wire feeds. */
    public boolean settable() {
        return !(spec instanceof SocketInput<?>) && wiredFrom == null;
    }

    /** The ComfyUI type name of the field ({@code INT}, {@code FLOAT}, {@code COMBO}, ...). */
    public String typeName() {
        return spec.typeName();
    }

    /** The range or options in words: {@code 1..10000}, {@code 0.0..100.0 step 0.1}, {@code one of a, b}, or empty. */
    public String constraint() {
        return switch (spec) {
            case IntInput i -> i.min() + ".." + i.max() + (i.step() > 1 ? " step " + i.step() : "");
            case FloatInput f -> f.min() + ".." + f.max() + (f.step() > 0 ? " step " + f.step() : "");
            case ComboInput c -> "one of " + String.join(", ", c.currentOptions());
            case BoolInput b -> "true or false";
            case StringInput s -> s.multiline() ? "text (several lines)" : "text";
            case SocketInput<?> s -> "a link from a " + s.type().name() + " output";
        };
    }

    /** The default value of a spec (null for sockets and combos without options). */
    public static Object defaultOf(InputSpec spec) {
        return switch (spec) {
            case IntInput i -> i.defaultValue();
            case FloatInput f -> f.defaultValue();
            case StringInput s -> s.defaultValue();
            case BoolInput b -> b.defaultValue();
            case ComboInput c -> c.effectiveDefault();
            case SocketInput<?> s -> null;
        };
    }
}
