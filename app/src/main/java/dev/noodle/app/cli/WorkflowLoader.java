package dev.noodle.app.cli;

import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.model.Workflow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads any workflow file the CLI accepts: Noodle JSON or a ComfyUI API-format prompt. */
final class WorkflowLoader {
    private WorkflowLoader() {}

    /** Loads the file; IOExceptions carry a user-facing message naming the file. */
    static Workflow load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file + ": no such workflow file; check the path");
        }
        return WorkflowJson.read(file);
    }
}
