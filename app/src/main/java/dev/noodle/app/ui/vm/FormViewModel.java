package dev.noodle.app.ui.vm;

import dev.noodle.graph.edit.FormEdit;
import dev.noodle.graph.form.FormField;
import dev.noodle.graph.form.WorkflowForm;
import dev.noodle.graph.model.FormInput;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.graph.subgraph.SubgraphSchemas;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.value.ChangeListener;

/**
 * The form view of the editor's workflow: its form's fields (or one subgraph host's promoted inputs), kept current as
 * the workflow changes, and values set from the form as undoable edits of the workflow itself.
 *
 * <p>Also the form edits of the node menus ({@link #addToForm}, {@link #removeFromForm}). Not thread-safe: use from
 * the thread that owns the editor view-model; {@link #dispose} stops following the workflow.
 */
public final class FormViewModel {
    private final GraphEditorViewModel editor;
    private final String hostId;
    private final ReadOnlyObjectWrapper<WorkflowForm> form = new ReadOnlyObjectWrapper<>(this, "form");
    private final ReadOnlyStringWrapper message = new ReadOnlyStringWrapper(this, "message", "");
    private final ChangeListener<Workflow> follow = (obs, a, b) -> refresh();

    /** The form of the editor's workflow ({@code hostId} null) or of one subgraph host. */
    public FormViewModel(GraphEditorViewModel editor, String hostId) {
        this.editor = Objects.requireNonNull(editor, "editor");
        this.hostId = hostId;
        refresh();
        editor.workflowProperty().addListener(follow);
    }

    /** Stops following the editor's workflow. */
    public void dispose() {
        editor.workflowProperty().removeListener(follow);
    }

    private void refresh() {
        Workflow wf = editor.workflow();
        if (hostId != null && wf.subgraphOf(wf.node(hostId)) != null) {
            form.set(WorkflowForm.ofHost(wf, editor.registry(), hostId));
        } else {
            form.set(WorkflowForm.of(wf, editor.registry()));
        }
    }

    /** The current form; replaced on every change of the workflow. */
    public ReadOnlyObjectProperty<WorkflowForm> formProperty() {
        return form.getReadOnlyProperty();
    }

    /** The current form. */
    public WorkflowForm form() {
        return form.get();
    }

    /** Why the last value was refused, or empty. */
    public ReadOnlyStringProperty messageProperty() {
        return message.getReadOnlyProperty();
    }

    /** The form's title: the workflow's name, or the subgraph's name and its node. */
    public String title() {
        Workflow wf = editor.workflow();
        String host = form.get().hostId();
        if (host != null) {
            return wf.subgraphOf(wf.node(host)).name() + " (node " + host + ")";
        }
        return wf.name();
    }

    /**
     * Sets a field to a value checked against its spec, as one undoable edit of the workflow.
     *
     * @return true when set; false when refused (the reason is in {@link #messageProperty()})
     */
    public boolean set(String name, Object value) {
        Optional<FormField> field = form.get().field(name);
        if (field.isEmpty()) {
            message.set(name + " is not in the form");
            return false;
        }
        try {
            Object checked = WorkflowForm.check(field.get(), value);
            editor.setInput(field.get().nodeId(), field.get().input(), checked);
            message.set("");
            return true;
        } catch (IllegalArgumentException e) {
            message.set(field.get().label() + ": " + e.getMessage());
            return false;
        }
    }

    /** The widget inputs of a top-level node that are not in the workflow's form yet, in schema order. */
    public static List<String> addableInputs(GraphEditorViewModel editor, String nodeId) {
        Workflow wf = editor.workflow();
        NodeInstance node = wf.node(nodeId);
        List<String> out = new ArrayList<>();
        if (node == null) {
            return out;
        }
        List<InputSpec> inputs = SubgraphSchemas.schemaOf(wf, editor.registry(), node.type())
                .map(s -> s.inputs()).orElse(List.of());
        for (InputSpec spec : inputs) {
            boolean inForm = wf.form().stream()
                    .anyMatch(f -> f.nodeId().equals(nodeId) && f.input().equals(spec.name()));
            if (!(spec instanceof SocketInput<?>) && !inForm) {
                out.add(spec.name());
            }
        }
        return out;
    }

    /** The form entries that set inputs of this node. */
    public static List<FormInput> entriesOf(GraphEditorViewModel editor, String nodeId) {
        return editor.workflow().form().stream().filter(f -> f.nodeId().equals(nodeId)).toList();
    }

    /**
     * Adds a node's input to the workflow's form under a free name (the input's name when free), as one undoable
     * edit; returns the name, or empty with the reason in the editor's status line when refused.
     */
    public static Optional<String> addToForm(GraphEditorViewModel editor, String nodeId, String input) {
        String name = FormEdit.suggestName(editor.workflow(), nodeId, input);
        try {
            editor.execute(FormEdit.add(new FormInput(name, nodeId, input, null)));
            editor.say("Added " + name + " to the form (node " + nodeId + " input '" + input + "')");
            return Optional.of(name);
        } catch (IllegalArgumentException e) {
            editor.say(e.getMessage());
            return Optional.empty();
        }
    }

    /** Removes a field from the workflow's form as one undoable edit. */
    public static void removeFromForm(GraphEditorViewModel editor, String name) {
        try {
            editor.execute(FormEdit.remove(name));
            editor.say("Removed " + name + " from the form");
        } catch (IllegalArgumentException e) {
            editor.say(e.getMessage());
        }
    }
}
