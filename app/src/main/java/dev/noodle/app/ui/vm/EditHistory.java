package dev.noodle.app.ui.vm;

import dev.noodle.graph.edit.EditCommand;
import dev.noodle.graph.model.Workflow;
import java.util.ArrayDeque;
import java.util.Deque;

/** Linear undo/redo over {@link EditCommand}s, holding the current workflow. Not thread-safe. */
public final class EditHistory {
    /** Most undo steps kept. */
    public static final int LIMIT = 500;

    private final Deque<EditCommand> undo = new ArrayDeque<>();
    private final Deque<EditCommand> redo = new ArrayDeque<>();
    private Workflow current;

    /** Starts a history at {@code initial}. */
    public EditHistory(Workflow initial) {
        this.current = initial;
    }

    /** Applies a command and makes it undoable; clears redo. */
    public Workflow execute(EditCommand command) {
        current = command.apply(current);
        undo.push(command);
        if (undo.size() > LIMIT) {
            undo.removeLast();
        }
        redo.clear();
        return current;
    }

    /** Reverts the last command. */
    public Workflow undo() {
        EditCommand c = undo.pop();
        current = c.revert(current);
        redo.push(c);
        return current;
    }

    /** Re-applies the last undone command. */
    public Workflow redo() {
        EditCommand c = redo.pop();
        current = c.apply(current);
        undo.push(c);
        return current;
    }

    /** True when there is something to undo. */
    public boolean canUndo() {
        return !undo.isEmpty();
    }

    /** True when there is something to redo. */
    public boolean canRedo() {
        return !redo.isEmpty();
    }

    /** The current workflow. */
    public Workflow current() {
        return current;
    }

    /** The description of the edit that undo would revert, or empty. */
    public String undoDescription() {
        return undo.isEmpty() ? "" : undo.peek().description();
    }
}
