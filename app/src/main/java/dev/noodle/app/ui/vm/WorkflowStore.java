package dev.noodle.app.ui.vm;

import dev.noodle.graph.model.Workflow;
import java.io.IOException;
import java.nio.file.Path;

/** Reads and atomically writes workflow files; graph-core's {@code WorkflowJson} in the app. */
public interface WorkflowStore {
    /** Reads a workflow file (Noodle or ComfyUI API format). */
    Workflow read(Path file) throws IOException;

    /**
     * True when {@code file} is in Noodle's own format, so saving may write back to it; false for imports (ComfyUI
     * JSON, images), which a save must not overwrite.
     */
    default boolean isNative(Path file) {
        return true;
    }

    /** Writes a workflow atomically. */
    void save(Workflow wf, Path file) throws IOException;
}
