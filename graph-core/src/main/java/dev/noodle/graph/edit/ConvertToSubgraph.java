package dev.noodle.graph.edit;

import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Layout;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.NodeLayout;
import dev.noodle.graph.model.Subgraph;
import dev.noodle.graph.model.SubgraphInput;
import dev.noodle.graph.model.SubgraphOutput;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.OutputSpec;
import dev.noodle.graph.subgraph.SubgraphSchemas;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Turns selected nodes into a new subgraph definition and one host in their place.
 *
 * <p>The interface is inferred from the wiring: each distinct outside output that feeds the selection becomes an
 * input (named after the first inner input it feeds), each distinct inner output used outside becomes an output
 * (named after that output); inner node ids and layouts move into the body, the host sits at the selection's centre,
 * and outside consumers are rewired to the host, so the workflow runs as before. Undo restores the workflow exactly.
 * Not thread-safe.
 */
public final class ConvertToSubgraph extends SnapshotEdit {
    /** The name a new subgraph gets when none is given. */
    public static final String DEFAULT_NAME = "New Subgraph";
    /** Where the body's nodes start, leaving room for the boundary card on the left. */
    static final double BODY_LEFT = 320;

    private final Set<String> ids;
    private final String name;
    private final String definitionId;
    private final NodeRegistry registry;
    private String hostId;

    /**
     * Converts these nodes.
     *
     * @param ids the selected top-level node ids (unknown ids are ignored)
     * @param name the definition's name, or null for {@link #DEFAULT_NAME}
     * @param definitionId the new definition's id, or null for a fresh UUID
     * @param registry where port types of the selection's inputs and outputs are looked up (null: types come from
     *     the inputs' own specs or stay {@code *})
     */
    public ConvertToSubgraph(Collection<String> ids, String name, String definitionId, NodeRegistry registry) {
        this.ids = new LinkedHashSet<>(ids);
        this.name = name == null || name.isBlank() ? DEFAULT_NAME : name;
        this.definitionId = definitionId == null ? UUID.randomUUID().toString() : definitionId;
        this.registry = registry;
    }

    /** Converts these nodes into a "New Subgraph" with a fresh id. */
    public ConvertToSubgraph(Collection<String> ids, NodeRegistry registry) {
        this(ids, null, null, registry);
    }

    /** The id of the definition this creates. */
    public String definitionId() {
        return definitionId;
    }

    /** The id of the host node once applied, else null. */
    public String hostId() {
        return hostId;
    }

    @Override
    protected Workflow edit(Workflow wf) {
        Map<String, NodeInstance> selected = new LinkedHashMap<>();
        for (NodeInstance n : wf.nodes().values()) {
            if (ids.contains(n.id())) {
                selected.put(n.id(), n);
            }
        }
        if (selected.isEmpty()) {
            throw new IllegalArgumentException("select at least one node to convert to a subgraph");
        }
        if (wf.subgraphs().containsKey(definitionId)) {
            throw new IllegalArgumentException("subgraph id " + definitionId + " is already used");
        }
        String host = wf.nextId();

        // inputs: one per distinct outside source feeding the selection
        Map<Link, Integer> inputIndex = new LinkedHashMap<>();
        List<SubgraphInput> inputs = new ArrayList<>();
        Set<String> inputNames = new HashSet<>();
        Map<String, InputValue> hostInputs = new LinkedHashMap<>();
        Map<String, NodeInstance> body = new LinkedHashMap<>();
        for (NodeInstance n : selected.values()) {
            NodeInstance inner = n;
            for (Map.Entry<String, InputValue> in : n.inputs().entrySet()) {
                if (!(in.getValue() instanceof Link l) || selected.containsKey(l.nodeId())) {
                    continue;
                }
                Integer k = inputIndex.get(l);
                if (k == null) {
                    k = inputs.size();
                    inputIndex.put(l, k);
                    String portName = SubgraphLevels.unique(in.getKey(), inputNames);
                    String type = outputType(wf, l).orElseGet(() -> inputType(wf, n, in.getKey()));
                    inputs.add(new SubgraphInput(UUID.nameUUIDFromBytes((definitionId + "/in/" + k).getBytes())
                            .toString(), portName, type, null, Map.of()));
                    hostInputs.put(portName, l);
                }
                inner = inner.withInput(in.getKey(), new Link(Subgraph.INPUT_NODE, k));
            }
            body.put(n.id(), inner);
        }

        // outputs: one per distinct inner output used outside; consumers rewired to the host
        Map<Link, Integer> outputIndex = new LinkedHashMap<>();
        List<SubgraphOutput> outputs = new ArrayList<>();
        Set<String> outputNames = new HashSet<>();
        Map<String, NodeInstance> top = new LinkedHashMap<>();
        boolean hostPlaced = false;
        for (NodeInstance n : wf.nodes().values()) {
            if (selected.containsKey(n.id())) {
                if (!hostPlaced) {
                    top.put(host, null);
                    hostPlaced = true;
                }
                continue;
            }
            NodeInstance rewired = n;
            for (Map.Entry<String, InputValue> in : n.inputs().entrySet()) {
                if (!(in.getValue() instanceof Link l) || !selected.containsKey(l.nodeId())) {
                    continue;
                }
                Integer k = outputIndex.get(l);
                if (k == null) {
                    k = outputs.size();
                    outputIndex.put(l, k);
                    Optional<OutputSpec> spec = outputSpec(wf, l);
                    String base = spec.map(OutputSpec::name).filter(s -> !s.isBlank())
                            .orElse(spec.map(s -> s.type().name()).orElse("output"));
                    String type = spec.map(s -> s.type().name()).orElseGet(() -> inputType(wf, n, in.getKey()));
                    outputs.add(new SubgraphOutput(UUID.nameUUIDFromBytes((definitionId + "/out/" + k).getBytes())
                            .toString(), SubgraphLevels.unique(base, outputNames), type, null, l, Map.of()));
                }
                rewired = rewired.withInput(in.getKey(), new Link(host, k));
            }
            top.put(n.id(), rewired);
        }
        top.put(host, NodeInstance.of(host, definitionId, hostInputs));

        // layout: the selection's drawing moves into the body; the host takes the selection's centre
        Layout layout = wf.layout();
        Layout bodyLayout = Layout.empty();
        double minX = Double.MAX_VALUE;
        double minY = Double.MAX_VALUE;
        double maxX = -Double.MAX_VALUE;
        double maxY = -Double.MAX_VALUE;
        for (String id : selected.keySet()) {
            NodeLayout l = layout.nodes().get(id);
            if (l != null) {
                minX = Math.min(minX, l.x());
                minY = Math.min(minY, l.y());
                maxX = Math.max(maxX, l.x() + l.width());
                maxY = Math.max(maxY, l.y() + l.height());
            }
        }
        for (String id : selected.keySet()) {
            NodeLayout l = layout.nodes().get(id);
            if (l != null) {
                bodyLayout = bodyLayout.withNode(id, l.withPosition(l.x() - minX + BODY_LEFT, l.y() - minY));
            }
            layout = layout.withNode(id, null);
        }
        if (minX != Double.MAX_VALUE) {
            // centred on the selection, but never above its top (cards laid out without a height have none)
            NodeLayout card = NodeLayout.at(0, 0);
            layout = layout.withNode(host, card.withPosition(
                    (minX + maxX) / 2 - card.width() / 2, Math.max(minY, (minY + maxY) / 2 - card.height() / 2)));
        }

        Workflow bodyWf = new Workflow(Workflow.CURRENT_FORMAT, name, body, bodyLayout, Map.of());
        Subgraph def = new Subgraph(definitionId, name, null, inputs, outputs, bodyWf, null, Map.of());
        hostId = host;
        return wf.withNodes(top).withLayout(layout).withSubgraph(def);
    }

    private Optional<OutputSpec> outputSpec(Workflow wf, Link l) {
        NodeInstance source = wf.node(l.nodeId());
        if (source == null) {
            return Optional.empty();
        }
        return SubgraphSchemas.schemaOf(wf, registry, source.type())
                .filter(s -> l.outputIndex() >= 0 && l.outputIndex() < s.outputs().size())
                .map(s -> s.outputs().get(l.outputIndex()));
    }

    private Optional<String> outputType(Workflow wf, Link l) {
        return outputSpec(wf, l).map(s -> s.type().name());
    }

    /** The type of a node's input as its own spec declares it, or {@code *} when unknown. */
    private String inputType(Workflow wf, NodeInstance n, String input) {
        return SubgraphSchemas.schemaOf(wf, registry, n.type())
                .flatMap((NodeSchema s) -> s.input(input)).map(InputSpec::typeName).orElse("*");
    }

    @Override
    public String description() {
        return "Convert " + ids.size() + (ids.size() == 1 ? " node" : " nodes") + " to subgraph";
    }
}
