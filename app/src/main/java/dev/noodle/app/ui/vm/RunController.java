package dev.noodle.app.ui.vm;

import dev.noodle.graph.exec.RunEvent;
import dev.noodle.graph.exec.RunListener;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.validate.ValidationError;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.Executor;

/**
 * Queues workflow runs on one background thread and feeds their events to a {@link RunViewModel}.
 *
 * <p>{@link #submit} validates first, on the caller's thread, so every offending node is marked before anything
 * runs. Runs execute one at a time on the "noodle-run" thread, never the FX thread. All events reach the view-model
 * through the single adapter {@link FxBridge}, which hops to the given UI executor ({@code Platform::runLater} in
 * the app) and coalesces progress events so previews never flood the UI. Thread-safe.
 */
public final class RunController implements AutoCloseable {
    private final WorkflowRunner executor;
    private final WorkflowValidator validator;
    private final RunViewModel vm;
    private final Executor ui;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "noodle-run");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, CancellationToken> tokens = new ConcurrentHashMap<>();
    private final AtomicInteger counter = new AtomicInteger();
    private final Map<String, String> waiting = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>());
    private final AtomicInteger done = new AtomicInteger();
    private volatile QueueEntry current;
    private volatile String currentNode;
    private volatile long[] currentProgress;

    /**
     * What the run thread is doing, for the queue panel; readable from any thread.
     *
     * @param waiting runs queued behind the running one, in run order (state "queued")
     * @param running the run in progress (state "running"), or null
     * @param node the node it runs now, or null
     * @param value the node's progress (a sampler's step), or -1
     * @param max the steps of that progress, or -1
     * @param done how many runs this editor has finished (whatever their result)
     */
    public record Activity(List<QueueEntry> waiting, QueueEntry running, String node, long value, long max,
            int done) {}

    /**
     * Creates a controller.
     *
     * @param executor runs workflows ({@code GraphExecutor::run})
     * @param validator returns every problem of a workflow ({@code Validator::validate})
     * @param vm receives the events
     * @param ui the UI-thread executor ({@code Platform::runLater}; a direct executor in tests)
     */
    public RunController(WorkflowRunner executor, WorkflowValidator validator,
            RunViewModel vm, Executor ui) {
        this.executor = executor;
        this.validator = validator;
        this.vm = vm;
        this.ui = ui;
    }

    /**
     * Validates and queues a run of {@code wf} (call on the UI thread).
     *
     * @return the run id, or null when validation failed (errors are then shown on the nodes)
     */
    public String submit(Workflow wf) {
        List<ValidationError> problems = validator.validate(wf);
        if (!problems.isEmpty()) {
            vm.invalid(problems);
            return null;
        }
        String runId = "run-" + counter.incrementAndGet();
        CancellationToken token = new CancellationToken();
        tokens.put(runId, token);
        waiting.put(runId, wf.name());
        vm.queued(runId, wf.name());
        worker.execute(() -> runNow(wf, runId, token));
        return runId;
    }

    private void runNow(Workflow wf, String runId, CancellationToken token) {
        String name = waiting.remove(runId);
        try {
            if (token.isCancelled()) {
                ui.execute(() -> {
                    vm.cancelledBeforeStart(runId);
                    vm.finished(new RunResult(runId, RunResult.Status.CANCELLED, List.of(), Map.of(), 0, 0, null,
                            "Cancelled before start"));
                });
                return;
            }
            started(runId, name);
            FxBridge bridge = new FxBridge();
            RunResult result = executor.run(wf, new RunOptions(Set.of(), runId), bridge, token);
            bridge.post(() -> vm.finished(result));
        } catch (Throwable t) {
            ui.execute(() -> vm.crashed(runId, t));
        } finally {
            ended(runId);
        }
    }

    private void started(String runId, String name) {
        currentNode = null;
        currentProgress = null;
        current = new QueueEntry(runId, name == null ? "" : name, "running", "");
    }

    private void ended(String runId) {
        tokens.remove(runId);
        QueueEntry was = current;
        if (was != null && was.runId().equals(runId)) {
            current = null;
            currentNode = null;
            currentProgress = null;
            done.incrementAndGet();
        }
    }

    /** What runs and waits now (any thread). */
    public Activity activity() {
        List<QueueEntry> queued;
        synchronized (waiting) {
            queued = waiting.entrySet().stream().map(e -> new QueueEntry(e.getKey(), e.getValue(), "queued", ""))
                    .toList();
        }
        QueueEntry run = current;
        long[] p = currentProgress;
        return new Activity(queued, run, run == null ? null : currentNode, p == null ? -1 : p[0],
                p == null ? -1 : p[1], done.get());
    }

    /**
     * Cancels one run: a queued one leaves the queue (it is reported cancelled before start), a running one stops
     * at its next check. Returns false when no run has that id (it finished meanwhile).
     */
    public boolean cancel(String runId) {
        CancellationToken token = tokens.get(runId);
        if (token == null) {
            return false;
        }
        token.cancel();
        waiting.remove(runId);
        return true;
    }

    /** Cancels every queued run; the running one goes on. Returns how many were cancelled. */
    public int cancelWaiting() {
        List<String> ids;
        synchronized (waiting) {
            ids = List.copyOf(waiting.keySet());
        }
        int n = 0;
        for (String id : ids) {
            if (cancel(id)) {
                n++;
            }
        }
        return n;
    }

    /** A job of several runs (a sweep) on the run thread; see {@link #submitJob}. */
    @FunctionalInterface
    public interface Job {
        /**
         * Runs, reporting runs' events to {@code events} (shown as a single run's are) and stopping when {@code token}
         * is cancelled; returns a summary under {@code runId} for the queue panel.
         */
        RunResult run(String runId, WorkflowRunner runner, RunListener events, CancellationToken token)
                throws Exception;
    }

    /**
     * Queues {@code job} on the run thread behind the runs queued before it, so it never runs beside another run
     * (call on the UI thread); Cancel cancels it as it does a run.
     *
     * @return the job's run id
     */
    public String submitJob(String name, Job job) {
        String runId = "run-" + counter.incrementAndGet();
        CancellationToken token = new CancellationToken();
        tokens.put(runId, token);
        waiting.put(runId, name);
        vm.queued(runId, name);
        worker.execute(() -> {
            waiting.remove(runId);
            try {
                started(runId, name);
                FxBridge bridge = new FxBridge();
                RunResult result = job.run(runId, executor, bridge, token);
                bridge.post(() -> vm.finished(result));
            } catch (Throwable t) {
                ui.execute(() -> vm.crashed(runId, t));
            } finally {
                ended(runId);
            }
        });
        return runId;
    }

    /** Cancels the running run and everything queued behind it. */
    public void cancelAll() {
        tokens.values().forEach(CancellationToken::cancel);
        waiting.clear(); // they leave the queue panel now; the run thread reports each as cancelled before start
    }

    /** True while any run is queued or running. */
    public boolean busy() {
        return !tokens.isEmpty();
    }

    @Override
    public void close() {
        cancelAll();
        worker.shutdownNow();
    }

    /**
     * The one place where executor events cross to the UI thread. Progress events are coalesced: only the newest
     * pending one is delivered, and it is flushed before any other event so ordering is preserved.
     */
    private final class FxBridge implements RunListener {
        private final AtomicReference<RunEvent.NodeProgress> pending = new AtomicReference<>();

        @Override
        public void onEvent(RunEvent event) {
            if (event instanceof RunEvent.NodeStarted st) {
                currentNode = st.nodeId();
                currentProgress = null;
            } else if (event instanceof RunEvent.NodeProgress p) {
                currentNode = p.nodeId();
                currentProgress = new long[] {p.value(), p.max()};
            }
            if (event instanceof RunEvent.NodeProgress p) {
                if (pending.getAndSet(p) == null) {
                    ui.execute(this::flush);
                }
            } else if (event instanceof RunEvent.NodeFinished f && !f.values().isEmpty()) {
                // copy the images now, while the run holds them; the UI gets the copies, never the values
                List<OutputPreviews.Preview> previews = previews(f.values());
                RunEvent.NodeFinished slim = new RunEvent.NodeFinished(f.runId(), f.nodeId(), f.nanos(), f.ui());
                post(() -> vm.apply(slim, previews));
            } else if (event instanceof RunEvent.NodeCached c && !c.values().isEmpty()) {
                List<OutputPreviews.Preview> previews = previews(c.values());
                RunEvent.NodeCached slim = new RunEvent.NodeCached(c.runId(), c.nodeId());
                post(() -> vm.apply(slim, previews));
            } else {
                post(() -> vm.apply(event));
            }
        }

        private static List<OutputPreviews.Preview> previews(List<Object> values) {
            try {
                return OutputPreviews.of(values);
            } catch (RuntimeException | OutOfMemoryError e) {
                return List.of(); // a preview is never worth failing the run for
            }
        }

        void post(Runnable r) {
            ui.execute(() -> {
                flush();
                r.run();
            });
        }

        private void flush() {
            RunEvent.NodeProgress p = pending.getAndSet(null);
            if (p != null) {
                vm.apply(p);
            }
        }
    }
}
