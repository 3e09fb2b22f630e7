package dev.noodle.graph.pack;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A loaded pack as shown to the user.
 *
 * @param name the pack's name
 * @param version the pack's version
 * @param source the jar it came from, or null for a pack on the application's class path (Noodle's own)
 * @param nodeTypes the node types it registered, in its order
 */
public record PackInfo(String name, String version, Path source, List<String> nodeTypes) {
    /** Copies the list. */
    public PackInfo {
        Objects.requireNonNull(name, "name");
        version = version == null ? "" : version;
        nodeTypes = List.copyOf(nodeTypes);
    }

    /** True for a pack loaded from {@code custom_nodes/}. */
    public boolean custom() {
        return source != null;
    }

    /** "name version" as shown in lists and errors. */
    public String label() {
        return version.isEmpty() ? name : name + " " + version;
    }
}
