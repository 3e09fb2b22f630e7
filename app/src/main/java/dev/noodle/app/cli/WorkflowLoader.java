package dev.noodle.app.cli;

import dev.noodle.graph.model.Workflow;
import dev.noodle.nodes.host.ModelKind;
import dev.noodle.nodes.host.NoodleNodes;
import dev.noodle.nodes.interop.WorkflowSources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads any workflow file the CLI accepts: Noodle JSON, a ComfyUI API prompt or UI workflow, or a PNG made by
 * Noodle, ComfyUI or AUTOMATIC1111 (its embedded workflow, or its infotext as an equivalent graph).
 */
final class WorkflowLoader {
    private WorkflowLoader() {}

    /** Loads the file; IOExceptions carry a user-facing message naming the file. */
    static Workflow load(Path file, NoodleNodes nodes) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file + ": no such workflow file; check the path");
        }
        return new WorkflowSources(nodes.registry(), nodes.environment().models().list(ModelKind.CHECKPOINTS))
                .open(file);
    }
}
