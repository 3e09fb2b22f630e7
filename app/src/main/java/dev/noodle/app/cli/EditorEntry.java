package dev.noodle.app.cli;

import dev.noodle.app.ui.EditorLauncher;
import dev.noodle.app.ui.EditorOptions;
import java.net.URI;
import java.nio.file.Path;

/** Opens the JavaFX editor; says clearly why when it cannot start. */
final class EditorEntry {
    private EditorEntry() {}

    static int open(Path workflow, Path models, Path out, boolean dark, URI server, boolean customNodes) {
        return open(workflow, models, out, dark, server, customNodes, null);
    }

    static int open(Path workflow, Path models, Path out, boolean dark, URI server, boolean customNodes,
            Path components) {
        return open(workflow, models, out, dark, server, customNodes, components,
                dev.noodle.nodes.host.LatentPreviews.Method.AUTO);
    }

    static int open(Path workflow, Path models, Path out, boolean dark, URI server, boolean customNodes,
            Path components, dev.noodle.nodes.host.LatentPreviews.Method preview) {
        try {
            EditorLauncher.launch(new EditorOptions(workflow, models, out, dark, server, customNodes,
                    components), preview);
            return 0;
        } catch (RuntimeException | LinkageError e) {
            System.err.println("noodle: the editor could not start: " + e.getMessage()
                    + " (is a display available? set DISPLAY or run under xvfb-run)");
            return 1;
        }
    }
}
