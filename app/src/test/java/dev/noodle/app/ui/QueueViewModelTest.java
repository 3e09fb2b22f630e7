package dev.noodle.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noodle.app.server.NoodleServer;
import dev.noodle.app.server.ServerOptions;
import dev.noodle.app.ui.vm.LocalQueue;
import dev.noodle.app.ui.vm.QueueBackend;
import dev.noodle.app.ui.vm.QueueSnapshot;
import dev.noodle.app.ui.vm.QueueViewModel;
import dev.noodle.app.ui.vm.RunController;
import dev.noodle.app.ui.vm.RunViewModel;
import dev.noodle.engine.model.DemoCheckpoint;
import dev.noodle.graph.exec.RunEvent;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.model.Workflow;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The queue panel's view-model against a real server on the demo model: it shows the paused queue in run order,
 * moves, cancels, interrupts and clears through the server's API, names the worker and what it runs, and a dead
 * server is one line. Also the editor's own runs as a queue.
 */
class QueueViewModelTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    /** The server tests' small txt2img: demo checkpoint, 64×64, {@code steps} euler steps. */
    static ObjectNode txt2img(long seed, int steps) throws Exception {
        return (ObjectNode) MAPPER.readTree("""
                {
                  "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "noodle-demo-tiny-sd15.safetensors"}},
                  "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a glass bottle", "clip": ["4", 1]}},
                  "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "text, watermark", "clip": ["4", 1]}},
                  "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}},
                  "3": {"class_type": "KSampler", "inputs": {"seed": %d, "steps": %d, "cfg": 7.0,
                        "sampler_name": "euler", "scheduler": "normal", "positive": ["6", 0], "negative": ["7", 0],
                        "latent_image": ["5", 0], "denoise": 1.0, "model": ["4", 0]}},
                  "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
                  "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "queue", "images": ["8", 0]}}
                }
                """.formatted(seed, steps));
    }

    static String submit(HttpClient http, String base, long seed, int steps) throws Exception {
        ObjectNode body = MAPPER.createObjectNode();
        body.set("prompt", txt2img(seed, steps));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/prompt"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return MAPPER.readTree(r.body()).path("prompt_id").asText();
    }

    static JsonNode get(HttpClient http, String url) throws Exception {
        return MAPPER.readTree(http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    static NoodleServer startServer(Path dir) throws Exception {
        DemoCheckpoint.ensure(dir.resolve("models/checkpoints").resolve(DemoCheckpoint.FILE_NAME));
        return NoodleServer.start(new ServerOptions(ServerOptions.LOOPBACK, 0, dir.resolve("models"),
                dir.resolve("work/output"), dir.resolve("state"), 64 << 10));
    }

    private static List<String> ids(List<QueueSnapshot.Prompt> prompts) {
        return prompts.stream().map(QueueSnapshot.Prompt::id).toList();
    }

    private static void await(QueueViewModel vm, BooleanSupplier until, String what) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (System.nanoTime() < end) {
            vm.refresh().get(10, TimeUnit.SECONDS);
            if (until.getAsBoolean()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("waited in vain for " + what + "; panel shows " + vm.headlineProperty().get()
                + " / " + vm.workers());
    }

    @Test
    void thePanelReordersCancelsInterruptsAndClearsARealServersQueue() throws Exception {
        try (NoodleServer server = startServer(dir);
                QueueViewModel vm = new QueueViewModel(new ServerQueue(URI.create(server.url() + "/")),
                        Runnable::run)) {
            String base = server.url();
            vm.pause().get(10, TimeUnit.SECONDS);
            assertTrue(vm.pausedProperty().get());
            assertTrue(get(http, base + "/noodle/queue").path("paused").asBoolean(), "the server was paused");
            String a = submit(http, base, 1, 1);
            String b = submit(http, base, 2, 1);
            String c = submit(http, base, 3, 1);
            String d = submit(http, base, 4, 1);
            vm.refresh().get(10, TimeUnit.SECONDS);
            assertEquals("", vm.problemProperty().get());
            assertEquals(List.of(a, b, c, d), ids(vm.pending()));
            assertEquals("Server at " + base + " (embedded queue) — paused, 0 running, 4 waiting",
                    vm.headlineProperty().get());
            assertEquals(a.substring(0, 8) + "\nnoodle-demo-tiny-sd15.safetensors · \u201ca glass bottle\u201d · 7 nodes",
                    QueueViewModel.line(vm.pending().get(0)));
            assertEquals(1, vm.workers().size());
            assertEquals("idle", vm.workers().get(0).state());
            assertTrue(vm.canMoveProperty().get() && vm.canPauseProperty().get());

            vm.move(d, QueueBackend.Move.TOP).get(10, TimeUnit.SECONDS);
            assertEquals(List.of(d, a, b, c), ids(vm.pending()));
            vm.move(a, QueueBackend.Move.DOWN).get(10, TimeUnit.SECONDS);
            assertEquals(List.of(d, b, a, c), ids(vm.pending()));
            vm.move(d, QueueBackend.Move.BOTTOM).get(10, TimeUnit.SECONDS);
            vm.move(d, QueueBackend.Move.UP).get(10, TimeUnit.SECONDS);
            assertEquals(List.of(b, a, d, c), ids(vm.pending()));
            vm.cancel(b).get(10, TimeUnit.SECONDS);
            assertEquals(List.of(a, d, c), ids(vm.pending()));
            vm.move(b, QueueBackend.Move.TOP).get(10, TimeUnit.SECONDS);
            assertEquals("prompt " + b.substring(0, 8) + " is no longer waiting (it started, finished or was "
                    + "cancelled)", vm.problemProperty().get());
            assertEquals(List.of(a, d, c), ids(vm.pending()), "a failed move leaves the queue as it was");

            vm.resume().get(10, TimeUnit.SECONDS);
            assertEquals("", vm.problemProperty().get(), "the next control clears the last problem");
            await(vm, () -> vm.workers().get(0).done() == 3 && vm.pending().isEmpty() && vm.running().isEmpty(),
                    "the three prompts to finish");
            List<String> order = new ArrayList<>();
            get(http, base + "/history").fieldNames().forEachRemaining(order::add);
            assertEquals(List.of(a, d, c), order, "they ran in the order the panel set; the cancelled one never ran");
            QueueSnapshot.Worker w = vm.workers().get(0);
            assertEquals(List.of(DemoCheckpoint.FILE_NAME), w.loaded());
            assertTrue(QueueViewModel.line(w).endsWith(" — idle\n3 done\nloaded: " + DemoCheckpoint.FILE_NAME),
                    QueueViewModel.line(w));

            // a long prompt: the panel names its worker, node and step, and interrupts it
            String slow = submit(http, base, 5, 2000);
            await(vm, () -> !vm.running().isEmpty() && vm.workers().get(0).value() >= 1, "the sampler to step");
            String line = vm.runningLine(vm.running().get(0));
            assertTrue(line.startsWith(slow.substring(0, 8) + " — on serve-") && line.contains(", node 3, step ")
                    && line.contains("/2000\nnoodle-demo-tiny-sd15.safetensors · "), line);
            String worker = QueueViewModel.line(vm.workers().get(0));
            assertTrue(worker.contains(" — running " + slow.substring(0, 8) + "\nnode 3, step ")
                    && worker.contains("/2000 · 3 done\nloaded: " + DemoCheckpoint.FILE_NAME), worker);
            vm.interrupt(slow).get(10, TimeUnit.SECONDS);
            await(vm, () -> vm.running().isEmpty() && vm.workers().get(0).done() == 4, "the interruption");
            JsonNode messages = get(http, base + "/history/" + slow).path(slow).path("status").path("messages");
            assertEquals("execution_interrupted", messages.get(messages.size() - 1).get(0).asText());

            // clear empties the waiting list, on the server too
            vm.pause().get(10, TimeUnit.SECONDS);
            submit(http, base, 6, 1);
            submit(http, base, 7, 1);
            vm.refresh().get(10, TimeUnit.SECONDS);
            assertEquals(2, vm.pending().size());
            vm.clear().get(10, TimeUnit.SECONDS);
            assertTrue(vm.pending().isEmpty());
            assertEquals(0, get(http, base + "/queue").path("queue_pending").size());

            // the server goes away: one line, no stale rows
            server.close();
            vm.refresh().get(20, TimeUnit.SECONDS);
            assertEquals("server at " + base + " not reachable — is `./noodle serve` running there?",
                    vm.problemProperty().get());
            assertFalse(vm.reachableProperty().get());
            assertTrue(vm.pending().isEmpty() && vm.running().isEmpty() && vm.workers().isEmpty());
            vm.pause().get(20, TimeUnit.SECONDS);
            assertEquals("server at " + base + " not reachable — is `./noodle serve` running there?",
                    vm.problemProperty().get());
        }
    }

    @Test
    void aServerThatWasNeverThereIsOneLineAndPollingStopsWhenHidden() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String url = "http://127.0.0.1:" + port;
        try (QueueViewModel vm = new QueueViewModel(new ServerQueue(URI.create(url)), Runnable::run)) {
            assertEquals("Server at " + url, vm.headlineProperty().get());
            vm.setShown(true);
            assertTrue(vm.shown());
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (vm.problemProperty().get().isEmpty() && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            assertEquals("server at " + url + " not reachable — is `./noodle serve` running there?",
                    vm.problemProperty().get());
            vm.setShown(false);
            assertFalse(vm.shown());
        }
        var q = new ServerQueue(URI.create(url));
        var e = assertThrows(QueueBackend.QueueException.class, () -> q.cancel("x"));
        assertEquals("server at " + url + " not reachable — is `./noodle serve` running there?", e.getMessage());
    }

    @Test
    void theEditorsOwnRunsAreAQueueWithOneWorkerThatCancelsAndClearsButCannotPause() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        RunViewModel run = new RunViewModel();
        try (RunController runs = new RunController((wf, options, listener, token) -> {
            listener.onEvent(new RunEvent.NodeStarted(options.runId(), "3", "KSampler"));
            listener.onEvent(new RunEvent.NodeProgress(options.runId(), "3", 4, 20, null));
            started.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new RunResult(options.runId(), token.isCancelled() ? RunResult.Status.CANCELLED
                    : RunResult.Status.SUCCESS, List.of(), Map.of(), 1, 0, null, null);
        }, wf -> List.of(), run, r -> { });
                QueueViewModel vm = new QueueViewModel(new LocalQueue(runs), Runnable::run)) {
            String first = runs.submit(Workflow.empty("first"));
            String second = runs.submit(Workflow.empty("second"));
            String third = runs.submit(Workflow.empty("third"));
            assertTrue(started.await(10, TimeUnit.SECONDS));
            vm.refresh().get(10, TimeUnit.SECONDS);
            assertEquals("This editor — running, 1 running, 2 waiting", vm.headlineProperty().get());
            assertEquals(List.of(first), ids(vm.running()));
            assertEquals(List.of(second, third), ids(vm.pending()));
            QueueSnapshot.Worker me = vm.workers().get(0);
            assertEquals("running", me.state());
            assertEquals(first, me.promptId());
            assertEquals(first + " — on editor, node 3, step 4/20\nfirst", vm.runningLine(vm.running().get(0)));
            assertFalse(vm.canPauseProperty().get() || vm.canMoveProperty().get());

            vm.cancel(third).get(10, TimeUnit.SECONDS);
            assertEquals(List.of(second), ids(vm.pending()));
            vm.move(second, QueueBackend.Move.TOP).get(10, TimeUnit.SECONDS);
            assertTrue(vm.problemProperty().get().contains("--connect"), vm.problemProperty().get());
            vm.pause().get(10, TimeUnit.SECONDS);
            assertTrue(vm.problemProperty().get().startsWith("the editor's own runs cannot be paused"));

            vm.clear().get(10, TimeUnit.SECONDS);
            assertEquals(List.of(), ids(vm.pending()), "clear takes the waiting run out");
            assertEquals(List.of(first), ids(vm.running()), "and leaves the running one");
            String fourth = runs.submit(Workflow.empty("fourth"));
            vm.refresh().get(10, TimeUnit.SECONDS);
            assertEquals(List.of(fourth), ids(vm.pending()));
            runs.cancelAll(); // Escape: the queued run leaves the list at once
            vm.refresh().get(10, TimeUnit.SECONDS);
            assertEquals(List.of(), ids(vm.pending()));

            release.countDown();
            await(vm, () -> vm.workers().get(0).done() == 1 && vm.running().isEmpty(), "the running one to end");
            assertEquals("idle", vm.workers().get(0).state());
            assertNull(vm.workers().get(0).promptId());
            assertEquals("This editor — idle, 0 running, 0 waiting", vm.headlineProperty().get());
        }
    }
}
