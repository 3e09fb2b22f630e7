package dev.noodle.app.cli;

import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.node.NodeOutputs;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Prints where a run's images went: each file an output node lists in its UI results (SaveImage's and PreviewImage's
 * {@code images}), one line each, relative to the working folder when inside it. A file is printed once even when
 * a later run in the same process reports it again from the cache. Texts an output node shows (PreviewAny's
 * {@code text}) are printed as {@code text NODE: value} after every run. Not thread-safe.
 */
final class SavedFiles {
    private final Path outputDir;
    private final Path workingDir;
    private final Set<Path> printed = new LinkedHashSet<>();

    SavedFiles(Path outputDir, Path workingDir) {
        this.outputDir = outputDir.toAbsolutePath().normalize();
        this.workingDir = workingDir.toAbsolutePath().normalize();
    }

    /**
     * Prints {@code saved FILE} (output folder) or {@code preview FILE} (temporary) for each new file, and
     * {@code text NODE: value} for each text an output node shows.
     */
    void print(RunResult result, PrintStream out) {
        for (Map.Entry<String, NodeOutputs> node : result.outputs().entrySet()) {
            for (Map.Entry<String, Object> ui : node.getValue().ui().entrySet()) {
                Object value = ui.getValue();
                if (ui.getKey().equals("text") && value instanceof Collection<?> texts) {
                    texts.forEach(t -> out.println("text " + node.getKey() + ": " + t));
                } else if (value instanceof Collection<?> items) {
                    items.forEach(item -> print(item, out));
                } else {
                    print(value, out);
                }
            }
        }
    }

    private void print(Object item, PrintStream out) {
        if (!(item instanceof Path p)) {
            return;
        }
        Path file = p.toAbsolutePath().normalize();
        if (printed.add(file)) {
            out.println((file.startsWith(outputDir) ? "saved " : "preview ") + shown(file));
        }
    }

    private String shown(Path file) {
        return file.startsWith(workingDir) ? workingDir.relativize(file).toString() : file.toString();
    }
}
