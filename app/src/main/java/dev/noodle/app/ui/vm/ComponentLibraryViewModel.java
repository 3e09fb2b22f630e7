package dev.noodle.app.ui.vm;

import dev.noodle.graph.edit.AddNode;
import dev.noodle.graph.edit.Composite;
import dev.noodle.graph.edit.EditCommand;
import dev.noodle.graph.edit.ReplaceGraph;
import dev.noodle.graph.library.Component;
import dev.noodle.graph.library.ComponentConflictException;
import dev.noodle.graph.library.ComponentLibrary;
import dev.noodle.graph.library.ComponentUpdates;
import dev.noodle.graph.library.Components;
import dev.noodle.graph.library.HostRef;
import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.NodeLayout;
import dev.noodle.graph.model.NodeMode;
import dev.noodle.graph.model.Subgraph;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.subgraph.SubgraphSchemas;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * The component library as the editor sees it: the components in the library folder, the embedded components that
 * have a newer version, and the undoable edits that insert, publish and update components.
 *
 * <p>Every change to the workflow is one graph-core edit on the editor's undo stack; nothing is updated unless asked.
 * The folder is read on {@link #refresh()} (at start, after a publish, and when the user asks). Not thread-safe: use
 * from the FX thread (any single thread in tests).
 */
public final class ComponentLibraryViewModel {
    private final GraphEditorViewModel editor;
    private final ComponentLibrary library;
    private final Supplier<String> ids;
    private final ObservableList<ComponentLibrary.Entry> components = FXCollections.observableArrayList();
    private final ObservableList<ComponentUpdates.Available> updates = FXCollections.observableArrayList();
    private final ReadOnlyStringWrapper problems = new ReadOnlyStringWrapper(this, "problems", "");
    private ComponentLibrary.Listing listing = new ComponentLibrary.Listing(List.of(), List.of());

    /** Watches the editor's workflow and reads the library once. */
    public ComponentLibraryViewModel(GraphEditorViewModel editor, ComponentLibrary library) {
        this(editor, library, Components.RANDOM_IDS);
    }

    /** As above, taking new definition ids from {@code ids}. */
    public ComponentLibraryViewModel(GraphEditorViewModel editor, ComponentLibrary library, Supplier<String> ids) {
        this.editor = Objects.requireNonNull(editor, "editor");
        this.library = Objects.requireNonNull(library, "library");
        this.ids = Objects.requireNonNull(ids, "ids");
        editor.workflowProperty().addListener((o, a, b) -> findUpdates());
        refresh();
    }

    /** The library folder. */
    public ComponentLibrary library() {
        return library;
    }

    /** The components in the library, by name, newest version of each. */
    public ObservableList<ComponentLibrary.Entry> components() {
        return components;
    }

    /** The embedded components whose library has a newer version. */
    public ObservableList<ComponentUpdates.Available> updates() {
        return updates;
    }

    /** Files in the library folder that could not be read, one per line ("" when none). */
    public ReadOnlyStringProperty problemsProperty() {
        return problems.getReadOnlyProperty();
    }

    /** Reads the library folder again. */
    public void refresh() {
        listing = library.scan();
        components.setAll(listing.components());
        problems.set(String.join("\n", listing.problems()));
        findUpdates();
    }

    private void findUpdates() {
        updates.setAll(ComponentUpdates.available(editor.workflow(), listing::newest));
    }

    /** The update offered for a top-level host node, if its component has a newer version. */
    public Optional<ComponentUpdates.Available> updateFor(String hostId) {
        return updates.stream().filter(u -> u.hosts().contains(HostRef.top(hostId))).findFirst();
    }

    /**
     * The top-level node whose card stands for a use: the host itself at the top level, or each top-level host whose
     * subgraph contains (at any depth) the definition holding it.
     */
    public List<String> cardsFor(HostRef use) {
        Workflow wf = editor.workflow();
        if (use.container() == null) {
            return wf.node(use.nodeId()) == null ? List.of() : List.of(use.nodeId());
        }
        List<String> out = new java.util.ArrayList<>();
        for (NodeInstance n : wf.nodes().values()) {
            Subgraph def = wf.subgraphOf(n);
            if (def != null && contains(wf, def.id(), use.container(), new java.util.HashSet<>())) {
                out.add(n.id());
            }
        }
        return out;
    }

    private static boolean contains(Workflow wf, String defId, String wanted, java.util.Set<String> seen) {
        if (defId.equals(wanted)) {
            return true;
        }
        if (!seen.add(defId)) {
            return false;
        }
        for (NodeInstance n : wf.subgraphs().get(defId).body().nodes().values()) {
            if (wf.subgraphs().containsKey(n.type()) && contains(wf, n.type(), wanted, seen)) {
                return true;
            }
        }
        return false;
    }

    /** A use in words: {@code node 83}, or {@code node 7 inside "Outer"}. */
    public String describe(HostRef use) {
        return Components.describe(editor.workflow(), use);
    }

    /** The subgraph definition a top-level node hosts, or null. */
    public Subgraph definitionOf(String nodeId) {
        // the node is on the level the canvas shows (inside a subgraph, an inner host); definitions are workflow-wide
        return editor.workflow().subgraphOf(editor.level().node(nodeId));
    }

    /**
     * Inserts a component at (x, y): its definitions are embedded (reusing an identical copy already there) and a
     * host node with the promoted widgets' defaults is added, as one undo step; returns the new node's id.
     */
    public String insert(Component c, double x, double y) {
        Workflow before = editor.workflow();
        Components.Embedded e = Components.embed(before, c, ids);
        NodeSchema schema = SubgraphSchemas.hostSchema(e.workflow(), editor.registry(), e.workflow().subgraphs()
                .get(e.definitionId()));
        Map<String, InputValue> defaults = new LinkedHashMap<>();
        for (InputSpec spec : schema.inputs()) {
            Object v = GraphEditorViewModel.defaultValue(spec);
            if (v != null) {
                defaults.put(spec.name(), new Literal(v));
            }
        }
        String id = before.nextId();
        NodeInstance host = new NodeInstance(id, e.definitionId(), defaults, NodeMode.NORMAL, Map.of());
        List<EditCommand> steps = new java.util.ArrayList<>();
        if (!e.workflow().equals(before)) {
            steps.add(new ReplaceGraph("Embed " + c.name(), before, e.workflow()));
        }
        steps.add(new AddNode(host, new NodeLayout(x, y, GraphEditorViewModel.DEFAULT_WIDTH, 0, false, null)));
        editor.execute(new Composite("Insert component " + c.name() + " v" + c.version(), steps));
        editor.select(java.util.Set.of(id));
        return id;
    }

    /**
     * Publishes what a host node uses as a component: a new component (new id, version 1) or, when {@code
     * newVersion} and the definition came from the library, that component's next version. The workflow's
     * definition then refers to what was published (one undo step; the file stays in the library).
     *
     * @throws ComponentConflictException when the library already has a newer version than this copy
     */
    public Component publish(String hostId, String name, String description, boolean newVersion)
            throws IOException {
        Subgraph def = definitionOf(hostId);
        if (def == null) {
            throw new IllegalArgumentException("node " + hostId + " is not a subgraph");
        }
        Workflow before = editor.workflow();
        Workflow edited = before;
        if (newVersion && def.component() != null) {
            // a new name or description travels with the version
            edited = before.withSubgraph(def.withName(blankTo(name, def.name()), blankTo(description,
                    def.description())));
        }
        Components.Published p = newVersion && def.component() != null
                ? library.publishVersion(edited, def.id())
                : library.publishNew(before, def.id(), name, description);
        editor.execute(new ReplaceGraph("Publish " + p.component().name() + " v" + p.component().version(), before,
                p.workflow()));
        refresh();
        editor.say("Published \"" + p.component().name() + "\" version " + p.component().version() + " to "
                + library.folder());
        return p.component();
    }

    private static String blankTo(String s, String fallback) {
        return s == null || s.isBlank() ? fallback : s.strip();
    }

    /**
     * Updates one host ({@code hostId}) or every use ({@code hostId} null) of an embedded component to the library's
     * newer version, as one undo step; wires the new interface cannot keep are refused unless {@code dropWires}.
     *
     * @throws ComponentConflictException naming each host and port whose wire would break
     */
    public ComponentUpdates.Result update(ComponentUpdates.Available update, String hostId, boolean dropWires) {
        return update(update, hostId == null ? null : HostRef.top(hostId), dropWires);
    }

    /** As above for any use, at the top level or inside another subgraph ({@code use} null: every use). */
    public ComponentUpdates.Result update(ComponentUpdates.Available update, HostRef use, boolean dropWires) {
        Workflow before = editor.workflow();
        ComponentUpdates.Result r = ComponentUpdates.update(before, update.definitionId(), update.latest(), use,
                dropWires, ids);
        String where = use == null ? "" : Components.describe(before, use);
        editor.execute(new ReplaceGraph("Update " + update.name() + " to v" + update.latest().version()
                + (use == null ? "" : " (" + where + ")"), before, r.workflow()));
        editor.say("Updated \"" + update.name() + "\" to version " + update.latest().version()
                + (use == null ? " everywhere" : " in " + where)
                + (r.dropped().isEmpty() ? "" : "; " + r.dropped().size() + " wire(s) dropped"));
        return r;
    }
}
