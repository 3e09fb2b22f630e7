package dev.noodle.graph.edit;

import dev.noodle.graph.model.Group;
import dev.noodle.graph.model.Workflow;
import java.util.ArrayList;
import java.util.List;

/** Removes the group at an index; revert puts it back there. Not thread-safe. */
public final class RemoveGroup implements EditCommand {
    private final int index;
    private Group removed;

    /** Removes group number {@code index}. */
    public RemoveGroup(int index) {
        this.index = index;
    }

    @Override
    public Workflow apply(Workflow wf) {
        List<Group> groups = new ArrayList<>(wf.layout().groups());
        if (index < 0 || index >= groups.size()) {
            throw new IllegalArgumentException("no group number " + index + " (there are " + groups.size() + ")");
        }
        removed = groups.remove(index);
        return wf.withLayout(wf.layout().withGroups(groups));
    }

    @Override
    public Workflow revert(Workflow wf) {
        List<Group> groups = new ArrayList<>(wf.layout().groups());
        groups.add(index, removed);
        return wf.withLayout(wf.layout().withGroups(groups));
    }

    @Override
    public String description() {
        return "Remove group " + (removed == null ? "#" + index : removed.title());
    }
}
