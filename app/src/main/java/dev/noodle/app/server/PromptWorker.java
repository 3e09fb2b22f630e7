package dev.noodle.app.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.nodes.host.NoodleNodes;
import dev.noodle.nodes.host.NoodleRunner;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs queued prompts one at a time on its own thread with one long-lived {@link GraphExecutor} (so its result cache
 * carries over from prompt to prompt), reports them through a {@link RunReporter}, records them in the history, and
 * honours {@code /interrupt} and {@code /free}. Thread-safe control methods; the run itself is single-threaded.
 */
final class PromptWorker implements AutoCloseable, RunControl {
    private static final Logger LOG = LoggerFactory.getLogger(PromptWorker.class);

    private final PromptQueue queue;
    private final NoodleRunner runner;
    private final NoodleNodes nodes;
    private final EventSink hub;
    private final FileRoots roots;
    private final ObjectMapper mapper;
    private final Thread thread;
    private final AtomicBoolean unloadModels = new AtomicBoolean();
    private final AtomicBoolean freeMemory = new AtomicBoolean();
    private volatile boolean stopping;
    private volatile CancellationToken current;
    private volatile String currentPromptId;
    private volatile Running running;
    private final java.util.concurrent.atomic.AtomicLong done = new java.util.concurrent.atomic.AtomicLong();
    private final String id = "serve-" + ProcessHandle.current().pid();
    private final String host = hostName();

    /** The prompt running now, its submitting client and its reporter (which knows the node running now). */
    private record Running(String promptId, String clientId, RunReporter reporter) {}

    PromptWorker(PromptQueue queue, NoodleRunner runner, NoodleNodes nodes, EventSink hub, FileRoots roots,
            ObjectMapper mapper) {
        this.queue = queue;
        this.runner = runner;
        this.nodes = nodes;
        this.hub = hub;
        this.roots = roots;
        this.mapper = mapper;
        this.thread = new Thread(this::loop, "noodle-prompt-worker");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /**
     * Cancels the running prompt (only if its id is {@code promptId}, when given); returns whether one was
     * cancelled.
     */
    @Override
    public boolean interrupt(String promptId) {
        CancellationToken token = current;
        String running = currentPromptId;
        if (token == null || (promptId != null && !promptId.equals(running))) {
            return false;
        }
        token.cancel();
        return true;
    }

    /**
     * The node executing now when the running prompt was submitted by client {@code sid} (what ComfyUI re-sends to a
     * client that reconnects mid-run); empty otherwise.
     */
    @Override
    public Optional<RunningNode> runningNodeFor(String sid) {
        Running r = running;
        if (r == null || sid == null || !sid.equals(r.clientId())) {
            return Optional.empty();
        }
        String node = r.reporter().runningNode();
        return node == null ? Optional.empty() : Optional.of(new RunningNode(r.promptId(), node));
    }

    @Override
    public com.fasterxml.jackson.databind.node.ArrayNode workers(ObjectMapper m) {
        com.fasterxml.jackson.databind.node.ArrayNode a = m.createArrayNode();
        a.add(describe());
        return a;
    }

    /**
     * This worker as {@code GET /noodle/queue} lists it: {@code id, host, state} (idle, running, or loading while a
     * checkpoint is read), the running {@code prompt_id} and {@code node}, the sampler's {@code progress}
     * ({@code {value, max}}), the {@code loaded} checkpoint names, how many prompts it has {@code done}, and
     * {@code seen_ms_ago} (0: it runs in this process).
     */
    ObjectNode describe() {
        Running r = running;
        ObjectNode w = mapper.createObjectNode();
        w.put("id", id);
        w.put("host", host);
        boolean loading = r != null && nodes.loadingCheckpoint().isPresent();
        w.put("state", r == null ? "idle" : loading ? "loading" : "running");
        w.put("prompt_id", r == null ? null : r.promptId());
        w.put("node", r == null ? null : r.reporter().runningNode());
        long[] p = r == null ? null : r.reporter().progress();
        if (p == null) {
            w.putNull("progress");
        } else {
            w.putObject("progress").put("value", p[0]).put("max", p[1]);
        }
        var loaded = w.putArray("loaded");
        nodes.loadedCheckpoints().forEach(loaded::add);
        w.put("done", done.get());
        w.put("seen_ms_ago", 0);
        return w;
    }

    /** This machine's name, for the workers list. */
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

    /** Asks the worker to drop cached results and unload models between prompts (ComfyUI's {@code /free}). */
    @Override
    public void requestFree(boolean unload, boolean free) {
        if (unload) {
            unloadModels.set(true);
        }
        if (free) {
            freeMemory.set(true);
        }
    }

    private void loop() {
        while (!stopping) {
            try {
                QueueItem item = queue.take(250);
                if (item != null) {
                    execute(item);
                }
                applyFree();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException | Error e) {
                LOG.error("prompt worker error", e); // keep serving; the prompt was recorded as failed if possible
            }
        }
    }

    private void execute(QueueItem item) {
        CancellationToken token = new CancellationToken();
        current = token;
        currentPromptId = item.promptId();
        RunReporter reporter = new RunReporter(item, hub, roots, mapper);
        running = new Running(item.promptId(), item.clientId(), reporter);
        Map<String, String> types = new HashMap<>();
        for (NodeInstance n : item.workflow().nodes().values()) {
            types.put(n.id(), n.type());
        }
        RunResult result;
        try {
            // the run carries the client's extra_pnginfo, so SaveImage embeds prompt, workflow and parameters
            result = runner.run(item.workflow(),
                    new RunOptions(Set.copyOf(item.outputs()), item.promptId(), pngInfo(item)), reporter, token);
        } catch (RuntimeException e) {
            LOG.error("run of prompt {} failed unexpectedly", item.promptId(), e);
            result = new RunResult(item.promptId(), RunResult.Status.FAILED, List.of(), Map.of(), 0, 0, null,
                    "internal error: " + e);
        } finally {
            current = null;
            currentPromptId = null;
            running = null;
        }
        ObjectNode status = reporter.finish(result, types);
        queue.done(item, reporter.outputs(), status, reporter.meta());
        done.incrementAndGet();
        if (item.clientId() != null) {
            ObjectNode d = mapper.createObjectNode();
            d.putNull("node");
            d.put("prompt_id", item.promptId());
            hub.send("executing", d, item.clientId()); // after the history is written, as ComfyUI does
        }
    }

    private void applyFree() {
        boolean unload = unloadModels.getAndSet(false);
        boolean free = freeMemory.getAndSet(false);
        if (unload || free) {
            runner.executor().cache().clear(); // cached results hold model leases; drop them first
            int n = nodes.freeUnusedModels();
            LOG.info("freed memory: cache cleared, {} model(s) unloaded", n);
        }
    }

    /** Stops the worker: cancels the running prompt and waits briefly for the thread. */
    @Override
    public void close() {
        stopping = true;
        CancellationToken token = current;
        if (token != null) {
            token.cancel();
        }
        try { // the loop wakes every 250 ms; a running node stops at its next cancellation check
            thread.join(15_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
    /**
     * ComfyUI's {@code extra_data.extra_pnginfo}: each entry becomes a PNG text chunk of that name holding its JSON
     * (the ComfyUI editor sends its {@code workflow} there, so saved images reopen in the editor as it was drawn).
     * Entries are capped (64 keys, 8 MiB of text) so a client cannot make every image huge.
     */
    static Map<String, String> pngInfo(QueueItem item) {
        com.fasterxml.jackson.databind.JsonNode info = item.extraData().path("extra_pnginfo");
        if (!info.isObject()) {
            return Map.of();
        }
        Map<String, String> out = new java.util.LinkedHashMap<>();
        long total = 0;
        for (var it = info.fields(); it.hasNext() && out.size() < 64; ) {
            var e = it.next();
            String json = dev.noodle.nodes.interop.PngTextChunks.asciiJson(e.getValue().toString());
            total += json.length();
            if (total > (8L << 20) || e.getKey().isEmpty() || e.getKey().length() > 79) {
                continue; // PNG keywords are 1-79 bytes
            }
            out.put(e.getKey(), json);
        }
        return out;
    }
}
