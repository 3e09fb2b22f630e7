package dev.noodle.app.ui.vm;

import dev.noodle.graph.edit.AddSubgraphPort;
import dev.noodle.graph.edit.Composite;
import dev.noodle.graph.edit.Connect;
import dev.noodle.graph.edit.EditCommand;
import dev.noodle.graph.edit.EditInSubgraph;
import dev.noodle.graph.edit.PortSide;
import dev.noodle.graph.model.Layout;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.NodeLayout;
import dev.noodle.graph.model.Subgraph;
import dev.noodle.graph.model.SubgraphInput;
import dev.noodle.graph.model.SubgraphOutput;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Where the editor is in a workflow's subgraphs: the top level, or inside a host (inside a host…).
 *
 * <p>Inside a definition the canvas shows its inner nodes plus two boundary cards: "Inputs" (id {@link
 * Subgraph#INPUT_NODE}, one output per interface input) and "Outputs" (id {@link Subgraph#OUTPUT_NODE}, one input
 * per interface output); each also has a {@link #NEW_PORT} port, and wiring to it adds an interface port. Immutable.
 *
 * @param hostPath the host ids entered, outermost first (each an id at the level above it)
 * @param definitionIds the definition each host uses
 * @param names the definition names, for the breadcrumb bar
 */
public record SubgraphLevel(List<String> hostPath, List<String> definitionIds, List<String> names) {
    /** The name of the boundary cards' extra port that adds an interface port when wired. */
    public static final String NEW_PORT = "+";
    /** The top level. */
    public static final SubgraphLevel ROOT = new SubgraphLevel(List.of(), List.of(), List.of());

    /** Copies the lists. */
    public SubgraphLevel {
        hostPath = List.copyOf(hostPath);
        definitionIds = List.copyOf(definitionIds);
        names = List.copyOf(names);
    }

    /** The level this path reaches in {@code root}, cut short where a host or its definition no longer exists. */
    public static SubgraphLevel resolve(Workflow root, List<String> path) {
        List<String> hosts = new ArrayList<>();
        List<String> defs = new ArrayList<>();
        List<String> names = new ArrayList<>();
        Workflow level = root;
        for (String hostId : path) {
            NodeInstance host = level.node(hostId);
            Subgraph def = host == null ? null : root.subgraphs().get(host.type());
            if (def == null || defs.contains(def.id())) {
                break;
            }
            hosts.add(hostId);
            defs.add(def.id());
            names.add(def.name());
            level = def.body();
        }
        return new SubgraphLevel(hosts, defs, names);
    }

    /** True at the top level. */
    public boolean isRoot() {
        return hostPath.isEmpty();
    }

    /** The definition being edited, or null at the top level. */
    public String definitionId() {
        return isRoot() ? null : definitionIds.getLast();
    }

    /** The prefix of this level's nodes' ids in runs ({@code "83:"}, {@code "12:7:"}; empty at the top level). */
    public String runPrefix() {
        return isRoot() ? "" : String.join(":", hostPath) + ":";
    }

    /** The level one up (the top level stays). */
    public SubgraphLevel up(int levels) {
        int keep = Math.max(0, hostPath.size() - levels);
        return new SubgraphLevel(hostPath.subList(0, keep), definitionIds.subList(0, keep), names.subList(0, keep));
    }

    /** A graph-core edit of this level's nodes as an edit of the whole workflow. */
    public EditCommand wrap(EditCommand command) {
        return isRoot() ? command : new EditInSubgraph(definitionId(), command);
    }

    /**
     * What the canvas shows: the workflow itself at the top level; inside, the body (with the workflow's definitions,
     * so hosts inside are recognised) and the two boundary cards, placed left and right of the inner nodes.
     */
    public Workflow view(Workflow root) {
        if (isRoot()) {
            return root;
        }
        Workflow body = EditInSubgraph.view(root, definitionId());
        double minX = Double.MAX_VALUE;
        double minY = Double.MAX_VALUE;
        double maxX = -Double.MAX_VALUE;
        for (NodeLayout l : body.layout().nodes().values()) {
            minX = Math.min(minX, l.x());
            minY = Math.min(minY, l.y());
            maxX = Math.max(maxX, l.x() + (l.width() > 0 ? l.width() : GraphEditorViewModel.DEFAULT_WIDTH));
        }
        if (minX == Double.MAX_VALUE) {
            minX = 320;
            minY = 0;
            maxX = 600;
        }
        Layout layout = body.layout()
                .withNode(Subgraph.INPUT_NODE, new NodeLayout(minX - 300, minY, 220, 0, false, "Inputs"))
                .withNode(Subgraph.OUTPUT_NODE, new NodeLayout(maxX + 80, minY, 220, 0, false, "Outputs"));
        return body.withNode(NodeInstance.of(Subgraph.INPUT_NODE, Subgraph.INPUT_NODE, Map.of())).withLayout(layout);
    }

    /** True for the ids of the boundary cards. */
    public static boolean isBoundary(String nodeId) {
        return Subgraph.INPUT_NODE.equals(nodeId) || Subgraph.OUTPUT_NODE.equals(nodeId);
    }

    /** The schema of a boundary card of this level, if {@code type} names one. */
    public Optional<NodeSchema> boundarySchema(Workflow root, String type) {
        Subgraph def = isRoot() ? null : root.subgraphs().get(definitionId());
        if (def == null || !isBoundary(type)) {
            return Optional.empty();
        }
        if (Subgraph.INPUT_NODE.equals(type)) {
            NodeSchema.Builder b = NodeSchema.builder(Subgraph.INPUT_NODE).display("Inputs").category("subgraph")
                    .description("What hosts of \"" + def.name() + "\" pass in; wire from + to add an input.");
            for (SubgraphInput in : def.inputs()) {
                b.output(PortType.of(in.type()), in.displayName());
            }
            return Optional.of(b.output(PortType.ANY, NEW_PORT).build());
        }
        NodeSchema.Builder b = NodeSchema.builder(Subgraph.OUTPUT_NODE).display("Outputs").category("subgraph")
                .description("What hosts of \"" + def.name() + "\" deliver; wire to + to add an output.");
        for (SubgraphOutput out : def.outputs()) {
            b.input(SocketInput.of(out.name(), PortType.of(out.type())).asOptional());
        }
        return Optional.of(b.input(SocketInput.of(NEW_PORT, PortType.ANY).asOptional()).build());
    }

    /**
     * The edit for a wire that adds an interface port (from the Inputs card's {@link #NEW_PORT}, or to the Outputs
     * card's), as an edit of the whole workflow; empty for any other wire.
     */
    public Optional<EditCommand> newPortWire(Workflow root, Function<String, Optional<NodeSchema>> schemas,
            String fromId, int outIndex, String toId, String input) {
        Subgraph def = isRoot() ? null : root.subgraphs().get(definitionId());
        if (def == null) {
            return Optional.empty();
        }
        Workflow level = view(root);
        if (Subgraph.INPUT_NODE.equals(fromId) && outIndex == def.inputs().size()) {
            NodeInstance to = level.node(toId);
            Optional<InputSpec> spec = to == null ? Optional.empty()
                    : schemas.apply(to.type()).flatMap(s -> s.input(input));
            String type = spec.map(InputSpec::typeName).orElse("*");
            return Optional.of(new Composite("Add subgraph input " + input, List.of(
                    new AddSubgraphPort(def.id(), PortSide.INPUT, input, type, null),
                    wrap(new Connect(Subgraph.INPUT_NODE, def.inputs().size(), toId, input)))));
        }
        if (Subgraph.OUTPUT_NODE.equals(toId) && NEW_PORT.equals(input)) {
            NodeInstance from = level.node(fromId);
            Optional<NodeSchema> schema = from == null ? Optional.empty() : schemas.apply(from.type());
            if (schema.isEmpty() || outIndex < 0 || outIndex >= schema.get().outputs().size()) {
                return Optional.empty();
            }
            var out = schema.get().outputs().get(outIndex);
            String name = out.name() == null || out.name().isBlank() ? out.type().name() : out.name();
            return Optional.of(new AddSubgraphPort(def.id(), PortSide.OUTPUT, name, out.type().name(),
                    new Link(fromId, outIndex)));
        }
        return Optional.empty();
    }

    /** One step of the breadcrumb bar: its label and how many levels up it leads (0: here). */
    public record Crumb(String label, int up) {}

    /** The breadcrumb bar's steps: "Workflow", then each entered subgraph. */
    public List<Crumb> crumbs(String workflowName) {
        List<Crumb> out = new ArrayList<>();
        out.add(new Crumb(workflowName == null || workflowName.isBlank() ? "Workflow" : workflowName, names.size()));
        for (int i = 0; i < names.size(); i++) {
            out.add(new Crumb(names.get(i), names.size() - 1 - i));
        }
        return out;
    }
}
