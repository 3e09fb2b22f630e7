package dev.noodle.app.ui;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Folders the editor reads and writes besides the workflow itself.
 *
 * @param appHome per-user state: recent files, the autosave recovery file (normally ~/.noodle)
 * @param examplesDir the example workflows folder (the repository's {@code workflows/}), may not exist
 */
public record EditorPaths(Path appHome, Path examplesDir) {

    /** The usual locations: {@code ~/.noodle} and {@code workflows/} under the working directory. */
    public static EditorPaths defaults() {
        Path home = Path.of(System.getProperty("user.home"), ".noodle");
        Path examples = Path.of("workflows");
        if (!Files.isDirectory(examples) && Files.isDirectory(Path.of("..", "workflows"))) {
            examples = Path.of("..", "workflows");
        }
        return new EditorPaths(home, examples.toAbsolutePath().normalize());
    }

    /** The recovery file written every few seconds while there are unsaved changes. */
    public Path autosaveFile() {
        return appHome.resolve("autosave.json");
    }

    /** The list of recently opened files, one path per line. */
    public Path recentFile() {
        return appHome.resolve("recent.txt");
    }
}
