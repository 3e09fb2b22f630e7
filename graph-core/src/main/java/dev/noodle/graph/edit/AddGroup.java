package dev.noodle.graph.edit;

import dev.noodle.graph.model.Group;
import dev.noodle.graph.model.Workflow;
import java.util.ArrayList;
import java.util.List;

/** Adds a group at the end of the group list. Immutable. */
public record AddGroup(Group group) implements EditCommand {
    @Override
    public Workflow apply(Workflow wf) {
        List<Group> groups = new ArrayList<>(wf.layout().groups());
        groups.add(group);
        return wf.withLayout(wf.layout().withGroups(groups));
    }

    @Override
    public Workflow revert(Workflow wf) {
        List<Group> groups = new ArrayList<>(wf.layout().groups());
        groups.remove(groups.size() - 1);
        return wf.withLayout(wf.layout().withGroups(groups));
    }

    @Override
    public String description() {
        return "Add group " + group.title();
    }
}
