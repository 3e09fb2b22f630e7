package dev.noodle.app.cli;

import dev.noodle.graph.json.WorkflowFormatException;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.model.Workflow;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads any workflow file the CLI accepts: Noodle JSON or a ComfyUI API-format prompt. */
final class WorkflowLoader {
    private WorkflowLoader() {}

    static Workflow load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new WorkflowFormatException(file + ": no such workflow file. Check the path.");
        }
        return WorkflowJson.read(file);
    }
}
