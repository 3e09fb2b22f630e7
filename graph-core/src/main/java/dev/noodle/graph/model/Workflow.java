package dev.noodle.graph.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A workflow: nodes by id (insertion order), their layout, the subgraph definitions its hosts use, and unknown JSON
 * fields ({@code extra}).
 *
 * <p>Immutable; edits return copies. A node whose type is the id of one of {@link #subgraphs()} is a subgraph host;
 * definitions nested in others live here too, once each.
 *
 * @param format the Noodle workflow format version
 * @param subgraphs subgraph definitions by id (insertion order)
 * @param form the inputs its form shows, in order (empty: no form)
 */
public record Workflow(
        int format,
        String name,
        Map<String, NodeInstance> nodes,
        Layout layout,
        Map<String, Object> extra,
        Map<String, Subgraph> subgraphs,
        List<FormInput> form) {

    /** The current Noodle format version. */
    public static final int CURRENT_FORMAT = 1;

    /** Copies the maps and checks that map keys match node ids. */
    public Workflow {
        nodes = Maps.copy(nodes);
        for (Map.Entry<String, NodeInstance> e : nodes.entrySet()) {
            if (!e.getKey().equals(e.getValue().id())) {
                throw new IllegalArgumentException(
                        "node key '" + e.getKey() + "' differs from its id '" + e.getValue().id() + "'");
            }
        }
        layout = layout == null ? Layout.empty() : layout;
        extra = Maps.copy(extra);
        subgraphs = Maps.copy(subgraphs);
        form = form == null ? List.of() : List.copyOf(form);
        for (Map.Entry<String, Subgraph> e : subgraphs.entrySet()) {
            if (!e.getKey().equals(e.getValue().id())) {
                throw new IllegalArgumentException(
                        "subgraph key '" + e.getKey() + "' differs from its id '" + e.getValue().id() + "'");
            }
        }
    }

    /** A workflow without subgraph definitions. */
    public Workflow(int format, String name, Map<String, NodeInstance> nodes, Layout layout, Map<String, Object> extra) {
        this(format, name, nodes, layout, extra, Map.of(), List.of());
    }

    /** A workflow without a form. */
    public Workflow(int format, String name, Map<String, NodeInstance> nodes, Layout layout, Map<String, Object> extra,
            Map<String, Subgraph> subgraphs) {
        this(format, name, nodes, layout, extra, subgraphs, List.of());
    }

    /** An empty workflow in the current format. */
    public static Workflow empty(String name) {
        return new Workflow(CURRENT_FORMAT, name, Map.of(), Layout.empty(), Map.of());
    }

    /** A copy with this node added or replaced (keeping its position in the order when replaced). */
    public Workflow withNode(NodeInstance node) {
        Objects.requireNonNull(node, "node");
        Map<String, NodeInstance> copy = new LinkedHashMap<>(nodes);
        copy.put(node.id(), node);
        return new Workflow(format, name, copy, layout, extra, subgraphs, form);
    }

    /** A copy without this node, its layout, and every input linked to it. */
    public Workflow withoutNode(String id) {
        if (!nodes.containsKey(id)) {
            return this;
        }
        Map<String, NodeInstance> copy = new LinkedHashMap<>();
        for (NodeInstance n : nodes.values()) {
            if (n.id().equals(id)) {
                continue;
            }
            NodeInstance updated = n;
            for (Map.Entry<String, InputValue> in : n.inputs().entrySet()) {
                if (in.getValue() instanceof Link link && link.nodeId().equals(id)) {
                    updated = updated.withoutInput(in.getKey());
                }
            }
            copy.put(updated.id(), updated);
        }
        return new Workflow(format, name, copy, layout.withNode(id, null), extra, subgraphs, form);
    }

    /** A copy with this layout. */
    public Workflow withLayout(Layout newLayout) {
        return new Workflow(format, name, nodes, newLayout, extra, subgraphs, form);
    }

    /** A copy with this name. */
    public Workflow withName(String newName) {
        return new Workflow(format, newName, nodes, layout, extra, subgraphs, form);
    }

    /** A copy with this subgraph definition added or replaced. */
    public Workflow withSubgraph(Subgraph definition) {
        Map<String, Subgraph> copy = new LinkedHashMap<>(subgraphs);
        copy.put(definition.id(), definition);
        return new Workflow(format, name, nodes, layout, extra, copy, form);
    }

    /** A copy with these subgraph definitions. */
    public Workflow withSubgraphs(Map<String, Subgraph> definitions) {
        return new Workflow(format, name, nodes, layout, extra, definitions, form);
    }

    /** A copy with this form. */
    public Workflow withForm(List<FormInput> newForm) {
        return new Workflow(format, name, nodes, layout, extra, subgraphs, newForm);
    }

    /** A copy with these nodes (layout, definitions and extras kept). */
    public Workflow withNodes(Map<String, NodeInstance> newNodes) {
        return new Workflow(format, name, newNodes, layout, extra, subgraphs, form);
    }

    /** The subgraph definition this node hosts, or null when it is a plain node. */
    public Subgraph subgraphOf(NodeInstance node) {
        return node == null ? null : subgraphs.get(node.type());
    }

    /** The node with this id, or null. */
    public NodeInstance node(String id) {
        return nodes.get(id);
    }

    /** The next free integer id (one more than the largest integer id), as a string. */
    public String nextId() {
        long max = 0;
        for (String id : nodes.keySet()) {
            try {
                max = Math.max(max, Long.parseLong(id));
            } catch (NumberFormatException e) {
                // non-integer ids (e.g. "12:3") do not take part
            }
        }
        return Long.toString(max + 1);
    }
}
