package dev.noodle.graph.validate;

import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.NodeMode;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.NodeDefinition;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.OutputSpec;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.subgraph.SubgraphFlattener;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * The graph that actually runs: muted nodes and what requires them removed, links through bypassed nodes rewired.
 *
 * <p>A bypassed node passes, for each of its outputs, the first input (in schema order) of the same type (or, failing
 * that, a compatible one); an output with no such linked input is disconnected. A normal node whose required input
 * comes from a muted or skipped node is skipped too; optional inputs from such nodes are dropped. All walks are
 * iterative. Immutable once built.
 */
public final class EffectiveGraph {
    private final Workflow workflow;
    private final NodeRegistry registry;
    private final Map<String, NodeInstance> nodes;
    private final Set<String> skipped;
    private final Map<String, Integer> index;
    private SubgraphFlattener.Result flattening;

    private EffectiveGraph(
            Workflow workflow,
            NodeRegistry registry,
            Map<String, NodeInstance> nodes,
            Set<String> skipped,
            Map<String, Integer> index) {
        this.workflow = workflow;
        this.registry = registry;
        this.nodes = nodes;
        this.skipped = skipped;
        this.index = index;
    }

    /**
     * Builds the effective graph of a workflow; subgraph hosts are first expanded into their inner nodes (ids
     * {@code host:inner}, see {@link SubgraphFlattener}).
     */
    public static EffectiveGraph build(Workflow workflow, NodeRegistry registry) {
        SubgraphFlattener.Result flat = SubgraphFlattener.flatten(workflow);
        EffectiveGraph graph = buildFlat(flat.workflow(), registry);
        graph.flattening = flat;
        return graph;
    }

    private static EffectiveGraph buildFlat(Workflow wf, NodeRegistry registry) {
        Map<String, Integer> index = new HashMap<>();
        int i = 0;
        for (String id : wf.nodes().keySet()) {
            index.put(id, i++);
        }
        // Resolve links of normal nodes through bypassed nodes.
        Map<String, Map<String, InputValue>> resolved = new LinkedHashMap<>();
        Map<String, List<String[]>> consumers = new HashMap<>();
        for (NodeInstance n : wf.nodes().values()) {
            if (n.mode() != NodeMode.NORMAL) {
                continue;
            }
            Map<String, InputValue> inputs = new LinkedHashMap<>();
            for (Map.Entry<String, InputValue> e : n.inputs().entrySet()) {
                InputValue v = e.getValue();
                if (v instanceof Link link) {
                    Link target = resolveThroughBypass(wf, registry, link);
                    if (target == null) {
                        continue; // bypassed node with nothing to pass: disconnected
                    }
                    v = target;
                    consumers
                            .computeIfAbsent(target.nodeId(), k -> new ArrayList<>())
                            .add(new String[] {n.id(), e.getKey()});
                }
                inputs.put(e.getKey(), v);
            }
            resolved.put(n.id(), inputs);
        }
        // Skip muted nodes and, transitively, normal nodes that require them.
        Set<String> skipped = new LinkedHashSet<>();
        Deque<String> queue = new ArrayDeque<>();
        for (NodeInstance n : wf.nodes().values()) {
            if (n.mode() == NodeMode.MUTED) {
                skipped.add(n.id());
                queue.add(n.id());
            }
        }
        while (!queue.isEmpty()) {
            String s = queue.poll();
            for (String[] c : consumers.getOrDefault(s, List.of())) {
                String consumer = c[0];
                if (skipped.contains(consumer)) {
                    continue;
                }
                Optional<InputSpec> spec = registry.find(wf.node(consumer).type())
                        .flatMap(d -> d.schema().input(c[1]));
                if (spec.isPresent() && !spec.get().optional()) {
                    skipped.add(consumer);
                    queue.add(consumer);
                }
            }
        }
        Map<String, NodeInstance> nodes = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, InputValue>> e : resolved.entrySet()) {
            if (skipped.contains(e.getKey())) {
                continue;
            }
            Map<String, InputValue> inputs = new LinkedHashMap<>(e.getValue());
            inputs.values().removeIf(v -> v instanceof Link l && skipped.contains(l.nodeId()));
            NodeInstance original = wf.node(e.getKey());
            nodes.put(e.getKey(), new NodeInstance(
                    original.id(), original.type(), inputs, NodeMode.NORMAL, original.extra()));
        }
        return new EffectiveGraph(
                wf, registry, Collections.unmodifiableMap(nodes), Collections.unmodifiableSet(skipped), index);
    }

    /** Follows a link through bypassed nodes; null when a bypassed node has nothing to pass for that output. */
    private static Link resolveThroughBypass(Workflow wf, NodeRegistry registry, Link link) {
        Link cur = link;
        Set<String> seen = new HashSet<>();
        while (true) {
            NodeInstance src = wf.node(cur.nodeId());
            if (src == null || src.mode() != NodeMode.BYPASSED) {
                return cur;
            }
            if (!seen.add(src.id())) {
                return null; // a loop of bypassed nodes passes nothing
            }
            Optional<NodeDefinition> def = registry.find(src.type());
            if (def.isEmpty()) {
                return null;
            }
            NodeSchema schema = def.get().schema();
            if (cur.outputIndex() < 0 || cur.outputIndex() >= schema.outputs().size()) {
                return null;
            }
            PortType wanted = schema.outputs().get(cur.outputIndex()).type();
            Link next = passThroughInput(src, schema, wanted);
            if (next == null) {
                return null;
            }
            cur = next;
        }
    }

    private static Link passThroughInput(NodeInstance src, NodeSchema schema, PortType wanted) {
        for (int pass = 0; pass < 2; pass++) {
            for (InputSpec in : schema.inputs()) {
                PortType t = PortType.of(in.typeName());
                boolean match = pass == 0 ? t.equals(wanted) : t.accepts(wanted);
                if (match && src.input(in.name()) instanceof Link l) {
                    return l;
                }
            }
        }
        return null;
    }

    /** The flat workflow this graph was built from (subgraph hosts expanded). */
    public Workflow workflow() {
        return workflow;
    }

    /** Where an inner node of a subgraph sits ({@code KSampler inside "Upscale pass" inside node 83}), or null. */
    public String pathOf(String nodeId) {
        return flattening.pathOf(nodeId);
    }

    /** Subgraph hosts that could not be expanded (a definition containing itself, nesting too deep). */
    public List<SubgraphFlattener.Problem> subgraphProblems() {
        return flattening.problems();
    }

    /** The nodes that run (normal, not skipped), with links rewired, in workflow order. */
    public Map<String, NodeInstance> nodes() {
        return nodes;
    }

    /** Muted nodes and the normal nodes skipped because they require one. */
    public Set<String> skipped() {
        return skipped;
    }

    /** The schema of an effective node's type, if the type is registered. */
    public Optional<NodeSchema> schema(String nodeId) {
        NodeInstance n = nodes.get(nodeId);
        return n == null ? Optional.empty() : registry.find(n.type()).map(NodeDefinition::schema);
    }

    /** The output spec a link points to, if the source node and index exist. */
    public Optional<OutputSpec> outputOf(Link link) {
        return schema(link.nodeId())
                .filter(s -> link.outputIndex() >= 0 && link.outputIndex() < s.outputs().size())
                .map(s -> s.outputs().get(link.outputIndex()));
    }

    /** The effective nodes of a registered type with {@code outputNode} set, in workflow order. */
    public List<String> outputNodes() {
        List<String> out = new ArrayList<>();
        for (String id : nodes.keySet()) {
            if (schema(id).map(NodeSchema::outputNode).orElse(false)) {
                out.add(id);
            }
        }
        return out;
    }

    /** The distinct effective source nodes linked from a node's inputs, in input order. */
    public List<String> dependencies(String nodeId) {
        NodeInstance n = nodes.get(nodeId);
        if (n == null) {
            return List.of();
        }
        LinkedHashSet<String> deps = new LinkedHashSet<>();
        for (InputValue v : n.inputs().values()) {
            if (v instanceof Link l && nodes.containsKey(l.nodeId())) {
                deps.add(l.nodeId());
            }
        }
        return new ArrayList<>(deps);
    }

    /** The roots plus everything they depend on (iterative walk), in discovery order. */
    public Set<String> closure(Collection<String> roots) {
        Set<String> seen = new LinkedHashSet<>();
        Deque<String> stack = new ArrayDeque<>();
        for (String r : roots) {
            if (nodes.containsKey(r) && seen.add(r)) {
                stack.push(r);
            }
        }
        while (!stack.isEmpty()) {
            for (String d : dependencies(stack.pop())) {
                if (seen.add(d)) {
                    stack.push(d);
                }
            }
        }
        return seen;
    }

    /** A topological order of {@code subset} and the cycles that prevent ordering the rest. */
    public record TopoResult(List<String> order, List<List<String>> cycles) {}

    /** Kahn's algorithm over {@code subset}; ties broken by workflow order, so the result is deterministic. */
    public TopoResult topologicalOrder(Set<String> subset) {
        Map<String, Integer> indegree = new HashMap<>();
        Map<String, List<String>> dependents = new HashMap<>();
        for (String id : subset) {
            int count = 0;
            for (String d : dependencies(id)) {
                if (subset.contains(d)) {
                    count++;
                    dependents.computeIfAbsent(d, k -> new ArrayList<>()).add(id);
                }
            }
            indegree.put(id, count);
        }
        PriorityQueue<String> ready = new PriorityQueue<>(Comparator.comparingInt(index::get));
        for (String id : subset) {
            if (indegree.get(id) == 0) {
                ready.add(id);
            }
        }
        List<String> order = new ArrayList<>(subset.size());
        while (!ready.isEmpty()) {
            String id = ready.poll();
            order.add(id);
            for (String c : dependents.getOrDefault(id, List.of())) {
                if (indegree.merge(c, -1, Integer::sum) == 0) {
                    ready.add(c);
                }
            }
        }
        List<List<String>> cycles = new ArrayList<>();
        if (order.size() < subset.size()) {
            Set<String> remaining = new LinkedHashSet<>(subset);
            remaining.removeAll(order);
            cycles = findCycles(remaining);
        }
        return new TopoResult(order, cycles);
    }

    /** Each remaining node has a remaining dependency; walking dependencies must revisit a node: that is a cycle. */
    private List<List<String>> findCycles(Set<String> remaining) {
        List<List<String>> cycles = new ArrayList<>();
        Set<String> covered = new HashSet<>();
        List<String> starts = new ArrayList<>(remaining);
        starts.sort(Comparator.comparingInt(index::get));
        for (String start : starts) {
            if (covered.contains(start)) {
                continue;
            }
            List<String> path = new ArrayList<>();
            Map<String, Integer> pos = new HashMap<>();
            String cur = start;
            while (cur != null && !covered.contains(cur)) {
                Integer at = pos.get(cur);
                if (at != null) {
                    List<String> cycle = new ArrayList<>(path.subList(at, path.size()));
                    Collections.reverse(cycle); // dependency walk is backwards; report in link direction
                    int first = 0;
                    for (int k = 1; k < cycle.size(); k++) {
                        if (indexOf(cycle.get(k)) < indexOf(cycle.get(first))) {
                            first = k;
                        }
                    }
                    Collections.rotate(cycle, -first); // start at the earliest node, for stable messages
                    cycles.add(cycle);
                    break;
                }
                pos.put(cur, path.size());
                path.add(cur);
                String next = null;
                for (String d : dependencies(cur)) {
                    if (remaining.contains(d)) {
                        next = d;
                        break;
                    }
                }
                cur = next;
            }
            covered.addAll(path);
        }
        return cycles;
    }

    /** The position of a node in the workflow's node order (for deterministic tie-breaks). */
    public int indexOf(String nodeId) {
        return index.getOrDefault(nodeId, Integer.MAX_VALUE);
    }
}
