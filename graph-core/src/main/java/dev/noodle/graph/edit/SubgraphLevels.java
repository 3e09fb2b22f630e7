package dev.noodle.graph.edit;

import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Subgraph;
import dev.noodle.graph.model.SubgraphOutput;
import dev.noodle.graph.model.Workflow;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Shared steps of the subgraph edits: walk every graph level of a workflow (the top level and each definition's
 * body), rewrite links, change hosts, and make names unique. Stateless.
 */
final class SubgraphLevels {
    private SubgraphLevels() {}

    /** Rewrites one link seen at one level: returns the link to keep it, another value to replace it, null to drop it. */
    @FunctionalInterface
    interface LinkMapper {
        InputValue map(Map<String, NodeInstance> levelNodes, Link link);
    }

    /**
     * The workflow with {@code mapper} applied to every link at every level: node inputs, and the sources of each
     * definition's outputs (which are links inside its body).
     */
    static Workflow mapLinks(Workflow root, LinkMapper mapper) {
        Workflow result = root.withNodes(mapNodes(root.nodes(), mapper));
        Map<String, Subgraph> defs = new LinkedHashMap<>();
        for (Subgraph def : root.subgraphs().values()) {
            defs.put(def.id(), mapBodyLinks(def, mapper));
        }
        return result.withSubgraphs(defs);
    }

    private static Map<String, NodeInstance> mapNodes(Map<String, NodeInstance> nodes, LinkMapper mapper) {
        Map<String, NodeInstance> out = new LinkedHashMap<>();
        for (NodeInstance n : nodes.values()) {
            NodeInstance updated = n;
            for (Map.Entry<String, InputValue> in : n.inputs().entrySet()) {
                if (in.getValue() instanceof Link link) {
                    InputValue v = mapper.map(nodes, link);
                    if (v == null) {
                        updated = updated.withoutInput(in.getKey());
                    } else if (!v.equals(link)) {
                        updated = updated.withInput(in.getKey(), v);
                    }
                }
            }
            out.put(n.id(), updated);
        }
        return out;
    }

    /** The definition with {@code mapper} applied to the links of its body and to its outputs' sources. */
    static Subgraph mapBodyLinks(Subgraph def, LinkMapper mapper) {
        Map<String, NodeInstance> body = def.body().nodes();
        List<SubgraphOutput> outputs = new ArrayList<>();
        for (SubgraphOutput out : def.outputs()) {
            InputValue v = out.source() == null ? null : mapper.map(body, out.source());
            outputs.add(out.withSource(v instanceof Link l ? l : null));
        }
        return def.withBody(def.body().withNodes(mapNodes(body, mapper))).withInterface(def.inputs(), outputs);
    }

    /** Whether {@code link} at a level with these nodes comes from a host of {@code defId}. */
    static boolean fromHostOf(Map<String, NodeInstance> levelNodes, Link link, String defId) {
        NodeInstance source = levelNodes.get(link.nodeId());
        return source != null && source.type().equals(defId);
    }

    /** The workflow with {@code change} applied to every host of {@code defId}, at every level. */
    static Workflow mapHosts(Workflow root, String defId, UnaryOperator<NodeInstance> change) {
        Workflow result = root.withNodes(mapHostNodes(root.nodes(), defId, change));
        Map<String, Subgraph> defs = new LinkedHashMap<>();
        for (Subgraph def : root.subgraphs().values()) {
            defs.put(def.id(), def.withBody(def.body().withNodes(mapHostNodes(def.body().nodes(), defId, change))));
        }
        return result.withSubgraphs(defs);
    }

    private static Map<String, NodeInstance> mapHostNodes(Map<String, NodeInstance> nodes, String defId,
            UnaryOperator<NodeInstance> change) {
        Map<String, NodeInstance> out = new LinkedHashMap<>();
        for (NodeInstance n : nodes.values()) {
            out.put(n.id(), n.type().equals(defId) ? change.apply(n) : n);
        }
        return out;
    }

    /** Every host of {@code defId}, at every level. */
    static List<NodeInstance> hosts(Workflow root, String defId) {
        List<NodeInstance> out = new ArrayList<>();
        for (NodeInstance n : root.nodes().values()) {
            if (n.type().equals(defId)) {
                out.add(n);
            }
        }
        for (Subgraph def : root.subgraphs().values()) {
            for (NodeInstance n : def.body().nodes().values()) {
                if (n.type().equals(defId)) {
                    out.add(n);
                }
            }
        }
        return out;
    }

    /** The definition with this id, or an {@link IllegalArgumentException} naming it. */
    static Subgraph require(Workflow root, String defId) {
        Subgraph def = root.subgraphs().get(defId);
        if (def == null) {
            throw new IllegalArgumentException("subgraph " + defId + " is not in the workflow");
        }
        return def;
    }

    /** {@code base}, or {@code base_2}, {@code base_3}… whichever is not in {@code used}; adds it to {@code used}. */
    static String unique(String base, Set<String> used) {
        String name = base == null || base.isBlank() ? "value" : base;
        for (int i = 2; used.contains(name); i++) {
            name = base + "_" + i;
        }
        used.add(name);
        return name;
    }

    /** The names of these ports. */
    static Set<String> names(Collection<String> names) {
        return new LinkedHashSet<>(names);
    }

    /** The list with the element at {@code from} moved to {@code to}. */
    static <T> List<T> moved(List<T> list, int from, int to) {
        List<T> copy = new ArrayList<>(list);
        copy.add(to, copy.remove(from));
        return copy;
    }

    /** For a move of {@code from} to {@code to}, where index {@code i} ends up. */
    static int movedIndex(int i, int from, int to) {
        if (i == from) {
            return to;
        }
        if (from < to && i > from && i <= to) {
            return i - 1;
        }
        if (to < from && i >= to && i < from) {
            return i + 1;
        }
        return i;
    }
}
