package dev.noodle.graph.edit;

import dev.noodle.graph.model.Workflow;
import java.util.List;

/** Several commands as one undo step: applied in order, reverted in reverse order. */
public record Composite(String description, List<EditCommand> commands) implements EditCommand {
    /** Copies the list. */
    public Composite {
        commands = List.copyOf(commands);
    }

    @Override
    public Workflow apply(Workflow wf) {
        Workflow result = wf;
        for (EditCommand c : commands) {
            result = c.apply(result);
        }
        return result;
    }

    @Override
    public Workflow revert(Workflow wf) {
        Workflow result = wf;
        for (int i = commands.size() - 1; i >= 0; i--) {
            result = commands.get(i).revert(result);
        }
        return result;
    }
}
