package dev.noodle.app.server;

import static dev.noodle.app.server.ServerFixture.MAPPER;
import static dev.noodle.app.server.ServerFixture.getJson;
import static dev.noodle.app.server.ServerFixture.postJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.app.ui.ServerQueue;
import dev.noodle.app.ui.vm.QueueBackend;
import dev.noodle.app.ui.vm.QueueSnapshot;
import dev.noodle.app.ui.vm.QueueViewModel;
import dev.noodle.engine.model.DemoCheckpoint;
import dev.noodle.nodes.host.LatentPreviews;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The editor's queue panel on a coordinator ({@code serve --broker}) with one {@code noodle worker} process on a real
 * nats-server: it names the broker and the worker, and its pause, move, cancel and resume steer the shared queue.
 */
class BrokerQueuePanelTest {
    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();
    private NatsServer nats;
    private NoodleServer coordinator;
    private Process worker;

    @AfterEach
    void stopAll() throws Exception {
        if (worker != null) {
            worker.destroy();
            if (!worker.waitFor(20, TimeUnit.SECONDS)) {
                worker.destroyForcibly().waitFor();
            }
        }
        if (coordinator != null) {
            coordinator.close();
        }
        if (nats != null) {
            nats.close();
        }
    }

    private String submit(long seed) throws Exception {
        var r = postJson(http, coordinator.url() + "/prompt",
                ServerFixture.submission(ServerFixture.txt2img(seed, 1, "panel"), "panel"));
        assertEquals(200, r.statusCode(), r.body());
        return MAPPER.readTree(r.body()).path("prompt_id").asText();
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("w1.log"));
        } catch (java.io.IOException e) {
            return "(no worker log)";
        }
    }

    private void await(QueueViewModel vm, BooleanSupplier until, String what) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (System.nanoTime() < end) {
            vm.refresh().get(20, TimeUnit.SECONDS);
            if (until.getAsBoolean()) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("waited in vain for " + what + "; panel: " + vm.headlineProperty().get() + " / "
                + vm.problemProperty().get() + " / " + vm.workers() + "\n" + log());
    }

    private static List<String> ids(List<QueueSnapshot.Prompt> prompts) {
        return prompts.stream().map(QueueSnapshot.Prompt::id).toList();
    }

    @Test
    void thePanelShowsTheBrokerAndItsWorkerAndSteersTheSharedQueue() throws Exception {
        nats = NatsServer.start(dir.resolve("nats"));
        DemoCheckpoint.ensure(dir.resolve("models-c/checkpoints").resolve(DemoCheckpoint.FILE_NAME));
        Files.createDirectories(dir.resolve("models-w/checkpoints"));
        Files.copy(dir.resolve("models-c/checkpoints").resolve(DemoCheckpoint.FILE_NAME),
                dir.resolve("models-w/checkpoints").resolve(DemoCheckpoint.FILE_NAME));
        coordinator = NoodleServer.start(new ServerOptions(ServerOptions.LOOPBACK, 0, dir.resolve("models-c"),
                dir.resolve("c/output"), dir.resolve("c/state"), 64L << 20), LatentPreviews.Method.NONE,
                new BrokerOptions(nats.url(), false, 3, 5_000));
        String java = ProcessHandle.current().info().command().orElse("java");
        worker = new ProcessBuilder(java, "-Xmx1g", "-Xss8m", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "dev.noodle.app.Main", "worker", "--broker", nats.url(),
                "--models", dir.resolve("models-w").toString(), "--out", dir.resolve("w1/output").toString(),
                "--name", "w1", "--preview-method", "none").redirectErrorStream(true)
                .redirectOutput(dir.resolve("w1.log").toFile()).start();

        try (QueueViewModel vm = new QueueViewModel(new ServerQueue(URI.create(coordinator.url())), Runnable::run)) {
            await(vm, () -> vm.workers().stream().anyMatch(w -> w.id().equals("w1")), "the worker to join");
            assertTrue(vm.headlineProperty().get().startsWith("Server at " + coordinator.url() + " (" + nats.url()
                    + " queue) — "), vm.headlineProperty().get());

            vm.pause().get(20, TimeUnit.SECONDS);
            assertTrue(getJson(http, coordinator.url() + "/noodle/queue").path("paused").asBoolean());
            String a = submit(1);
            String b = submit(2);
            String c = submit(3);
            await(vm, () -> vm.pending().size() == 3, "three prompts waiting");
            assertEquals(List.of(a, b, c), ids(vm.pending()));
            vm.move(c, QueueBackend.Move.TOP).get(20, TimeUnit.SECONDS);
            assertEquals(List.of(c, a, b), ids(vm.pending()));
            vm.cancel(a).get(20, TimeUnit.SECONDS);
            assertEquals(List.of(c, b), ids(vm.pending()));
            assertEquals("", vm.problemProperty().get());

            vm.resume().get(20, TimeUnit.SECONDS);
            await(vm, () -> vm.pending().isEmpty() && vm.running().isEmpty()
                    && vm.workers().stream().anyMatch(w -> w.id().equals("w1") && w.done() == 2), "both to run");
            List<String> order = new ArrayList<>();
            getJson(http, coordinator.url() + "/history").fieldNames().forEachRemaining(order::add);
            assertEquals(List.of(c, b), order, "run in the order the panel set; the cancelled one never ran");
            QueueSnapshot.Worker w1 = vm.workers().stream().filter(w -> w.id().equals("w1")).findFirst().orElseThrow();
            assertEquals("idle", w1.state());
            String line = QueueViewModel.line(w1);
            assertTrue(line.startsWith("w1 @ ") && line.contains(" — idle\n2 done"), line);
        }
    }
}
