package dev.noodle.graph.spec;

import java.util.Objects;

/** One output of a node: its type and display name. */
public record OutputSpec(PortType type, String name) {
    /** Checks the type is present; the name defaults to the type name. */
    public OutputSpec {
        Objects.requireNonNull(type, "type");
        name = name == null ? type.name() : name;
    }
}
