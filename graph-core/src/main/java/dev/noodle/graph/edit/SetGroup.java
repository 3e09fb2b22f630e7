package dev.noodle.graph.edit;

import dev.noodle.graph.model.Group;
import dev.noodle.graph.model.Workflow;
import java.util.ArrayList;
import java.util.List;

/** Replaces the group at an index (rename, move, resize); revert puts the old one back. Not thread-safe. */
public final class SetGroup implements EditCommand {
    private final int index;
    private final Group group;
    private Group before;

    /** Replaces group number {@code index} with {@code group}. */
    public SetGroup(int index, Group group) {
        this.index = index;
        this.group = group;
    }

    @Override
    public Workflow apply(Workflow wf) {
        List<Group> groups = new ArrayList<>(wf.layout().groups());
        if (index < 0 || index >= groups.size()) {
            throw new IllegalArgumentException("no group number " + index + " (there are " + groups.size() + ")");
        }
        before = groups.set(index, group);
        return wf.withLayout(wf.layout().withGroups(groups));
    }

    @Override
    public Workflow revert(Workflow wf) {
        List<Group> groups = new ArrayList<>(wf.layout().groups());
        groups.set(index, before);
        return wf.withLayout(wf.layout().withGroups(groups));
    }

    @Override
    public String description() {
        return before != null && !before.title().equals(group.title())
                ? "Rename group " + before.title() + " to " + group.title()
                : "Change group " + group.title();
    }
}
