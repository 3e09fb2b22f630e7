package dev.noodle.graph.spec;

import java.util.Objects;

/**
 * An input fed by a link from another node's output of a compatible {@link PortType}.
 *
 * <p>Typed by the Java class of the value that travels on the wire, so a node reads it as {@code in.get(MODEL)} and
 * gets a {@code T}; sockets declared without a class ({@link #of(String, PortType)}) carry {@code Object}.
 *
 * @param valueClass the class every value on this input is an instance of
 */
public record SocketInput<T>(String name, PortType type, boolean optional, String tooltip, Class<T> valueClass)
        implements InputSpec {

    /** Checks the type is present. */
    public SocketInput {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(valueClass, "valueClass");
        tooltip = tooltip == null ? "" : tooltip;
    }

    /** An untyped socket (values read as Object), for tools and tests that never read the value. */
    public SocketInput(String name, PortType type, boolean optional, String tooltip) {
        this(name, type, optional, tooltip, uncheckedObject());
    }

    @SuppressWarnings("unchecked")
    private static <T> Class<T> uncheckedObject() {
        return (Class<T>) Object.class;
    }

    /** A required untyped socket. */
    public static SocketInput<Object> of(String name, PortType type) {
        return new SocketInput<>(name, type, false, "", Object.class);
    }

    /** An optional untyped socket. */
    public static SocketInput<Object> optional(String name, PortType type) {
        return new SocketInput<>(name, type, true, "", Object.class);
    }

    /** A required socket whose values are {@code valueClass} instances. */
    public static <T> SocketInput<T> of(String name, PortType type, Class<T> valueClass) {
        return new SocketInput<>(name, type, false, "", valueClass);
    }

    /** A copy marked optional (an absent optional socket reads as null). */
    public SocketInput<T> asOptional() {
        return new SocketInput<>(name, type, true, tooltip, valueClass);
    }

    /** A copy with this tooltip. */
    public SocketInput<T> withTooltip(String text) {
        return new SocketInput<>(name, type, optional, text, valueClass);
    }
}
