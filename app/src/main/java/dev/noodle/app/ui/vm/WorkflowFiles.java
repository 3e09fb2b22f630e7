package dev.noodle.app.ui.vm;

import dev.noodle.graph.model.Workflow;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * Opening, saving, recent files, examples, and the autosave recovery file.
 *
 * <p>Saves are atomic (through the {@link WorkflowStore}). The autosave file exists only while the editor runs
 * with unsaved changes; a clean exit deletes it, so finding it at start means the last session crashed. Call from one
 * thread, except {@link #writeAutosave}, which may run on a background thread.
 */
public final class WorkflowFiles {
    /** Most entries kept in the recent-files list. */
    public static final int RECENT_LIMIT = 10;

    private final WorkflowStore json;
    private final Path autosave;
    private final Path recentFile;
    private final Path examplesDir;
    private final ReadOnlyObjectWrapper<Path> current = new ReadOnlyObjectWrapper<>(this, "current");
    private final ObservableList<Path> recent = FXCollections.observableArrayList();
    private final ObservableList<Path> recentView = FXCollections.unmodifiableObservableList(recent);

    /** Creates the file service over the given recovery file, recent list and examples folder. */
    public WorkflowFiles(WorkflowStore json, Path autosave, Path recentFile, Path examplesDir) {
        this.json = json;
        this.autosave = autosave;
        this.recentFile = recentFile;
        this.examplesDir = examplesDir;
        loadRecent();
    }

    /**
     * Reads a workflow file and makes it current; an imported file (ComfyUI JSON, a PNG) is not made current, so
     * the next save asks where to write the Noodle workflow instead of overwriting the import.
     */
    public Workflow open(Path file) throws IOException {
        Workflow wf = read(file);
        opened(file);
        return wf;
    }

    /** Reads a workflow file without making it current (nothing changes when it fails). */
    public Workflow read(Path file) throws IOException {
        return json.read(file);
    }

    /** Records that {@code file}, read with {@link #read}, is now the open workflow: current if native, and recent. */
    public void opened(Path file) {
        current.set(json.isNative(file) ? file : null);
        remember(file);
    }

    /** Saves atomically to {@code file} and makes it current. */
    public void save(Workflow wf, Path file) throws IOException {
        json.save(wf, file);
        current.set(file);
        remember(file);
    }

    /** Forgets the current file (after "new"). */
    public void clearCurrent() {
        current.set(null);
    }

    /** Writes the recovery copy (thread-safe; atomic). */
    public void writeAutosave(Workflow wf) throws IOException {
        Files.createDirectories(autosave.getParent());
        json.save(wf, autosave);
    }

    /** The recovery workflow left by a crashed session, if any and readable. */
    public Optional<Workflow> recoverable() {
        if (!Files.isRegularFile(autosave)) {
            return Optional.empty();
        }
        try {
            return Optional.of(json.read(autosave));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Deletes the recovery file (clean exit, or the user declined recovery). */
    public void discardAutosave() {
        try {
            Files.deleteIfExists(autosave);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not delete the autosave file " + autosave, e);
        }
    }

    /** File name of the example opened when the editor starts without a workflow. */
    public static final String DEFAULT_EXAMPLE = "txt2img.json";

    /**
     * The workflow to open at start: the requested file when there is one, else the txt2img example when the
     * examples folder has it, else none (a new untitled workflow).
     */
    public Optional<Path> startWorkflow(Path requested) {
        if (requested != null) {
            return Optional.of(requested);
        }
        if (examplesDir == null) {
            return Optional.empty();
        }
        Path example = examplesDir.resolve(DEFAULT_EXAMPLE);
        return Files.isRegularFile(example) ? Optional.of(example) : Optional.empty();
    }

    /** Example workflow files (*.json) under the examples folder, sorted by name. */
    public List<Path> examples() {
        if (examplesDir == null || !Files.isDirectory(examplesDir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(examplesDir, 4)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".json"))
                    .filter(p -> !p.toString().contains("/target/") && !p.toString().contains("/test/"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private void remember(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        recent.remove(abs);
        recent.add(0, abs);
        if (recent.size() > RECENT_LIMIT) {
            recent.remove(RECENT_LIMIT, recent.size());
        }
        try {
            Files.createDirectories(recentFile.getParent());
            Files.write(recentFile, recent.stream().map(Path::toString).toList(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            // The recent list is a convenience; failing to store it must not fail the save or open.
        }
    }

    private void loadRecent() {
        if (!Files.isRegularFile(recentFile)) {
            return;
        }
        try {
            List<Path> paths = new ArrayList<>();
            for (String line : Files.readAllLines(recentFile, StandardCharsets.UTF_8)) {
                if (!line.isBlank() && Files.isRegularFile(Path.of(line))) {
                    paths.add(Path.of(line));
                }
            }
            recent.setAll(paths.subList(0, Math.min(paths.size(), RECENT_LIMIT)));
        } catch (IOException e) {
            recent.clear();
        }
    }

    /** The file the current workflow was opened from or saved to; null for a new workflow. */
    public ReadOnlyObjectProperty<Path> currentProperty() {
        return current.getReadOnlyProperty();
    }

    /** Recently opened or saved files, newest first. */
    public ObservableList<Path> recent() {
        return recentView;
    }

    /** The recovery file path. */
    public Path autosaveFile() {
        return autosave;
    }
}
