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

    /**
     * The usual locations: {@code ~/.noodle} and {@code workflows/} under the {@code noodle.home} checkout (set by
     * the launcher), else under the working directory or its parent.
     */
    public static EditorPaths defaults() {
        Path home = Path.of(System.getProperty("user.home"), ".noodle");
        // the launcher passes the checkout as noodle.home, so ./noodle finds the examples from any directory
        String root = System.getProperty("noodle.home");
        Path examples = root != null && !root.isBlank() ? Path.of(root, "workflows") : Path.of("workflows");
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
