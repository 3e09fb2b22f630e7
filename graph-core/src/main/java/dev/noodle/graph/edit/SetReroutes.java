package dev.noodle.graph.edit;

import dev.noodle.graph.model.Reroute;
import dev.noodle.graph.model.Workflow;
import java.util.List;

/** Replaces the layout's reroute dots (adding or removing one); revert restores the old list. Not thread-safe. */
public final class SetReroutes implements EditCommand {
    private final List<Reroute> after;
    private final String description;
    private List<Reroute> before;

    /** Sets the reroutes to {@code after}, described as {@code description} in the undo history. */
    public SetReroutes(List<Reroute> after, String description) {
        this.after = List.copyOf(after);
        this.description = description;
    }

    @Override
    public Workflow apply(Workflow wf) {
        before = wf.layout().reroutes();
        return wf.withLayout(wf.layout().withReroutes(after));
    }

    @Override
    public Workflow revert(Workflow wf) {
        return wf.withLayout(wf.layout().withReroutes(before));
    }

    @Override
    public String description() {
        return description;
    }
}
