package dev.noodle.graph.edit;

import dev.noodle.graph.model.Workflow;

/**
 * An edit whose undo puts back the whole workflow it was applied to.
 *
 * <p>Suits edits that touch many places at once (subgraph conversion, interface changes): {@link #apply} keeps the
 * workflow it was given and {@link #revert} returns it, which is exact because the undo stack reverts a command on
 * the workflow its apply produced. Subclasses compute the edit in {@link #edit}, deterministically, so that redo
 * gives the same result. Not thread-safe.
 */
abstract class SnapshotEdit implements EditCommand {
    private Workflow before;

    /** The edited workflow; throws {@link IllegalArgumentException} naming what is wrong when it cannot apply. */
    protected abstract Workflow edit(Workflow wf);

    @Override
    public final Workflow apply(Workflow wf) {
        Workflow result = edit(wf);
        before = wf;
        return result;
    }

    @Override
    public final Workflow revert(Workflow wf) {
        if (before == null) {
            throw new IllegalStateException("revert before apply: " + description());
        }
        return before;
    }
}
