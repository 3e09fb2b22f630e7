package dev.noodle.graph.edit;

import dev.noodle.graph.model.Workflow;

/**
 * An undoable edit of a workflow.
 *
 * <p>{@link #apply} may record what it replaced so that {@link #revert} restores it exactly; a command is applied and
 * reverted alternately, starting with apply.
 */
public interface EditCommand {
    /** Returns the edited workflow. */
    Workflow apply(Workflow wf);

    /** Returns the workflow as it was before {@link #apply}. */
    Workflow revert(Workflow wf);

    /** A short description for the Edit menu ("Connect 4 → 3.model"). */
    String description();
}
