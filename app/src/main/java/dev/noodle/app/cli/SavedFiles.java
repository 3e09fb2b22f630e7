package dev.noodle.app.cli;

import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.node.NodeOutputs;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Prints where a run's images went: each file an output node lists in its UI results (SaveImage's and PreviewImage's
 * {@code images}), one line each, relative to the working folder when inside it. A file is printed once even when
 * a later run in the same process reports it again from the cache. Not thread-safe.
 */
final class SavedFiles {
    private final Path outputDir;
    private final Path workingDir;
    private final Set<Path> printed = new LinkedHashSet<>();

    SavedFiles(Path outputDir, Path workingDir) {
        this.outputDir = outputDir.toAbsolutePath().normalize();
        this.workingDir = workingDir.toAbsolutePath().normalize();
    }

    /** Prints {@code saved FILE} (output folder) or {@code preview FILE} (temporary) for each new file. */
    void print(RunResult result, PrintStream out) {
        for (NodeOutputs o : result.outputs().values()) {
            for (Object value : o.ui().values()) {
                if (value instanceof Collection<?> items) {
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
