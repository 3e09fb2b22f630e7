package dev.noodle.app.ui.vm;

import dev.noodle.graph.model.Workflow;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Saving the open workflow and keeping its recovery copy: save to a file (the workflow takes the file's name when it
 * was untitled), autosave to the recovery file while there are unsaved changes, restore or discard a recovery copy
 * left by a crash, and close cleanly (recovery file removed) or as a crash would (recovery file kept).
 *
 * <p>Methods are called on the UI thread (any one thread in tests); the recovery copy is written on a background
 * thread of its own, and its failures are reported on the UI thread through the executor given to the constructor.
 * No JavaFX toolkit is needed. Close with {@link #closeCleanly} or {@link #closeKeepingRecovery}.
 */
public final class WorkflowFileViewModel {
    /** Seconds between autosaves, for the view's timer. */
    public static final double AUTOSAVE_SECONDS = 4;
    /** The name of a workflow that was never saved. */
    public static final String UNTITLED = "Untitled";

    /**
     * What a save did.
     *
     * @param file where it saved, or tried to
     * @param error why it failed (the file on disk is unchanged), or null when it saved
     */
    public record SaveResult(Path file, String error) {
        /** Whether the workflow was written. */
        public boolean saved() {
            return error == null;
        }
    }

    private final GraphEditorViewModel editor;
    private final WorkflowFiles files;
    private final Consumer<Runnable> uiThread;
    private final ExecutorService autosaver = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "noodle-autosave");
        t.setDaemon(true);
        return t;
    });
    private long autosavedChange = -1;
    private boolean closed;

    /**
     * @param editor the open workflow
     * @param files where workflows and the recovery copy are read and written
     * @param uiThread runs a task on the UI thread (JavaFX: {@code Platform::runLater})
     */
    public WorkflowFileViewModel(GraphEditorViewModel editor, WorkflowFiles files, Consumer<Runnable> uiThread) {
        this.editor = editor;
        this.files = files;
        this.uiThread = uiThread;
    }

    /** The file a plain save writes to, when the open workflow has one (imports and new workflows have none). */
    public Optional<Path> currentFile() {
        return Optional.ofNullable(files.currentProperty().get());
    }

    /** The file name a "save as" dialog proposes: the workflow's name with {@code .json}. */
    public String suggestedFileName() {
        return editor.workflow().name() + ".json";
    }

    /**
     * Saves to {@code file}; the workflow takes the file's name when it was untitled. On success it is marked saved,
     * the recovery copy is removed and the status says so. When the write fails (disk full, bad-inputs R4) nothing
     * changes: the file on disk keeps its previous content (saves are atomic), the workflow stays open, named as before
     * and marked unsaved, the recovery copy is kept, and the status says why.
     */
    public SaveResult saveTo(Path file) {
        Workflow wf = editor.workflow();
        boolean untitled = UNTITLED.equals(wf.name());
        if (untitled) {
            wf = wf.withName(baseName(file));
        }
        try {
            files.save(wf, file);
        } catch (IOException | RuntimeException e) {
            String why = message(e);
            editor.say("Not saved: " + why);
            return new SaveResult(file, why);
        }
        if (untitled) {
            editor.rename(wf.name());
        }
        editor.markSaved();
        files.discardAutosave();
        editor.say("Saved " + file);
        return new SaveResult(file, null);
    }

    /**
     * Writes the recovery copy when the workflow has unsaved changes made since the last autosave; the write runs in
     * the background and a failure shows in the status. Does nothing once closed.
     */
    public void autosaveNow() {
        if (closed || !editor.dirtyProperty().get() || editor.changeCount() == autosavedChange) {
            return;
        }
        autosavedChange = editor.changeCount();
        Workflow snapshot = editor.workflow();
        autosaver.execute(() -> {
            try {
                files.writeAutosave(snapshot);
            } catch (IOException | RuntimeException e) {
                uiThread.accept(() -> editor.say("Autosave failed: " + e.getMessage()));
            }
        });
    }

    /** The workflow a crashed session left in the recovery file, if any and readable. */
    public Optional<Workflow> recoverable() {
        return files.recoverable();
    }

    /** Opens a recovered workflow as unsaved work (its recovery copy stays until it is saved or discarded). */
    public void restore(Workflow recovered) {
        editor.loadUnsaved(recovered);
    }

    /** Deletes the recovery copy (the user declined it). */
    public void discardRecovery() {
        files.discardAutosave();
    }

    /** Stops autosaving and deletes the recovery copy: a clean exit. */
    public void closeCleanly() {
        closed = true;
        autosaver.shutdownNow();
        files.discardAutosave();
    }

    /**
     * Stops autosaving after the pending write (up to 5 s) and keeps the recovery copy, as a crash would leave it (so
     * tests can check recovery).
     */
    public void closeKeepingRecovery() {
        closed = true;
        autosaver.shutdown();
        try {
            autosaver.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The workflow name a file gives: its name without {@code .json}. */
    public static String baseName(Path file) {
        String n = file.getFileName().toString();
        return n.endsWith(".json") ? n.substring(0, n.length() - 5) : n;
    }

    private static String message(Exception e) {
        return e.getMessage() == null || e.getMessage().isBlank() ? e.toString() : e.getMessage();
    }
}
