package dev.noodle.graph.edit;

import dev.noodle.graph.model.FormInput;
import dev.noodle.graph.model.Workflow;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * An undoable change to a workflow's form: add, remove, rename, relabel or move one entry.
 *
 * <p>Each change is checked against the workflow it is applied to (a name is unique and free of {@code .} and
 * {@code =}, so {@code --set NAME=VALUE} stays unambiguous; an added entry names a top-level node; one node input is
 * in the form once); a refused change throws {@link IllegalArgumentException} naming the entry. Records the previous
 * form on {@link #apply}; not thread-safe.
 */
public final class FormEdit implements EditCommand {
    private final String description;
    private final BiFunction<Workflow, List<FormInput>, List<FormInput>> change;
    private List<FormInput> previous;

    private FormEdit(String description, BiFunction<Workflow, List<FormInput>, List<FormInput>> change) {
        this.description = description;
        this.change = change;
    }

    /** Adds an entry at the end of the form. */
    public static FormEdit add(FormInput entry) {
        return new FormEdit("Add " + entry.name() + " to the form", (wf, form) -> {
            checkName(form, entry.name(), null);
            if (wf.node(entry.nodeId()) == null) {
                throw new IllegalArgumentException("cannot add '" + entry.name() + "' to the form: node "
                        + entry.nodeId() + " is not in the workflow");
            }
            for (FormInput f : form) {
                if (f.nodeId().equals(entry.nodeId()) && f.input().equals(entry.input())) {
                    throw new IllegalArgumentException("node " + entry.nodeId() + " input '" + entry.input()
                            + "' is already in the form as '" + f.name() + "'");
                }
            }
            List<FormInput> copy = new ArrayList<>(form);
            copy.add(entry);
            return copy;
        });
    }

    /** Removes the entry with this name. */
    public static FormEdit remove(String name) {
        return new FormEdit("Remove " + name + " from the form", (wf, form) -> {
            List<FormInput> copy = new ArrayList<>(form);
            copy.remove(indexOf(form, name));
            return copy;
        });
    }

    /** Renames an entry (its label is kept). */
    public static FormEdit rename(String name, String newName) {
        return new FormEdit("Rename form field " + name + " to " + newName, (wf, form) -> {
            int i = indexOf(form, name);
            checkName(form, newName, name);
            FormInput f = form.get(i);
            List<FormInput> copy = new ArrayList<>(form);
            copy.set(i, new FormInput(newName, f.nodeId(), f.input(), f.label()));
            return copy;
        });
    }

    /** Sets the label users see (null or blank: show the name). */
    public static FormEdit relabel(String name, String label) {
        return new FormEdit("Label form field " + name, (wf, form) -> {
            int i = indexOf(form, name);
            FormInput f = form.get(i);
            List<FormInput> copy = new ArrayList<>(form);
            copy.set(i, new FormInput(f.name(), f.nodeId(), f.input(), label == null || label.isBlank() ? null
                    : label));
            return copy;
        });
    }

    /** Moves an entry to this position (0 is first). */
    public static FormEdit move(String name, int newIndex) {
        return new FormEdit("Move form field " + name, (wf, form) -> {
            int i = indexOf(form, name);
            if (newIndex < 0 || newIndex >= form.size()) {
                throw new IllegalArgumentException("cannot move '" + name + "' to position " + newIndex
                        + ": the form has " + form.size() + " field(s)");
            }
            List<FormInput> copy = new ArrayList<>(form);
            copy.add(newIndex, copy.remove(i));
            return copy;
        });
    }

    /** A free form name for a node input: the input's name, else {@code input_NODE}, else numbered. */
    public static String suggestName(Workflow wf, String nodeId, String input) {
        String base = input.replace('.', '_').replace('=', '_');
        List<String> taken = wf.form().stream().map(FormInput::name).toList();
        if (!taken.contains(base)) {
            return base;
        }
        String withNode = base + "_" + nodeId.replace('.', '_').replace(':', '_');
        String candidate = withNode;
        for (int k = 2; taken.contains(candidate); k++) {
            candidate = withNode + "_" + k;
        }
        return candidate;
    }

    private static int indexOf(List<FormInput> form, String name) {
        for (int i = 0; i < form.size(); i++) {
            if (form.get(i).name().equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException("the form has no field '" + name + "'; its fields are "
                + String.join(", ", form.stream().map(FormInput::name).toList()));
    }

    private static void checkName(List<FormInput> form, String name, String except) {
        if (name == null || name.isBlank() || !name.equals(name.strip())) {
            throw new IllegalArgumentException("a form field needs a name without spaces around it, got '" + name
                    + "'");
        }
        if (name.contains(".") || name.contains("=")) {
            throw new IllegalArgumentException("form field name '" + name + "' may not contain '.' or '=' (the"
                    + " command line reads NAME=VALUE and NODE.INPUT=VALUE)");
        }
        for (FormInput f : form) {
            if (f.name().equals(name) && !name.equals(except)) {
                throw new IllegalArgumentException("the form already has a field named '" + name + "'");
            }
        }
    }

    @Override
    public Workflow apply(Workflow wf) {
        previous = wf.form();
        return wf.withForm(change.apply(wf, wf.form()));
    }

    @Override
    public Workflow revert(Workflow wf) {
        return wf.withForm(previous);
    }

    @Override
    public String description() {
        return description;
    }
}
