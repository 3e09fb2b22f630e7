package dev.noodle.app.ui.vm;

import dev.noodle.graph.exec.RunListener;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;

/** Runs a workflow to completion on the calling thread; {@code GraphExecutor::run} in the app. */
@FunctionalInterface
public interface WorkflowRunner {
    /** Runs {@code wf}, reporting to {@code listener}, stopping when {@code token} is cancelled. */
    RunResult run(Workflow wf, RunOptions options, RunListener listener, CancellationToken token);
}
