package dev.noodle.app.ui.vm;

import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.validate.ValidationError;
import java.util.List;

/** Finds every problem in a workflow before it runs; graph-core's {@code Validator::validate} in the app. */
@FunctionalInterface
public interface WorkflowValidator {
    /** All problems at once; empty when the workflow may run. */
    List<ValidationError> validate(Workflow wf);
}
