package dev.noodle.app.ui.vm;

import dev.noodle.graph.model.Workflow;
import java.io.IOException;
import java.nio.file.Path;

/** Reads and atomically writes workflow files; graph-core's {@code WorkflowJson} in the app. */
public interface WorkflowStore {
    /** Reads a workflow file (Noodle or ComfyUI API format). */
    Workflow read(Path file) throws IOException;

    /** Writes a workflow atomically. */
    void save(Workflow wf, Path file) throws IOException;
}
