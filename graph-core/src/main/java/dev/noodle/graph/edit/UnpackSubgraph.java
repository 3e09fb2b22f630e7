package dev.noodle.graph.edit;

import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Layout;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.NodeLayout;
import dev.noodle.graph.model.Subgraph;
import dev.noodle.graph.model.SubgraphOutput;
import dev.noodle.graph.model.Workflow;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Replaces a subgraph host by a copy of its inner nodes, wired as the host was.
 *
 * <p>Inner nodes keep their ids unless one is taken at the host's level, then they get fresh ones; inputs fed by the
 * interface take what the host received (its link, or its literal for a promoted widget); consumers of the host's
 * outputs are wired to the inner outputs they delivered; the drawing is placed at the host's position. The definition
 * is dropped when no other host uses it. Undo restores the workflow exactly. Not thread-safe.
 */
public final class UnpackSubgraph extends SnapshotEdit {
    private final String hostId;
    private final Map<String, String> idMap = new LinkedHashMap<>();

    /** Unpacks the host with this id. */
    public UnpackSubgraph(String hostId) {
        this.hostId = hostId;
    }

    /** After apply: each inner node's id and the top-level id it got. */
    public Map<String, String> idMap() {
        return Map.copyOf(idMap);
    }

    @Override
    protected Workflow edit(Workflow wf) {
        NodeInstance host = wf.node(hostId);
        if (host == null) {
            throw new IllegalArgumentException("node " + hostId + " is not in the workflow");
        }
        Subgraph def = wf.subgraphOf(host);
        if (def == null) {
            throw new IllegalArgumentException("node " + hostId + " (" + host.type() + ") is not a subgraph");
        }
        idMap.clear();
        Set<String> taken = new HashSet<>(wf.nodes().keySet());
        long next = Long.parseLong(wf.nextId());
        for (String inner : def.body().nodes().keySet()) {
            String id = inner;
            if (taken.contains(id)) {
                while (taken.contains(Long.toString(next))) {
                    next++;
                }
                id = Long.toString(next++);
            }
            taken.add(id);
            idMap.put(inner, id);
        }

        Map<String, NodeInstance> nodes = new LinkedHashMap<>();
        for (NodeInstance n : wf.nodes().values()) {
            if (!n.id().equals(hostId)) {
                nodes.put(n.id(), rewireConsumer(n, host, def));
                continue;
            }
            for (NodeInstance inner : def.body().nodes().values()) {
                NodeInstance copy = inner.withId(idMap.get(inner.id()));
                for (Map.Entry<String, InputValue> in : inner.inputs().entrySet()) {
                    if (in.getValue() instanceof Link l) {
                        InputValue v = innerLink(l, host, def);
                        copy = v == null ? copy.withoutInput(in.getKey()) : copy.withInput(in.getKey(), v);
                    }
                }
                nodes.put(copy.id(), copy);
            }
        }

        Layout layout = wf.layout().withNode(hostId, null);
        NodeLayout hostLayout = wf.layout().nodes().get(hostId);
        double minX = Double.MAX_VALUE;
        double minY = Double.MAX_VALUE;
        for (NodeLayout l : def.body().layout().nodes().values()) {
            minX = Math.min(minX, l.x());
            minY = Math.min(minY, l.y());
        }
        double dx = hostLayout == null || minX == Double.MAX_VALUE ? 0 : hostLayout.x() - minX;
        double dy = hostLayout == null || minY == Double.MAX_VALUE ? 0 : hostLayout.y() - minY;
        for (Map.Entry<String, NodeLayout> e : def.body().layout().nodes().entrySet()) {
            String id = idMap.get(e.getKey());
            if (id != null) {
                NodeLayout l = e.getValue();
                layout = layout.withNode(id, l.withPosition(l.x() + dx, l.y() + dy));
            }
        }

        Workflow result = wf.withNodes(nodes).withLayout(layout);
        if (SubgraphLevels.hosts(result, def.id()).isEmpty()) {
            Map<String, Subgraph> defs = new LinkedHashMap<>(result.subgraphs());
            defs.remove(def.id());
            result = result.withSubgraphs(defs);
        }
        return result;
    }

    /** What an inner link becomes outside: the host's input for interface links, else the renamed inner node. */
    private InputValue innerLink(Link l, NodeInstance host, Subgraph def) {
        if (Subgraph.INPUT_NODE.equals(l.nodeId())) {
            int k = l.outputIndex();
            return k >= 0 && k < def.inputs().size() ? host.input(def.inputs().get(k).name()) : null;
        }
        String id = idMap.get(l.nodeId());
        return new Link(id == null ? l.nodeId() : id, l.outputIndex());
    }

    private NodeInstance rewireConsumer(NodeInstance n, NodeInstance host, Subgraph def) {
        NodeInstance out = n;
        for (Map.Entry<String, InputValue> in : n.inputs().entrySet()) {
            if (in.getValue() instanceof Link l && l.nodeId().equals(hostId)) {
                int k = l.outputIndex();
                SubgraphOutput port = k >= 0 && k < def.outputs().size() ? def.outputs().get(k) : null;
                InputValue v = port == null || port.source() == null ? null : innerLink(port.source(), host, def);
                out = v == null ? out.withoutInput(in.getKey()) : out.withInput(in.getKey(), v);
            }
        }
        return out;
    }

    @Override
    public String description() {
        return "Unpack subgraph " + hostId;
    }
}
