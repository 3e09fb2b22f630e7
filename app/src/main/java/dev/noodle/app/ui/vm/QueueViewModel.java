package dev.noodle.app.ui.vm;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * The queue panel: what runs and waits on a {@link QueueBackend} (the server the editor is connected to, or the
 * editor itself) and who runs it, refreshed about once a second while the panel is shown, with the controls
 * pause/resume, move, cancel, interrupt and clear.
 *
 * <p>Backend calls run on one background thread ("noodle-queue"), one at a time; results reach the properties and
 * lists through the UI executor ({@code Platform::runLater} in the app, a direct executor in tests). A backend that
 * cannot be reached shows its one-line message in {@link #problemProperty()} and empty lists. Read the properties on
 * the UI thread.
 */
public final class QueueViewModel implements AutoCloseable {
    /** How often the panel asks while it is shown. */
    public static final long POLL_MILLIS = 1000;

    private final QueueBackend backend;
    private final Executor ui;
    private final ScheduledExecutorService io = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "noodle-queue");
        t.setDaemon(true);
        return t;
    });
    private final ObservableList<QueueSnapshot.Prompt> running = FXCollections.observableArrayList();
    private final ObservableList<QueueSnapshot.Prompt> pending = FXCollections.observableArrayList();
    private final ObservableList<QueueSnapshot.Worker> workers = FXCollections.observableArrayList();
    private final ObservableList<QueueSnapshot.Prompt> runningView = FXCollections.unmodifiableObservableList(running);
    private final ObservableList<QueueSnapshot.Prompt> pendingView = FXCollections.unmodifiableObservableList(pending);
    private final ObservableList<QueueSnapshot.Worker> workersView = FXCollections.unmodifiableObservableList(workers);
    private final ReadOnlyStringWrapper headline = new ReadOnlyStringWrapper(this, "headline", "");
    private final ReadOnlyStringWrapper problem = new ReadOnlyStringWrapper(this, "problem", "");
    private final ReadOnlyBooleanWrapper paused = new ReadOnlyBooleanWrapper(this, "paused");
    private final ReadOnlyBooleanWrapper canPause = new ReadOnlyBooleanWrapper(this, "canPause");
    private final ReadOnlyBooleanWrapper canMove = new ReadOnlyBooleanWrapper(this, "canMove");
    private final ReadOnlyBooleanWrapper reachable = new ReadOnlyBooleanWrapper(this, "reachable");
    private ScheduledFuture<?> polling;
    private String actionProblem;

    /** A view-model over {@code backend}, delivering to the {@code ui} executor. */
    public QueueViewModel(QueueBackend backend, Executor ui) {
        this.backend = backend;
        this.ui = ui;
        headline.set(capitalized(backend.where()));
    }

    @FunctionalInterface
    private interface Action {
        void run() throws QueueBackend.QueueException;
    }

    /** Polls about once a second while {@code shown}; stops when not. */
    public synchronized void setShown(boolean shown) {
        if (shown && polling == null) {
            try {
                polling = io.scheduleWithFixedDelay(() -> deliver(null, null, null), 0, POLL_MILLIS,
                        TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                polling = null; // closed
            }
        } else if (!shown && polling != null) {
            polling.cancel(false);
            polling = null;
        }
    }

    /** Whether it is polling now. */
    public synchronized boolean shown() {
        return polling != null;
    }

    /** Reads the queue once; completes when the lists show it. */
    public CompletableFuture<Void> refresh() {
        return call(null, null);
    }

    /** Pauses the queue: the running prompts finish, the queued ones wait. */
    public CompletableFuture<Void> pause() {
        return call("pause", () -> backend.setPaused(true));
    }

    /** Lets the queue run again. */
    public CompletableFuture<Void> resume() {
        return call("resume", () -> backend.setPaused(false));
    }

    /** Pauses a running queue, resumes a paused one. */
    public CompletableFuture<Void> togglePause() {
        return paused.get() ? resume() : pause();
    }

    /** Moves the queued prompt {@code id}. */
    public CompletableFuture<Void> move(String id, QueueBackend.Move where) {
        return call("move", () -> backend.move(id, where));
    }

    /** Takes the queued prompt {@code id} out of the queue. */
    public CompletableFuture<Void> cancel(String id) {
        return call("cancel", () -> backend.cancel(id));
    }

    /** Stops the running prompt {@code id}. */
    public CompletableFuture<Void> interrupt(String id) {
        return call("interrupt", () -> backend.interrupt(id));
    }

    /** Takes every queued prompt out of the queue. */
    public CompletableFuture<Void> clear() {
        return call("clear", backend::clear);
    }

    private CompletableFuture<Void> call(String what, Action action) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            io.execute(() -> deliver(what, action, done));
        } catch (RejectedExecutionException e) {
            done.complete(null); // closed: nothing to show any more
        }
        return done;
    }

    // on the background thread: the action (if any), then a fresh read, handed to the UI thread
    private void deliver(String what, Action action, CompletableFuture<Void> done) {
        String failed = null;
        if (action != null) {
            try {
                action.run();
            } catch (QueueBackend.QueueException e) {
                failed = e.getMessage();
            } catch (RuntimeException e) {
                failed = "could not " + what + " on " + backend.where() + ": " + e.getMessage();
            }
        }
        QueueSnapshot snap = null;
        String gone = null;
        try {
            snap = backend.snapshot();
        } catch (QueueBackend.QueueException e) {
            gone = e.getMessage();
        } catch (RuntimeException e) {
            gone = backend.where() + " answered something unreadable: " + e.getMessage();
        }
        QueueSnapshot s = snap;
        String g = gone;
        String f = failed;
        try {
            ui.execute(() -> {
                if (action != null) {
                    actionProblem = f; // kept until the next action, so the user can read it
                }
                apply(s, g);
                if (done != null) {
                    done.complete(null);
                }
            });
        } catch (RuntimeException e) {
            if (done != null) {
                done.complete(null);
            }
        }
    }

    private void apply(QueueSnapshot s, String gone) {
        if (s == null) {
            running.clear(); // what was shown may no longer be true
            pending.clear();
            workers.clear();
            canPause.set(false);
            canMove.set(false);
            headline.set(capitalized(backend.where()));
            reachable.set(false);
            problem.set(gone);
            return;
        }
        reachable.set(true);
        problem.set(actionProblem == null ? "" : actionProblem);
        setIfChanged(running, s.running());
        setIfChanged(pending, s.pending());
        setIfChanged(workers, s.workers());
        paused.set(s.paused());
        canPause.set(s.canPause());
        canMove.set(s.canMove());
        String state = s.paused() ? "paused" : s.running().isEmpty() ? "idle" : "running";
        String queue = s.backend().equals(backend.where()) ? "" : " (" + s.backend() + " queue)";
        headline.set(capitalized(backend.where()) + queue + " — " + state + ", " + s.running().size() + " running, "
                + s.pending().size() + " waiting");
    }

    private static <T> void setIfChanged(ObservableList<T> list, List<T> now) {
        if (!list.equals(now)) {
            list.setAll(now);
        }
    }

    /** Where the queue is, e.g. "server at http://host:8188". */
    public String where() {
        return backend.where();
    }

    /** The prompts running now. */
    public ObservableList<QueueSnapshot.Prompt> running() {
        return runningView;
    }

    /** The prompts waiting, in run order. */
    public ObservableList<QueueSnapshot.Prompt> pending() {
        return pendingView;
    }

    /** The workers. */
    public ObservableList<QueueSnapshot.Worker> workers() {
        return workersView;
    }

    /** Where the queue is and its state: "Server at … — paused, 1 running, 3 waiting". */
    public ReadOnlyStringProperty headlineProperty() {
        return headline.getReadOnlyProperty();
    }

    /** Empty, or one line: the queue cannot be reached, or the last control did not work. */
    public ReadOnlyStringProperty problemProperty() {
        return problem.getReadOnlyProperty();
    }

    public ReadOnlyBooleanProperty pausedProperty() {
        return paused.getReadOnlyProperty();
    }

    /** Whether pause/resume works on this queue. */
    public ReadOnlyBooleanProperty canPauseProperty() {
        return canPause.getReadOnlyProperty();
    }

    /** Whether queued prompts can be reordered. */
    public ReadOnlyBooleanProperty canMoveProperty() {
        return canMove.getReadOnlyProperty();
    }

    /** Whether the last read reached the queue. */
    public ReadOnlyBooleanProperty reachableProperty() {
        return reachable.getReadOnlyProperty();
    }

    /** A queued prompt as its row shows it: short id, then what it makes on a second line. */
    public static String line(QueueSnapshot.Prompt p) {
        return shortId(p.id()) + (p.summary().isBlank() ? "" : "\n" + p.summary());
    }

    /** A running prompt's row: short id, the worker running it and where that worker is; then what it makes. */
    public String runningLine(QueueSnapshot.Prompt p) {
        for (QueueSnapshot.Worker w : workers) {
            if (p.id().equals(w.promptId())) {
                return shortId(p.id()) + " — on " + w.id() + doing(w)
                        + (p.summary().isBlank() ? "" : "\n" + p.summary());
            }
        }
        return line(p);
    }

    /**
     * A worker's row, three lines: who, where, its state and prompt; the node and step it is at and how many it has
     * done; the models it holds.
     */
    public static String line(QueueSnapshot.Worker w) {
        StringBuilder b = new StringBuilder(w.id());
        if (!w.host().isBlank() && !w.host().equals(w.id())) {
            b.append(" @ ").append(w.host());
        }
        b.append(" — ").append(w.state());
        if (w.promptId() != null) {
            b.append(' ').append(shortId(w.promptId()));
        }
        b.append('\n');
        String doing = doing(w);
        if (!doing.isEmpty()) {
            b.append(doing.substring(2)).append(" · ");
        }
        b.append(w.done()).append(" done");
        if (w.seenMsAgo() >= 5000) {
            b.append(" · last heard ").append(w.seenMsAgo() / 1000).append(" s ago");
        }
        b.append("\nloaded: ").append(w.loaded().isEmpty() ? "none" : String.join(", ", w.loaded()));
        return b.toString();
    }

    private static String doing(QueueSnapshot.Worker w) {
        StringBuilder b = new StringBuilder();
        if ("loading".equals(w.state())) {
            b.append(", loading a model");
        }
        if (w.node() != null) {
            b.append(", node ").append(w.node());
        }
        if (w.max() > 0 && w.value() >= 0) {
            b.append(", step ").append(w.value()).append('/').append(w.max());
        }
        return b.toString();
    }

    /** A prompt id short enough for a row: the first 8 characters of a UUID, other ids whole. */
    public static String shortId(String id) {
        return id.length() == 36 && id.charAt(8) == '-' ? id.substring(0, 8) : id;
    }

    private static String capitalized(String s) {
        return s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1);
    }

    /** Stops polling and the background thread. */
    @Override
    public void close() {
        setShown(false);
        io.shutdownNow();
    }
}
