package dev.noodle.graph.node;

import dev.noodle.graph.spec.BoolInput;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.EnumInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.graph.spec.StringInput;

/**
 * The input values a node receives, read through the node's own typed input constants: {@code in.get(STEPS)} gives
 * a {@code long}, {@code in.get(MODEL)} the model handle, {@code in.get(SAMPLER)} the enum constant.
 *
 * <p>Literals arrive validated and coerced to their declared types (once, by the validator). Absent optional widget
 * inputs read as their schema default; absent optional sockets read as null. Valid only during the node's execution.
 */
public interface NodeInputs {
    /**
     * The value of a declared input: the coerced literal or the linked value; the schema default for an absent
     * optional widget, null for an absent optional socket.
     *
     * @throws IllegalArgumentException naming the node when {@code spec} is not one of its inputs
     */
    Object value(InputSpec spec);

    /** Whether the input was given (literal or link). */
    boolean has(InputSpec spec);

    /** Whether the input was given (literal or link). */
    default boolean has(EnumInput<?> input) {
        return has(input.spec());
    }

    /** An INT input. */
    default long get(IntInput input) {
        return ((Number) checked(input, Number.class)).longValue();
    }

    /** An INT input whose declared range fits an {@code int} (steps, sizes, counts). */
    default int getInt(IntInput input) {
        return Math.toIntExact(get(input));
    }

    /** A FLOAT input (INT values widen). */
    default double get(FloatInput input) {
        return ((Number) checked(input, Number.class)).doubleValue();
    }

    /** A FLOAT input narrowed to {@code float}, as the engine computes. */
    default float getFloat(FloatInput input) {
        return (float) get(input);
    }

    /** A STRING input. */
    default String get(StringInput input) {
        return checked(input, String.class);
    }

    /** A BOOLEAN input. */
    default boolean get(BoolInput input) {
        return checked(input, Boolean.class);
    }

    /** A COMBO input as its option string. */
    default String get(ComboInput input) {
        return checked(input, String.class);
    }

    /** A COMBO input over an enum, as its constant. */
    default <E extends Enum<E>> E get(EnumInput<E> input) {
        return input.parse(get(input.spec()));
    }

    /** A linked value, or null for an absent optional socket. */
    default <T> T get(SocketInput<T> input) {
        Object v = value(input);
        return v == null ? null : checked(input, input.valueClass());
    }

    private <T> T checked(InputSpec spec, Class<T> type) {
        Object v = value(spec);
        if (!type.isInstance(v)) {
            throw new IllegalArgumentException("input '" + spec.name() + "' holds "
                    + (v == null ? "nothing" : "a " + v.getClass().getSimpleName()) + ", not a "
                    + type.getSimpleName());
        }
        return type.cast(v);
    }
}
