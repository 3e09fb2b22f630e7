package dev.noodle.app.ui.vm;

import dev.noodle.graph.edit.AddNode;
import dev.noodle.graph.edit.Composite;
import dev.noodle.graph.edit.Connect;
import dev.noodle.graph.edit.Disconnect;
import dev.noodle.graph.edit.EditCommand;
import dev.noodle.graph.edit.MoveNodes;
import dev.noodle.graph.edit.RemoveNodes;
import dev.noodle.graph.edit.SetInput;
import dev.noodle.graph.edit.SetMode;
import dev.noodle.graph.edit.UndoStack;
import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.NodeLayout;
import dev.noodle.graph.model.NodeMode;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.NodeDefinition;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.spec.BoolInput;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.graph.spec.StringInput;
import dev.noodle.graph.subgraph.SubgraphSchemas;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ObservableSet;

/**
 * The editor's graph state: the current workflow, undo/redo, selection and dirty flag.
 *
 * <p>Every change goes through an undoable graph-core {@link EditCommand}. Properties are read-only to views;
 * views call the methods here. Not thread-safe: use from one thread (the FX thread in the app; any single thread
 * in tests, which need no FX toolkit).
 */
public final class GraphEditorViewModel {
    /** Default card width for new nodes, in canvas units. */
    public static final double DEFAULT_WIDTH = 280;

    /** Most undo steps kept. */
    public static final int UNDO_LIMIT = 500;

    private final NodeRegistry registry;
    private final ReadOnlyObjectWrapper<Workflow> workflow = new ReadOnlyObjectWrapper<>(this, "workflow");
    private final ReadOnlyObjectWrapper<Workflow> level = new ReadOnlyObjectWrapper<>(this, "level");
    private final ReadOnlyObjectWrapper<SubgraphLevel> where =
            new ReadOnlyObjectWrapper<>(this, "where", SubgraphLevel.ROOT);
    private final ReadOnlyBooleanWrapper dirty = new ReadOnlyBooleanWrapper(this, "dirty");
    private final ReadOnlyBooleanWrapper canUndo = new ReadOnlyBooleanWrapper(this, "canUndo");
    private final ReadOnlyBooleanWrapper canRedo = new ReadOnlyBooleanWrapper(this, "canRedo");
    private final ReadOnlyStringWrapper message = new ReadOnlyStringWrapper(this, "message", "");
    private final ObservableSet<String> selection = FXCollections.observableSet();
    private final ObservableSet<String> selectionView = FXCollections.unmodifiableObservableSet(selection);
    private UndoStack undo;
    private Workflow saved;
    private long changeCount;

    /** Creates a view-model holding an empty workflow. */
    private OptionDetails optionDetails = OptionDetails.NONE;

    public GraphEditorViewModel(NodeRegistry registry) {
        this.registry = Objects.requireNonNull(registry);
        load(Workflow.empty("Untitled"));
    }

    /** Replaces the whole workflow (new/open); clears undo history and the selection; not dirty. */
    public void load(Workflow wf) {
        undo = new UndoStack(wf, UNDO_LIMIT);
        saved = wf;
        where.set(SubgraphLevel.ROOT);
        selection.clear();
        refresh();
    }

    /** Loads a recovered workflow: like {@link #load} but dirty, since it was never saved. */
    public void loadUnsaved(Workflow wf) {
        load(wf);
        saved = null;
        refresh();
    }

    /** Marks the current workflow as saved (clears the dirty flag), e.g. after a save. */
    public void markSaved() {
        saved = workflow.get();
        refresh();
    }

    /**
     * Renames the workflow without an undo entry (done on save-as to the file name). A workflow with unsaved changes
     * keeps them marked unsaved; a saved one stays saved.
     */
    public void rename(String name) {
        Workflow wf = workflow.get();
        if (!Objects.equals(wf.name(), name)) {
            Workflow renamed = wf.withName(name);
            Workflow keepSaved = saved;
            load(renamed);
            saved = Objects.equals(wf, keepSaved) ? renamed : keepSaved;
            refresh();
        }
    }

    /** Adds a node of {@code type} at canvas position (x, y) with default inputs; returns its id. */
    public String addNode(String type, double x, double y) {
        NodeSchema schema = schema(type).orElseThrow(() -> new IllegalArgumentException("Unknown node type " + type));
        String id = level.get().nextId();
        executeHere(newNode(schema, id, x, y));
        selection.clear();
        selection.add(id);
        return id;
    }

    private static AddNode newNode(NodeSchema schema, String id, double x, double y) {
        Map<String, InputValue> defaults = new LinkedHashMap<>();
        for (InputSpec spec : schema.inputs()) {
            Object v = defaultValue(spec);
            if (v != null) {
                defaults.put(spec.name(), new Literal(v));
            }
        }
        NodeInstance node = new NodeInstance(id, schema.type(), defaults, NodeMode.NORMAL, Map.of());
        return new AddNode(node, new NodeLayout(x, y, DEFAULT_WIDTH, 0, false, schema.displayName()));
    }

    /**
     * Which nodes can take a wire dropped on empty canvas: those with an input accepting the dragged output's type,
     * or (for a wire dragged back from an input) an output that input accepts. Nothing matches a vanished end.
     */
    public Predicate<NodeSchema> compatibleWith(PendingWire wire) {
        Optional<PortType> type = ConnectionRules.typeAt(level.get(), this::schema, wire);
        if (type.isEmpty()) {
            return s -> false;
        }
        return wire.isOutput()
                ? s -> ConnectionRules.firstInputTaking(s, type.get()).isPresent()
                : s -> ConnectionRules.firstOutputFor(s, type.get()) >= 0;
    }

    /**
     * Adds a node of {@code type} at (x, y) wired to the dropped wire's fixed end, as one undoable edit; returns its
     * id. The new node's first compatible input (or output) takes the wire; an input already wired is re-wired.
     *
     * @throws IllegalArgumentException when the node cannot take the wire
     */
    public String addNodeConnected(String type, double x, double y, PendingWire wire) {
        NodeSchema schema = schema(type).orElseThrow(() -> new IllegalArgumentException("Unknown node type " + type));
        PortType wireType = ConnectionRules.typeAt(level.get(), this::schema, wire)
                .orElseThrow(() -> new IllegalArgumentException("The wire's node no longer exists"));
        String id = level.get().nextId();
        EditCommand connect;
        if (wire.isOutput()) {
            String input = ConnectionRules.firstInputTaking(schema, wireType).orElseThrow(
                    () -> new IllegalArgumentException(schema.displayName() + " takes no " + wireType.name()));
            connect = new Connect(wire.nodeId(), wire.outputIndex(), id, input);
        } else {
            int out = ConnectionRules.firstOutputFor(schema, wireType);
            if (out < 0) {
                throw new IllegalArgumentException(schema.displayName() + " gives no " + wireType.name());
            }
            connect = new Connect(id, out, wire.nodeId(), wire.inputName());
        }
        AddNode add = newNode(schema, id, x, y);
        executeHere(new Composite("Add " + schema.displayName() + " wired to node " + wire.nodeId(),
                List.of(add, connect)));
        selection.clear();
        selection.add(id);
        return id;
    }

    /** The value a new node starts with for a widget input; null for sockets and optional inputs. */
    public static Object defaultValue(InputSpec spec) {
        if (spec.optional()) {
            return null;
        }
        return switch (spec) {
            case IntInput i -> i.defaultValue();
            case FloatInput f -> f.defaultValue();
            case StringInput s -> s.defaultValue() == null ? "" : s.defaultValue();
            case BoolInput b -> b.defaultValue();
            case ComboInput c -> c.effectiveDefault();
            case SocketInput s -> null;
        };
    }

    /**
     * Connects output {@code outIndex} of {@code fromId} to socket {@code input} of {@code toId}.
     *
     * @return empty when connected, otherwise why it was refused (also shown in {@link #messageProperty()})
     */
    public Optional<String> connect(String fromId, int outIndex, String toId, String input) {
        Optional<EditCommand> newPort = where.get().newPortWire(workflow.get(), this::schema, fromId, outIndex, toId,
                input);
        if (newPort.isPresent()) {
            undo.execute(newPort.get());
            refresh();
            message.set("");
            return Optional.empty();
        }
        Optional<String> refusal = ConnectionRules.refusal(level.get(), this::schema, fromId, outIndex, toId, input);
        if (refusal.isPresent()) {
            message.set(refusal.get());
            return refusal;
        }
        executeHere(new Connect(fromId, outIndex, toId, input));
        message.set("");
        return Optional.empty();
    }

    /** Removes the wire feeding {@code input} of {@code toId}, if any. */
    public void disconnect(String toId, String input) {
        NodeInstance n = level.get().node(toId);
        if (n != null && n.inputs().get(input) instanceof Link) {
            executeHere(new Disconnect(toId, input));
        }
    }

    /** Sets a widget value (Long, Double, String or Boolean); no-op when unchanged. */
    public void setInput(String nodeId, String input, Object value) {
        NodeInstance n = level.get().node(nodeId);
        if (n == null) {
            return;
        }
        if (n.inputs().get(input) instanceof Literal lit && Objects.equals(lit.value(), value)) {
            return;
        }
        executeHere(SetInput.literal(nodeId, input, value));
    }

    /** Moves nodes to new canvas positions as one undoable step. */
    public void moveNodes(Map<String, double[]> positions) {
        Map<String, double[]> movable = new LinkedHashMap<>(positions);
        movable.keySet().removeIf(SubgraphLevel::isBoundary);
        EditCommand move = moveCommand(level.get(), movable);
        if (move != null) {
            executeHere(move);
        }
    }

    /**
     * The graph-core moves that bring nodes to absolute positions: one {@link MoveNodes} per distinct offset (a drag
     * moves all nodes by the same offset, so usually one), or null when nothing moves.
     */
    static EditCommand moveCommand(Workflow wf, Map<String, double[]> positions) {
        Map<List<Double>, List<String>> byOffset = new LinkedHashMap<>();
        for (Map.Entry<String, double[]> e : positions.entrySet()) {
            if (wf.node(e.getKey()) == null) {
                continue;
            }
            NodeLayout l = wf.layout().nodes().get(e.getKey());
            double x = l == null ? 0 : l.x();
            double y = l == null ? 0 : l.y();
            double dx = e.getValue()[0] - x;
            double dy = e.getValue()[1] - y;
            if (dx != 0 || dy != 0) {
                byOffset.computeIfAbsent(List.of(dx, dy), k -> new ArrayList<>()).add(e.getKey());
            }
        }
        List<EditCommand> moves = new ArrayList<>();
        byOffset.forEach((d, ids) -> moves.add(new MoveNodes(ids, d.get(0), d.get(1))));
        if (moves.isEmpty()) {
            return null;
        }
        return moves.size() == 1 ? moves.get(0) : new Composite("Move " + positions.size() + " nodes", moves);
    }

    /** Sets several literal inputs as one undoable step (node id → input → value), e.g. the next seeds after a run. */
    public void setInputs(String description, Map<String, ? extends Map<String, ?>> values) {
        List<EditCommand> sets = new ArrayList<>();
        values.forEach((id, inputs) -> inputs.forEach((name, v) -> sets.add(SetInput.literal(id, name, v))));
        if (!sets.isEmpty()) {
            execute(new Composite(description, sets));
        }
    }

    /** Sets the mode (normal, muted, bypassed) of the selected nodes. */
    public void setModeOfSelection(NodeMode mode) {
        List<String> ids = new ArrayList<>();
        for (String id : selection) {
            NodeInstance n = level.get().node(id);
            if (n != null && n.mode() != mode && !SubgraphLevel.isBoundary(id)) {
                ids.add(id);
            }
        }
        if (!ids.isEmpty()) {
            executeHere(new SetMode(ids, mode));
        }
    }

    /** Deletes the selected nodes (and their wires) as one undoable step. */
    public void deleteSelection() {
        if (selection.isEmpty()) {
            return;
        }
        Set<String> ids = new java.util.HashSet<>(selection);
        ids.removeIf(SubgraphLevel::isBoundary);
        if (ids.isEmpty()) {
            return;
        }
        executeHere(new RemoveNodes(ids));
        selection.clear();
    }

    /** The selected nodes as workflow JSON for the clipboard, or null when nothing is selected. */
    public String copySelection() {
        Set<String> ids = new java.util.HashSet<>(selection);
        ids.removeIf(SubgraphLevel::isBoundary);
        return ids.isEmpty() ? null : GraphClipboard.copy(level.get(), ids);
    }

    /**
     * Pastes copied workflow JSON with fresh ids, its top-left at (x, y), as one undo step, and selects the new
     * nodes; false (with a status message) when the text is not a workflow.
     */
    public boolean paste(String json, double x, double y) {
        List<String> ids = new ArrayList<>();
        EditCommand add;
        try {
            add = GraphClipboard.paste(level.get(), json, x, y, ids);
        } catch (RuntimeException e) {
            message.set("The clipboard does not hold Noodle nodes: " + e.getMessage());
            return false;
        }
        if (ids.isEmpty()) {
            return false;
        }
        executeHere(add);
        select(Set.copyOf(ids));
        return true;
    }

    /** Duplicates the selected nodes (with the wires among them) 40 units down and right, as one undo step. */
    public void duplicateSelection() {
        String json = copySelection();
        if (json == null) {
            return;
        }
        double x = Double.MAX_VALUE;
        double y = Double.MAX_VALUE;
        for (String id : selection) {
            NodeLayout l = level.get().layout().nodes().get(id);
            if (l != null) {
                x = Math.min(x, l.x());
                y = Math.min(y, l.y());
            }
        }
        paste(json, x == Double.MAX_VALUE ? 40 : x + 40, y == Double.MAX_VALUE ? 40 : y + 40);
    }

    /** Runs any graph-core edit command of the whole workflow (top-level ids, definitions) as one undoable step. */
    public void execute(EditCommand command) {
        undo.execute(command);
        refresh();
    }

    /**
     * Runs a graph-core edit command of the nodes the canvas shows as one undoable step: at the top level as {@link
     * #execute}; inside a subgraph it edits that definition's body (node ids are the inner ones).
     */
    public void executeHere(EditCommand command) {
        undo.execute(where.get().wrap(command));
        refresh();
    }

    // ---- subgraph levels ----

    /** Shows the inside of subgraph host {@code hostId} (a node of the shown level); false when it is no host. */
    public boolean enter(String hostId) {
        List<String> path = new ArrayList<>(where.get().hostPath());
        path.add(hostId);
        SubgraphLevel next = SubgraphLevel.resolve(workflow.get(), path);
        if (next.hostPath().size() != path.size()) {
            return false;
        }
        goTo(next);
        return true;
    }

    /** Goes up {@code levels} levels (1: the level containing the current subgraph's host). */
    public void leave(int levels) {
        if (!where.get().isRoot() && levels > 0) {
            goTo(where.get().up(levels));
        }
    }

    /** Goes up one level. */
    public void leave() {
        leave(1);
    }

    private void goTo(SubgraphLevel next) {
        selection.clear();
        where.set(next);
        level.set(next.view(workflow.get()));
    }

    /** Where the editor is: the top level or inside subgraphs. */
    public ReadOnlyObjectProperty<SubgraphLevel> whereProperty() {
        return where.getReadOnlyProperty();
    }

    /** Where the editor is. */
    public SubgraphLevel where() {
        return where.get();
    }

    /** What the canvas shows: the workflow, or inside a subgraph its body and boundary cards (immutable). */
    public ReadOnlyObjectProperty<Workflow> levelProperty() {
        return level.getReadOnlyProperty();
    }

    /** What the canvas shows. */
    public Workflow level() {
        return level.get();
    }

    /** Undoes the last edit, if any. */
    public void undo() {
        if (undo.canUndo()) {
            undo.undo();
            refresh();
        }
    }

    /** Redoes the last undone edit, if any. */
    public void redo() {
        if (undo.canRedo()) {
            undo.redo();
            refresh();
        }
    }

    /** Selects exactly these nodes. */
    public void select(Set<String> ids) {
        selection.retainAll(ids);
        selection.addAll(ids);
    }

    /** Adds or removes one node from the selection. */
    public void toggleSelected(String id) {
        if (!selection.remove(id)) {
            selection.add(id);
        }
    }

    /** Selects every node. */
    public void selectAll() {
        select(level.get().nodes().keySet());
    }

    /** Extra words for combo options (file sizes, LoRA base models); {@link OptionDetails#NONE} by default. */
    public OptionDetails optionDetails() {
        return optionDetails;
    }

    /** Sets where combo option details come from (the host's model folders). */
    public void setOptionDetails(OptionDetails details) {
        this.optionDetails = java.util.Objects.requireNonNull(details, "details");
    }

    /** Looks up a node type's schema (a subgraph host's, a boundary card's inside a subgraph, or the registry's). */
    public Optional<NodeSchema> schema(String type) {
        Workflow root = workflow.get();
        if (root == null || root.subgraphs().isEmpty()) {
            return registry.find(type).map(NodeDefinition::schema);
        }
        if (SubgraphLevel.isBoundary(type)) {
            return where.get().boundarySchema(root, type);
        }
        return SubgraphSchemas.schemaOf(root, registry, type);
    }

    /** The node registry this editor builds from. */
    public NodeRegistry registry() {
        return registry;
    }

    /** Shows a one-line message in the status bar. */
    public void say(String text) {
        message.set(text);
    }

    /** Number of edits applied since construction; lets autosave notice changes cheaply. */
    public long changeCount() {
        return changeCount;
    }

    /** Positions of the given nodes, for drag bookkeeping. */
    public Map<String, double[]> positions(Set<String> ids) {
        Map<String, double[]> out = new LinkedHashMap<>();
        for (String id : ids) {
            NodeLayout l = level.get().layout().nodes().get(id);
            if (l != null) {
                out.put(id, new double[] {l.x(), l.y()});
            }
        }
        return out;
    }

    private void refresh() {
        Workflow wf = undo.current();
        changeCount++;
        SubgraphLevel at = SubgraphLevel.resolve(wf, where.get().hostPath());
        if (!at.equals(where.get())) {
            where.set(at);
        }
        workflow.set(wf);
        level.set(at.view(wf));
        dirty.set(!Objects.equals(wf, saved));
        canUndo.set(undo.canUndo());
        canRedo.set(undo.canRedo());
        selection.retainAll(new ArrayList<>(level.get().nodes().keySet()));
    }

    /** The current workflow (immutable; replaced on every edit). */
    public ReadOnlyObjectProperty<Workflow> workflowProperty() {
        return workflow.getReadOnlyProperty();
    }

    /** The current workflow. */
    public Workflow workflow() {
        return workflow.get();
    }

    /** True when the workflow differs from the last saved (or opened) version. */
    public ReadOnlyBooleanProperty dirtyProperty() {
        return dirty.getReadOnlyProperty();
    }

    /** True when there is an edit to undo. */
    public ReadOnlyBooleanProperty canUndoProperty() {
        return canUndo.getReadOnlyProperty();
    }

    /** True when there is an edit to redo. */
    public ReadOnlyBooleanProperty canRedoProperty() {
        return canRedo.getReadOnlyProperty();
    }

    /** The latest status message (e.g. why a wire was refused). */
    public ReadOnlyStringProperty messageProperty() {
        return message.getReadOnlyProperty();
    }

    /** The selected node ids; views observe it, and change it only through the methods here. */
    public ObservableSet<String> selection() {
        return selectionView;
    }
}
