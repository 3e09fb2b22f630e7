package dev.noodle.app.ui.vm;

import dev.noodle.graph.edit.ConvertToSubgraph;
import dev.noodle.graph.edit.DemoteWidget;
import dev.noodle.graph.edit.EditCommand;
import dev.noodle.graph.edit.MoveSubgraphPort;
import dev.noodle.graph.edit.PortSide;
import dev.noodle.graph.edit.PromoteWidget;
import dev.noodle.graph.edit.RemoveSubgraphPort;
import dev.noodle.graph.edit.RenameSubgraphPort;
import dev.noodle.graph.edit.UnpackSubgraph;
import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Subgraph;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.SocketInput;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The editor's subgraph actions: convert the selection, unpack a host, and edit a definition's interface (rename,
 * reorder, remove ports; promote and demote widgets). Each is one undoable step on the editor's history; a refused
 * action says why in the status line. Not thread-safe: use from the FX thread (or one test thread).
 */
public final class SubgraphEditing {
    private final GraphEditorViewModel vm;

    /** Actions on this editor. */
    public SubgraphEditing(GraphEditorViewModel vm) {
        this.vm = vm;
    }

    /** The selected nodes that can go into a subgraph (boundary cards cannot). */
    private Set<String> convertible() {
        Set<String> ids = new LinkedHashSet<>(vm.selection());
        ids.removeIf(SubgraphLevel::isBoundary);
        ids.retainAll(vm.level().nodes().keySet());
        return ids;
    }

    /** True when something is selected that {@link #convertSelection} can convert. */
    public boolean canConvert() {
        return !convertible().isEmpty();
    }

    /**
     * Turns the selected nodes into a new subgraph with one host in their place, and selects the host; returns its
     * id, or empty (with a status message) when nothing is selected.
     */
    public Optional<String> convertSelection() {
        Set<String> ids = convertible();
        if (ids.isEmpty()) {
            vm.say("Select the nodes to put into a subgraph first.");
            return Optional.empty();
        }
        ConvertToSubgraph convert = new ConvertToSubgraph(ids, vm.registry());
        if (!run(convert, true)) {
            return Optional.empty();
        }
        vm.select(Set.of(convert.hostId()));
        vm.say("Made a subgraph of " + ids.size() + (ids.size() == 1 ? " node" : " nodes")
                + "; double-click it to open it.");
        return Optional.of(convert.hostId());
    }

    /** The selected subgraph host at the shown level, if exactly one node is selected and it is a host. */
    public Optional<String> selectedHost() {
        if (vm.selection().size() != 1) {
            return Optional.empty();
        }
        String id = vm.selection().iterator().next();
        NodeInstance n = vm.level().node(id);
        return n != null && vm.workflow().subgraphs().containsKey(n.type()) ? Optional.of(id) : Optional.empty();
    }

    /** The definition a node of the shown level hosts, or null. */
    public Subgraph definitionOf(String nodeId) {
        NodeInstance n = vm.level().node(nodeId);
        return n == null ? null : vm.workflow().subgraphs().get(n.type());
    }

    /** Replaces the selected host by its inner nodes and selects them; false (with a message) when none is selected. */
    public boolean unpackSelection() {
        Optional<String> host = selectedHost();
        if (host.isEmpty()) {
            vm.say("Select one subgraph to unpack.");
            return false;
        }
        UnpackSubgraph unpack = new UnpackSubgraph(host.get());
        if (!run(unpack, true)) {
            return false;
        }
        vm.select(Set.copyOf(unpack.idMap().values()));
        return true;
    }

    /** Renames a port of definition {@code definitionId}; false (with a message) when the name is empty or taken. */
    public boolean rename(String definitionId, PortSide side, int index, String name) {
        Subgraph def = vm.workflow().subgraphs().get(definitionId);
        List<String> names = def == null ? List.of() : side == PortSide.INPUT
                ? def.inputs().stream().map(p -> p.name()).toList()
                : def.outputs().stream().map(p -> p.name()).toList();
        if (name != null && index >= 0 && index < names.size() && names.get(index).equals(name.strip())) {
            return true; // unchanged: no undo step
        }
        return run(new RenameSubgraphPort(definitionId, side, index, name), false);
    }

    /** Moves a port of a definition one place up (-1) or down (+1); false at either end. */
    public boolean move(String definitionId, PortSide side, int index, int delta) {
        Subgraph def = vm.workflow().subgraphs().get(definitionId);
        int size = def == null ? 0 : side == PortSide.INPUT ? def.inputs().size() : def.outputs().size();
        int to = index + delta;
        if (to < 0 || to >= size) {
            return false;
        }
        return run(new MoveSubgraphPort(definitionId, side, index, to), false);
    }

    /** Removes a port of a definition, disconnecting what used it. */
    public boolean remove(String definitionId, PortSide side, int index) {
        return run(new RemoveSubgraphPort(definitionId, side, index), false);
    }

    /** Inside a subgraph: the widget inputs of an inner node that can be promoted to the interface. */
    public List<String> promotable(String innerNodeId) {
        List<String> out = new ArrayList<>();
        NodeInstance n = vm.where().isRoot() ? null : vm.level().node(innerNodeId);
        if (n == null || SubgraphLevel.isBoundary(innerNodeId)) {
            return out;
        }
        vm.schema(n.type()).ifPresent(s -> {
            for (InputSpec spec : s.inputs()) {
                InputValue v = n.input(spec.name());
                if (!(spec instanceof SocketInput<?>) && !(v instanceof Link)) {
                    out.add(spec.name());
                }
            }
        });
        return out;
    }

    /** Inside a subgraph: makes an inner node's widget an input of the interface that hosts set. */
    public boolean promote(String innerNodeId, String input) {
        if (vm.where().isRoot()) {
            vm.say("Open a subgraph to promote one of its widgets.");
            return false;
        }
        return run(new PromoteWidget(vm.where().definitionId(), innerNodeId, input, vm.registry()), false);
    }

    /** True when interface input {@code index} feeds a widget inside (so it shows as a widget on hosts). */
    public boolean isPromotedWidget(String definitionId, int index) {
        Subgraph def = vm.workflow().subgraphs().get(definitionId);
        if (def == null || index < 0 || index >= def.inputs().size()) {
            return false;
        }
        for (NodeInstance n : def.body().nodes().values()) {
            for (var in : n.inputs().entrySet()) {
                if (in.getValue() instanceof Link l && Subgraph.INPUT_NODE.equals(l.nodeId())
                        && l.outputIndex() == index) {
                    return vm.schema(n.type()).flatMap(s -> s.input(in.getKey()))
                            .filter(spec -> !(spec instanceof SocketInput<?>)).isPresent();
                }
            }
        }
        return false;
    }

    /** Takes a promoted widget off the interface; the inner widget keeps the host's value. */
    public boolean demote(String definitionId, int index) {
        return run(new DemoteWidget(definitionId, index), false);
    }

    /** Runs an edit (of the shown level, or of the whole workflow); a refusal is said in the status line. */
    private boolean run(EditCommand command, boolean atLevel) {
        try {
            if (atLevel) {
                vm.executeHere(command);
            } else {
                vm.execute(command);
            }
            return true;
        } catch (IllegalArgumentException e) {
            vm.say(e.getMessage());
            return false;
        }
    }
}
