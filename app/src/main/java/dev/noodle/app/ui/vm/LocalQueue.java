package dev.noodle.app.ui.vm;

import java.util.ArrayList;
import java.util.List;

/**
 * The editor's own runs as a queue: one worker (this editor) that runs them one at a time. Queued runs can be
 * cancelled and the running one interrupted; pausing and reordering need a server ({@code --connect}), so this
 * queue says it cannot. Thread-safe.
 */
public final class LocalQueue implements QueueBackend {
    private final RunController runs;
    private final String host;
    private volatile LoadedModels loaded = List::of;

    /** The file names of the checkpoints the editor holds loaded now; must answer at once. */
    @FunctionalInterface
    public interface LoadedModels {
        List<String> names();
    }

    /** The queue of {@code runs}. */
    public LocalQueue(RunController runs) {
        this.runs = runs;
        this.host = hostName();
    }

    /** Where the names of the loaded checkpoints come from (none when the host does not say). */
    public void setLoadedModels(LoadedModels loadedModels) {
        this.loaded = loadedModels;
    }

    @Override
    public String where() {
        return "this editor";
    }

    @Override
    public QueueSnapshot snapshot() {
        RunController.Activity a = runs.activity();
        List<QueueSnapshot.Prompt> waiting = new ArrayList<>();
        for (QueueEntry e : a.waiting()) {
            waiting.add(new QueueSnapshot.Prompt(e.runId(), "", e.name()));
        }
        List<QueueSnapshot.Prompt> running = a.running() == null ? List.of()
                : List.of(new QueueSnapshot.Prompt(a.running().runId(), "", a.running().name()));
        List<String> models;
        try {
            models = loaded.names();
        } catch (RuntimeException e) {
            models = List.of();
        }
        QueueSnapshot.Worker me = new QueueSnapshot.Worker("editor", host, a.running() == null ? "idle" : "running",
                a.running() == null ? null : a.running().runId(), a.node(), a.value(), a.max(), models, a.done(), 0);
        return new QueueSnapshot("this editor", false, false, false, running, waiting, List.of(me));
    }

    @Override
    public void setPaused(boolean paused) throws QueueException {
        throw new QueueException("the editor's own runs cannot be paused; run on a server (--connect URL) for that");
    }

    @Override
    public void move(String promptId, Move where) throws QueueException {
        throw new QueueException("the editor runs its runs in the order given; run on a server (--connect URL) "
                + "to reorder them");
    }

    @Override
    public void cancel(String promptId) throws QueueException {
        if (!runs.cancel(promptId)) {
            throw new QueueException(promptId + " has already finished");
        }
    }

    @Override
    public void interrupt(String promptId) throws QueueException {
        cancel(promptId);
    }

    @Override
    public void clear() {
        runs.cancelWaiting();
    }

    static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException | RuntimeException e) {
            return "localhost";
        }
    }
}
