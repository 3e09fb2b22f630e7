package dev.noodle.graph.edit;

import dev.noodle.graph.model.Reroute;
import dev.noodle.graph.model.Workflow;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Moves reroute dots by (dx, dy); revert restores the old list. Records it on {@link #apply}; not thread-safe. */
public final class MoveReroutes implements EditCommand {
    private final Set<String> ids;
    private final double dx;
    private final double dy;
    private List<Reroute> before;

    /** Moves the reroutes with these ids by (dx, dy); unknown ids are ignored. */
    public MoveReroutes(java.util.Collection<String> ids, double dx, double dy) {
        this.ids = new LinkedHashSet<>(ids);
        this.dx = dx;
        this.dy = dy;
    }

    @Override
    public Workflow apply(Workflow wf) {
        before = wf.layout().reroutes();
        List<Reroute> moved = new ArrayList<>();
        for (Reroute r : before) {
            moved.add(ids.contains(r.id()) ? new Reroute(r.id(), r.x() + dx, r.y() + dy, r.linkTarget()) : r);
        }
        return wf.withLayout(wf.layout().withReroutes(moved));
    }

    @Override
    public Workflow revert(Workflow wf) {
        return wf.withLayout(wf.layout().withReroutes(before));
    }

    @Override
    public String description() {
        return ids.size() == 1 ? "Move reroute " + ids.iterator().next() : "Move " + ids.size() + " reroutes";
    }
}
