package dev.noodle.graph.edit;

import dev.noodle.graph.model.Workflow;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The current workflow of an editor plus its undo and redo history.
 *
 * <p>Every edit goes through {@link #execute}. Listeners are told after each change. Not thread-safe: use from one
 * thread (the UI thread).
 */
public final class UndoStack {
    /** Told after every change. */
    public interface Listener {
        /** The workflow changed; {@code description} names the edit ("Undo Connect ..."). */
        void changed(Workflow current, String description);
    }

    private final Deque<EditCommand> undo = new ArrayDeque<>();
    private final Deque<EditCommand> redo = new ArrayDeque<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final int limit;
    private Workflow current;

    /** A stack starting at {@code initial}, keeping at most 200 undo steps. */
    public UndoStack(Workflow initial) {
        this(initial, 200);
    }

    /** A stack starting at {@code initial}, keeping at most {@code limit} undo steps. */
    public UndoStack(Workflow initial, int limit) {
        this.current = Objects.requireNonNull(initial, "initial");
        this.limit = Math.max(1, limit);
    }

    /** The current workflow. */
    public Workflow current() {
        return current;
    }

    /** Applies a command, records it for undo and clears the redo history; returns the new workflow. */
    public Workflow execute(EditCommand command) {
        current = command.apply(current);
        undo.push(command);
        while (undo.size() > limit) {
            undo.removeLast();
        }
        redo.clear();
        fire(command.description());
        return current;
    }

    /** Reverts the last command; returns the new workflow. */
    public Workflow undo() {
        if (undo.isEmpty()) {
            throw new IllegalStateException("nothing to undo");
        }
        EditCommand c = undo.pop();
        current = c.revert(current);
        redo.push(c);
        fire("Undo " + c.description());
        return current;
    }

    /** Re-applies the last undone command; returns the new workflow. */
    public Workflow redo() {
        if (redo.isEmpty()) {
            throw new IllegalStateException("nothing to redo");
        }
        EditCommand c = redo.pop();
        current = c.apply(current);
        undo.push(c);
        fire("Redo " + c.description());
        return current;
    }

    /** Whether there is something to undo. */
    public boolean canUndo() {
        return !undo.isEmpty();
    }

    /** Whether there is something to redo. */
    public boolean canRedo() {
        return !redo.isEmpty();
    }

    /** The description of what {@link #undo} would revert, or null. */
    public String undoDescription() {
        return undo.isEmpty() ? null : undo.peek().description();
    }

    /** The description of what {@link #redo} would re-apply, or null. */
    public String redoDescription() {
        return redo.isEmpty() ? null : redo.peek().description();
    }

    /** Replaces the workflow (e.g. after opening a file) and clears the history. */
    public void reset(Workflow workflow) {
        current = Objects.requireNonNull(workflow, "workflow");
        undo.clear();
        redo.clear();
        fire("Open");
    }

    /** Adds a change listener. */
    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    /** Removes a change listener. */
    public void removeListener(Listener listener) {
        listeners.remove(listener);
    }

    private void fire(String description) {
        for (Listener l : listeners) {
            l.changed(current, description);
        }
    }
}
