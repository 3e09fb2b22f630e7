package dev.noodle.graph.node;

import dev.noodle.graph.pack.PackInfo;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The set of known node types, by type name, with the pack each came from.
 *
 * <p>Thread-safe. Created by the host (no global instance).
 */
public final class NodeRegistry {
    private final Map<String, NodeDefinition> byType = new ConcurrentHashMap<>();
    private final Map<String, PackInfo> packByType = new ConcurrentHashMap<>();
    private final Map<String, PackInfo> packs = java.util.Collections.synchronizedMap(new LinkedHashMap<>());

    /** Registers a node type that belongs to no pack; a second registration of the same type name is an error. */
    public NodeRegistry register(NodeDefinition definition) {
        String type = definition.schema().type();
        NodeDefinition previous = byType.putIfAbsent(type, definition);
        if (previous != null && previous != definition) {
            throw new IllegalArgumentException("node type '" + type + "' is already registered");
        }
        return this;
    }

    /**
     * Registers every node of a pack, or none: when a pack of that name is already loaded, or one of its types is
     * already registered (or listed twice), nothing is registered and the error names the pack, the type and who has
     * it.
     */
    public synchronized NodeRegistry registerPack(PackInfo pack, List<? extends NodeDefinition> definitions) {
        PackInfo same = packs.get(pack.name());
        if (same != null) {
            throw new IllegalArgumentException("a node pack named '" + pack.name() + "' is already loaded ("
                    + same.label() + (same.custom() ? " from " + same.source() + "; keep only one of the two jars"
                            : ", built into Noodle; rename the pack") + ")");
        }
        Map<String, NodeDefinition> mine = new LinkedHashMap<>();
        for (NodeDefinition d : definitions) {
            String type = d.schema().type();
            if (byType.containsKey(type)) {
                PackInfo owner = packByType.get(type);
                throw new IllegalArgumentException("node pack '" + pack.label() + "' redefines the node type '" + type
                        + "', which " + (owner == null || !owner.custom() ? "is built into Noodle"
                                : "pack '" + owner.label() + "' defines")
                        + "; packs may only add new node types");
            }
            if (mine.put(type, d) != null) {
                throw new IllegalArgumentException("node pack '" + pack.label() + "' lists the node type '" + type
                        + "' twice");
            }
        }
        PackInfo info = new PackInfo(pack.name(), pack.version(), pack.source(), List.copyOf(mine.keySet()));
        byType.putAll(mine);
        for (String type : mine.keySet()) {
            packByType.put(type, info);
        }
        packs.put(info.name(), info);
        return this;
    }

    /** The node type with this name. */
    public Optional<NodeDefinition> find(String type) {
        return type == null ? Optional.empty() : Optional.ofNullable(byType.get(type));
    }

    /** The pack a node type came from (empty for types registered outside any pack). */
    public Optional<PackInfo> packOf(String type) {
        return type == null ? Optional.empty() : Optional.ofNullable(packByType.get(type));
    }

    /** The loaded packs in load order (built-in first). */
    public List<PackInfo> packs() {
        synchronized (packs) {
            return List.copyOf(packs.values());
        }
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
