package dev.noodle.graph.edit;

import dev.noodle.graph.model.Workflow;
import java.util.Objects;

/**
 * Replaces the whole workflow with one computed from it (a component inserted, published or updated), as one undo
 * step: apply gives {@code after}, revert gives {@code before} back exactly. Immutable.
 *
 * <p>Apply refuses a workflow other than {@code before}, so a stale command can never overwrite later edits.
 */
public record ReplaceGraph(String description, Workflow before, Workflow after) implements EditCommand {
    /** Checks the parts are present. */
    public ReplaceGraph {
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(before, "before");
        Objects.requireNonNull(after, "after");
    }

    @Override
    public Workflow apply(Workflow wf) {
        if (!wf.equals(before)) {
            throw new IllegalStateException(description + ": the workflow changed since this edit was prepared");
        }
        return after;
    }

    @Override
    public Workflow revert(Workflow wf) {
        return before;
    }
}
