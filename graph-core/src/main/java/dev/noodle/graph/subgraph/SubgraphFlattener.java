package dev.noodle.graph.subgraph;

import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Layout;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.NodeLayout;
import dev.noodle.graph.model.NodeMode;
import dev.noodle.graph.model.Subgraph;
import dev.noodle.graph.model.SubgraphOutput;
import dev.noodle.graph.model.Workflow;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Expands subgraph hosts into their inner nodes, as ComfyUI's frontend does before queueing a prompt.
 *
 * <p>An inner node gets the id {@code host:inner} ({@code a:b:c} when nested); links to the interface's inputs take
 * what the host receives (a link from outside, or the host's literal for a promoted widget); links from a host's
 * output go to the inner node that output delivers. An inner node runs in the strongest mode of itself and its hosts
 * (muted over bypassed over normal); a bypassed host runs nothing inside, and each of its outputs passes the host's
 * first input of the same type, as a bypassed plain node does. A host whose definition contains itself, or that nests deeper than
 * {@link #MAX_DEPTH}, is left out and reported. Stateless; the result is immutable.
 */
public final class SubgraphFlattener {
    /** The deepest nesting followed. */
    public static final int MAX_DEPTH = 32;
    /** The most inner nodes one workflow may expand to (nested hosts multiply). */
    public static final int MAX_NODES = 100_000;

    private final Workflow root;
    private final Map<String, NodeInstance> out = new LinkedHashMap<>();
    private final Map<String, String> paths = new LinkedHashMap<>();
    private final List<Problem> problems = new ArrayList<>();
    private final Map<String, Level> levels = new HashMap<>();

    /**
     * The host input that sets an inner node's input for this host only ({@code "3.value"}): how a ComfyUI proxy widget
     * that no interface input feeds keeps a per-host value. Interface input names take precedence.
     */
    public static String overrideKey(String innerNodeId, String input) {
        return innerNodeId + "." + input;
    }

    /** A host that could not be expanded. */
    public record Problem(String hostId, String hostType, String message) {}

    /**
     * The flat graph and how to name its inner nodes.
     *
     * @param workflow the flat workflow (no hosts, no definitions)
     * @param paths for each inner node's flat id, where it sits ({@code KSampler inside "Upscale pass" inside node 83})
     * @param problems hosts left out
     */
    public record Result(Workflow workflow, Map<String, String> paths, List<Problem> problems) {
        /** Copies the collections. */
        public Result {
            paths = Map.copyOf(paths);
            problems = List.copyOf(problems);
        }

        /** Where a flat node sits, or null for a top-level node. */
        public String pathOf(String flatId) {
            return paths.get(flatId);
        }
    }

    /** One graph level being expanded: the top level, or one host's body. */
    private record Level(
            String prefix, Map<String, NodeInstance> nodes, Map<String, NodeLayout> layouts, List<InputValue> boundary,
            Map<String, Map<String, InputValue>> overrides, NodeMode mode,
            String where, List<String> stack) {}

    private SubgraphFlattener(Workflow root) {
        this.root = root;
    }

    /** Flattens a workflow; a workflow without definitions is returned unchanged. */
    public static Result flatten(Workflow wf) {
        if (wf.subgraphs().isEmpty()) {
            return new Result(wf, Map.of(), List.of());
        }
        SubgraphFlattener f = new SubgraphFlattener(wf);
        Level top = new Level("", wf.nodes(), wf.layout().nodes(), List.of(), Map.of(), NodeMode.NORMAL, null, List.of());
        f.expand(top);
        Map<String, NodeLayout> layouts = new LinkedHashMap<>();
        for (Map.Entry<String, NodeLayout> e : wf.layout().nodes().entrySet()) {
            if (f.out.containsKey(e.getKey())) {
                layouts.put(e.getKey(), e.getValue());
            }
        }
        Layout layout = new Layout(layouts, wf.layout().groups(), wf.layout().notes(), wf.layout().reroutes(),
                wf.layout().extra());
        Workflow flat = new Workflow(wf.format(), wf.name(), f.out, layout, wf.extra());
        return new Result(flat, f.paths, f.problems);
    }

    private void expand(Level level) {
        for (NodeInstance n : level.nodes().values()) {
            Subgraph def = root.subgraphs().get(n.type());
            if (out.size() >= MAX_NODES) { // nested hosts multiply: stop before memory does
                String host = level.prefix().isEmpty() ? n.id()
                        : level.prefix().substring(0, level.prefix().indexOf(':'));
                if (problems.stream().noneMatch(p -> p.hostId().equals(host))) {
                    problems.add(new Problem(host, root.node(host) == null ? null : root.node(host).type(),
                            "its subgraphs expand to more than " + MAX_NODES + " nodes; use fewer nested copies"));
                }
                return;
            }
            if (def == null) {
                String flatId = level.prefix() + n.id();
                Map<String, InputValue> inputs = new LinkedHashMap<>();
                for (Map.Entry<String, InputValue> in : n.inputs().entrySet()) {
                    InputValue v = in.getValue() instanceof Link l ? resolve(level, l, 0) : in.getValue();
                    if (v != null) {
                        inputs.put(in.getKey(), v);
                    }
                }
                inputs.putAll(level.overrides().getOrDefault(n.id(), Map.of()));
                out.put(flatId, new NodeInstance(flatId, n.type(), inputs, strongest(n.mode(), level.mode()),
                        n.extra()));
                if (level.where() != null) {
                    paths.put(flatId, label(n, level) + level.where());
                }
            } else {
                Level inner = enter(level, n, def);
                if (inner != null) {
                    expand(inner);
                }
            }
        }
    }

    /** The level of a host's body, or null (reported) when it recurses or nests too deep. */
    private Level enter(Level outer, NodeInstance host, Subgraph def) {
        String key = outer.prefix() + host.id();
        Level cached = levels.get(key);
        if (cached != null) {
            return cached;
        }
        if (outer.stack().contains(def.id()) || outer.stack().size() >= MAX_DEPTH) {
            String message = outer.stack().contains(def.id())
                    ? "subgraph \"" + def.name() + "\" contains itself; remove the inner use of it"
                    : "subgraphs nest deeper than " + MAX_DEPTH + " levels";
            if (problems.stream().noneMatch(p -> p.hostId().equals(key))) {
                problems.add(new Problem(key, host.type(), message));
            }
            return null;
        }
        List<InputValue> boundary = new ArrayList<>();
        for (var port : def.inputs()) {
            InputValue v = host.inputs().get(port.name());
            boundary.add(v instanceof Link l ? resolve(outer, l, 0) : v);
        }
        List<String> stack = new ArrayList<>(outer.stack());
        stack.add(def.id());
        String where = " inside \"" + def.name() + "\""
                + (outer.where() == null ? " inside node " + key : outer.where());
        // inside a bypassed host nothing runs: its outputs pass its inputs through (see resolve)
        NodeMode hostMode = host.mode() == NodeMode.BYPASSED ? NodeMode.MUTED : host.mode();
        Map<String, Map<String, InputValue>> overrides = new HashMap<>();
        for (Map.Entry<String, InputValue> in : host.inputs().entrySet()) {
            int dot = in.getKey().indexOf('.');
            if (dot > 0 && def.inputIndex(in.getKey()) < 0 && in.getValue() instanceof dev.noodle.graph.model.Literal) {
                overrides.computeIfAbsent(in.getKey().substring(0, dot), k -> new LinkedHashMap<>())
                        .put(in.getKey().substring(dot + 1), in.getValue());
            }
        }
        Level level = new Level(key + ":", def.body().nodes(), def.body().layout().nodes(), boundary, overrides,
                strongest(hostMode, outer.mode()), where, List.copyOf(stack));
        levels.put(key, level);
        return level;
    }

    /** What a link at this level delivers in the flat graph: a flat link, a literal, or null (nothing). */
    private InputValue resolve(Level level, Link link, int depth) {
        if (depth > MAX_DEPTH * 4) {
            return null;
        }
        if (Subgraph.INPUT_NODE.equals(link.nodeId())) {
            int i = link.outputIndex();
            return i >= 0 && i < level.boundary().size() ? level.boundary().get(i) : null;
        }
        NodeInstance source = level.nodes().get(link.nodeId());
        Subgraph def = source == null ? null : root.subgraphs().get(source.type());
        if (def == null) {
            return new Link(level.prefix() + link.nodeId(), link.outputIndex());
        }
        int slot = link.outputIndex();
        if (slot < 0 || slot >= def.outputs().size()) {
            return null;
        }
        SubgraphOutput output = def.outputs().get(slot);
        if (source.mode() == NodeMode.BYPASSED) { // a bypassed host passes its input of the output's type
            for (int i = 0; i < def.inputs().size(); i++) {
                if (def.inputs().get(i).type().equals(output.type())
                        && source.inputs().get(def.inputs().get(i).name()) instanceof Link in) {
                    return resolve(level, in, depth + 1);
                }
            }
            return null;
        }
        Level inner = enter(level, source, def);
        if (output.source() == null || inner == null) {
            return null;
        }
        return resolve(inner, output.source(), depth + 1);
    }

    /** The node's user title when it has one, else its type. */
    private static String label(NodeInstance n, Level level) {
        NodeLayout layout = level.layouts().get(n.id());
        return layout != null && layout.title() != null && !layout.title().isBlank() ? layout.title() : n.type();
    }

    private static NodeMode strongest(NodeMode a, NodeMode b) {
        if (a == NodeMode.MUTED || b == NodeMode.MUTED) {
            return NodeMode.MUTED;
        }
        if (a == NodeMode.BYPASSED || b == NodeMode.BYPASSED) {
            return NodeMode.BYPASSED;
        }
        return NodeMode.NORMAL;
    }
}
