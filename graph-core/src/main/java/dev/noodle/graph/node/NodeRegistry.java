package dev.noodle.graph.node;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The set of known node types, by type name.
 *
 * <p>Thread-safe. Created by the host (no global instance).
 */
public final class NodeRegistry {
    private final Map<String, NodeDefinition> byType = new ConcurrentHashMap<>();

    /** Registers a node type; a second registration of the same type name is an error. */
    public NodeRegistry register(NodeDefinition definition) {
        String type = definition.schema().type();
        NodeDefinition previous = byType.putIfAbsent(type, definition);
        if (previous != null && previous != definition) {
            throw new IllegalArgumentException("node type '" + type + "' is already registered");
        }
        return this;
    }

    /** The node type with this name. */
    public Optional<NodeDefinition> find(String type) {
        return type == null ? Optional.empty() : Optional.ofNullable(byType.get(type));
    }

    /** All node types, sorted by category, then display name, then type. */
    public Collection<NodeDefinition> all() {
        List<NodeDefinition> list = new ArrayList<>(byType.values());
        list.sort(
                Comparator.comparing((NodeDefinition d) -> d.schema().category())
                        .thenComparing(d -> d.schema().displayName())
                        .thenComparing(d -> d.schema().type()));
        return List.copyOf(list);
    }
}
