package dev.noodle.graph.model;

/**
 * A literal input value: Long, Double, String, Boolean, null, or List/Map for exotic values.
 *
 * <p>A List literal on an input is a malformed link in ComfyUI terms (lists denote links) and fails validation with
 * {@code bad_linked_input}.
 */
public record Literal(Object value) implements InputValue {
    /** A literal of this value. */
    public static Literal of(Object value) {
        return new Literal(value);
    }
}
