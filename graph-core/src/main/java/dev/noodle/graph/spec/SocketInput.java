package dev.noodle.graph.spec;

import java.util.Objects;

/** An input fed by a link from another node's output of a compatible {@link PortType}. */
public record SocketInput(String name, PortType type, boolean optional, String tooltip)
        implements InputSpec {

    /** Checks the type is present. */
    public SocketInput {
        Objects.requireNonNull(type, "type");
        tooltip = tooltip == null ? "" : tooltip;
    }

    /** A required socket. */
    public static SocketInput of(String name, PortType type) {
        return new SocketInput(name, type, false, "");
    }

    /** An optional socket. */
    public static SocketInput optional(String name, PortType type) {
        return new SocketInput(name, type, true, "");
    }
}
