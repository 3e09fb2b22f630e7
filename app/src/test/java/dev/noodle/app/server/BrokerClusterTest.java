package dev.noodle.app.server;

import static dev.noodle.app.server.ServerFixture.MAPPER;
import static dev.noodle.app.server.ServerFixture.get;
import static dev.noodle.app.server.ServerFixture.getJson;
import static dev.noodle.app.server.ServerFixture.postJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noodle.engine.model.DemoCheckpoint;
import dev.noodle.nodes.host.LatentPreviews;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.RandomAccessFile;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The many-machines set-up on one machine: a real {@code nats-server}, a coordinator ({@code serve --broker}) and
 * three {@code noodle worker} processes, driven only through ComfyUI's API. Checks priority order, cancel and
 * interrupt; 20 prompts plus a long one whose worker is killed with SIGKILL mid-run, every prompt ending in the
 * history once with its image (fetched from the coordinator's {@code /view}); model affinity (a checkpoint only one
 * worker holds runs there; a differently named copy is found by hash; prompts go to the worker that has the
 * checkpoint loaded; a checkpoint the coordinator itself lacks is accepted because a worker holds it); and a
 * coordinator restart and a broker restart losing nothing.
 */
class BrokerClusterTest {
    private static final String A = DemoCheckpoint.FILE_NAME;
    private static final String B = "other.safetensors";

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();
    private final Map<String, Process> workers = new LinkedHashMap<>();
    private NatsServer nats;
    private NoodleServer coordinator;

    @AfterEach
    void stopAll() throws Exception {
        for (Process p : workers.values()) {
            p.destroy();
        }
        for (Process p : workers.values()) {
            if (!p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
        }
        if (coordinator != null) {
            coordinator.close();
        }
        if (nats != null) {
            nats.close();
        }
    }

    private Path checkpoint(String folder, String name, Path source) throws Exception {
        Path p = dir.resolve(folder).resolve("checkpoints").resolve(name);
        Files.createDirectories(p.getParent());
        Files.copy(source, p);
        return p;
    }

    private NoodleServer startCoordinator() {
        return NoodleServer.start(new ServerOptions(ServerOptions.LOOPBACK, 0, dir.resolve("models-c"),
                dir.resolve("c/output"), dir.resolve("c/state"), 64L << 20), LatentPreviews.Method.NONE,
                new BrokerOptions(nats.url(), false, 3, 5_000));
    }

    private void startWorker(String name, String models) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Files.createDirectories(dir.resolve(name));
        Process p = new ProcessBuilder(java, "-Xmx1g", "-Xss8m", "--enable-native-access=ALL-UNNAMED",
                "-Dnoodle.broker.leaseMs=4000", "-cp", System.getProperty("java.class.path"),
                "dev.noodle.app.Main", "worker", "--broker", nats.url(), "--models", dir.resolve(models).toString(),
                "--out", dir.resolve(name + "/output").toString(), "--name", name, "--affinity-wait", "5",
                "--preview-method", "none").redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile()).start();
        workers.put(name, p);
    }

    private String base() {
        return coordinator.url();
    }

    private String submit(String ckpt, int size, int steps, long seed, String prefix) throws Exception {
        ObjectNode prompt = ServerFixture.txt2img(seed, steps, prefix);
        ((ObjectNode) prompt.get("4").get("inputs")).put("ckpt_name", ckpt);
        ((ObjectNode) prompt.get("5").get("inputs")).put("width", size).put("height", size);
        var r = postJson(http, base() + "/prompt", ServerFixture.submission(prompt, "cluster-test"));
        assertEquals(200, r.statusCode(), r.body());
        return MAPPER.readTree(r.body()).path("prompt_id").asText();
    }

    private JsonNode queueState() throws Exception {
        return getJson(http, base() + "/noodle/queue");
    }

    private JsonNode await(String what, Predicate<JsonNode> done, java.util.concurrent.Callable<JsonNode> read,
            long seconds) throws Exception {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        JsonNode last = null;
        while (System.nanoTime() < end) {
            try {
                last = read.call();
                if (done.test(last)) {
                    return last;
                }
            } catch (java.io.IOException e) {
                // the coordinator is restarting
            }
            Thread.sleep(200);
        }
        throw new AssertionError("timed out waiting for " + what + "; last: " + last + "\n" + logs());
    }

    private String logs() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (String w : workers.keySet()) {
            Path log = dir.resolve(w + ".log");
            if (Files.exists(log)) {
                String text = Files.readString(log);
                sb.append("--- ").append(w).append(":\n").append(text, Math.max(0, text.length() - 3000),
                        text.length());
            }
        }
        return sb.toString();
    }

    private JsonNode history() throws Exception {
        return getJson(http, base() + "/history");
    }

    private JsonNode awaitHistory(Set<String> ids, long seconds) throws Exception {
        return await("history of " + ids, h -> ids.stream().allMatch(h::has), this::history, seconds);
    }

    private static List<String> pending(JsonNode queue) {
        List<String> ids = new ArrayList<>();
        queue.path("queue_pending").forEach(t -> ids.add(t.get(1).asText()));
        return ids;
    }

    private static long started(JsonNode entry) {
        for (JsonNode m : entry.path("status").path("messages")) {
            if (m.get(0).asText().equals("execution_start")) {
                return m.get(1).path("timestamp").asLong();
            }
        }
        throw new AssertionError("no execution_start in " + entry);
    }

    private static boolean hasMessage(JsonNode entry, String type) {
        for (JsonNode m : entry.path("status").path("messages")) {
            if (m.get(0).asText().equals(type)) {
                return true;
            }
        }
        return false;
    }

    /** The image a finished prompt saved, fetched through the coordinator. */
    private BufferedImage image(JsonNode entry) throws Exception {
        JsonNode images = entry.path("outputs").path("9").path("images");
        assertEquals(1, images.size(), entry.toString());
        JsonNode f = images.get(0);
        var r = get(http, base() + "/view?filename=" + java.net.URLEncoder.encode(f.path("filename").asText(),
                java.nio.charset.StandardCharsets.UTF_8) + "&type=output&subfolder=" + java.net.URLEncoder.encode(
                f.path("subfolder").asText(), java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(200, r.statusCode(), "GET /view of " + f);
        return ImageIO.read(new ByteArrayInputStream(r.body()));
    }

    private String runningOn(String promptId) throws Exception {
        for (JsonNode w : queueState().path("workers")) {
            if (promptId.equals(w.path("prompt_id").asText(null))) {
                return w.path("id").asText();
            }
        }
        return null;
    }

    private boolean runningWithProgress(JsonNode state, String promptId) {
        for (JsonNode w : state.path("workers")) {
            if (promptId.equals(w.path("prompt_id").asText(null)) && w.path("progress").path("value").asInt() >= 1) {
                return true;
            }
        }
        return false;
    }

    @Test
    @Timeout(900)
    void threeWorkersShareOneQueueSurviveAKilledWorkerAndRestartsAndPreferTheirLoadedModels() throws Exception {
        nats = NatsServer.start(dir);
        Path demo = dir.resolve("demo.safetensors");
        DemoCheckpoint.ensure(demo);
        Path other = dir.resolve("other-weights.safetensors");
        Files.copy(demo, other);
        try (RandomAccessFile f = new RandomAccessFile(other.toFile(), "rw")) {
            long at = f.length() - 4; // the lowest mantissa byte of the last weight: another file, a valid model
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 1);
        }
        checkpoint("models-c", A, demo);
        // the coordinator lacks B: it accepts prompts for it because a worker holds it, and names it by w3's hash
        checkpoint("models-w1", A, demo);
        checkpoint("models-w2", "renamed-copy.safetensors", demo); // the same file under another name
        checkpoint("models-w3", B, other);
        coordinator = startCoordinator();
        startWorker("w1", "models-w1");
        startWorker("w2", "models-w2");
        startWorker("w3", "models-w3");
        await("three workers with their models hashed", s -> {
            int ready = 0;
            for (JsonNode w : s.path("workers")) {
                if (w.path("files").asInt() > 0 && w.path("hashed").asInt() == w.path("files").asInt()) {
                    ready++;
                }
            }
            return ready == 3;
        }, this::queueState, 300);

        // ---- priority, move, cancel, interrupt
        assertEquals(200, postJson(http, base() + "/noodle/queue/pause", MAPPER.createObjectNode()).statusCode());
        String longOne = submit(A, 256, 40, 1, "long");
        String p1 = submit(A, 64, 3, 11, "p1");
        String p2 = submit(A, 64, 3, 12, "p2");
        String p3 = submit(A, 64, 3, 13, "p3");
        String p4 = submit(A, 64, 3, 14, "p4");
        String p5 = submit(A, 64, 3, 15, "p5");
        assertEquals(200, postJson(http, base() + "/noodle/queue/" + p5 + "/move",
                MAPPER.createObjectNode().put("direction", "top")).statusCode());
        assertEquals(200, postJson(http, base() + "/queue", MAPPER.createObjectNode().set("delete",
                MAPPER.createArrayNode().add(p2))).statusCode());
        assertEquals(List.of(p5, longOne, p1, p3, p4), pending(getJson(http, base() + "/queue")));
        assertEquals(200, postJson(http, base() + "/noodle/queue/resume", MAPPER.createObjectNode()).statusCode());
        await("the long prompt running", s -> runningWithProgress(s, longOne), this::queueState, 300);
        assertEquals(200, postJson(http, base() + "/interrupt", MAPPER.createObjectNode().put("prompt_id", longOne))
                .statusCode());
        JsonNode h = awaitHistory(Set.of(longOne, p1, p3, p4, p5), 300);
        assertFalse(h.has(p2), "a cancelled prompt never runs");
        assertTrue(hasMessage(h.get(longOne), "execution_interrupted"), h.get(longOne).toString());
        for (String p : List.of(p1, p3, p4)) {
            assertTrue(started(h.get(p5)) <= started(h.get(p)), "the prompt moved to the top starts first");
            assertEquals("success", h.get(p).path("status").path("status_str").asText());
        }

        // ---- 20 prompts and a worker killed mid-run
        String killed = submit(A, 256, 40, 2, "killed");
        List<String> twenty = new ArrayList<>();
        Map<String, String> model = new LinkedHashMap<>();
        for (int i = 0; i < 20; i++) {
            String ckpt = i % 3 == 2 ? B : A;
            String id = submit(ckpt, 64, 3, 100 + i, "p" + i);
            twenty.add(id);
            model.put(id, ckpt);
        }
        await("the long prompt running", s -> runningWithProgress(s, killed), this::queueState, 300);
        String victim = runningOn(killed);
        workers.get(victim).destroyForcibly(); // SIGKILL: no shutdown hook, no hand-back
        workers.get(victim).waitFor();
        Set<String> all = new java.util.HashSet<>(twenty);
        all.add(killed);
        h = awaitHistory(all, 600);
        JsonNode k = h.get(killed);
        assertEquals("success", k.path("status").path("status_str").asText(), k.toString());
        assertEquals(2, k.path("noodle").path("attempt").asInt(), k.path("noodle").toString());
        assertTrue(k.path("noodle").path("earlier_deliveries").get(0).asText().contains("worker " + victim),
                k.path("noodle").toString());
        assertFalse(victim.equals(k.path("noodle").path("worker").asText()));
        assertEquals(256, image(k).getWidth());
        int loadedHits = 0;
        int onRenamedCopy = 0;
        Set<String> files = new java.util.HashSet<>();
        for (String id : twenty) {
            JsonNode e = h.get(id);
            assertEquals("success", e.path("status").path("status_str").asText(), e.toString());
            BufferedImage img = image(e);
            assertEquals(64, img.getWidth());
            // the coordinator serves exactly the file the worker wrote for this prompt (workers number their files
            // in their own folders, so the names must not clash on the way)
            JsonNode f = e.path("outputs").path("9").path("images").get(0);
            assertTrue(files.add(f.path("subfolder").asText() + "/" + f.path("filename").asText()), f.toString());
            String ranOn = e.path("noodle").path("worker").asText();
            String sub = f.path("subfolder").asText();
            assertTrue(sub.equals(ranOn) || sub.startsWith(ranOn + "/"), f.toString());
            Path written = dir.resolve(ranOn + "/output").resolve(sub.substring(ranOn.length()).replaceFirst("^/", ""))
                    .resolve(f.path("filename").asText());
            var served = get(http, base() + "/view?filename=" + f.path("filename").asText() + "&type=output&subfolder="
                    + java.net.URLEncoder.encode(sub, java.nio.charset.StandardCharsets.UTF_8));
            assertTrue(java.util.Arrays.equals(Files.readAllBytes(written), served.body()),
                    "the image of " + id + " is the one " + ranOn + " wrote");
            String worker = e.path("noodle").path("worker").asText();
            if (model.get(id).equals(B)) {
                assertEquals("w3", worker, "only w3 holds " + B);
            } else {
                assertFalse("w3".equals(worker), "w3 does not hold " + A);
                onRenamedCopy += "w2".equals(worker) ? 1 : 0;
            }
            loadedHits += "loaded".equals(e.path("noodle").path("affinity").asText()) ? 1 : 0;
        }
        for (String id : List.of(p1, p3, p4, p5)) {
            onRenamedCopy += "w2".equals(h.get(id).path("noodle").path("worker").asText()) ? 1 : 0;
        }
        System.out.println("broker cluster: " + loadedHits + " of 20 prompts ran where their checkpoint was loaded; "
                + onRenamedCopy + " ran on w2's renamed copy; killed " + victim);
        assertTrue(onRenamedCopy > 0 || victim.equals("w2"), "a renamed copy is found by hash");
        assertTrue(loadedHits >= 10, loadedHits + " affinity hits of 20");

        // ---- a coordinator restart and a broker restart lose nothing
        postJson(http, base() + "/noodle/queue/pause", MAPPER.createObjectNode());
        String q1 = submit(A, 64, 3, 201, "q1");
        String q2 = submit(B, 64, 3, 202, "q2");
        await("both queued", q -> pending(q).equals(List.of(q1, q2)), () -> getJson(http, base() + "/queue"), 30);
        String queueBefore = MAPPER.writeValueAsString(getJson(http, base() + "/queue"));
        String historyBefore = MAPPER.writeValueAsString(history());
        coordinator.close();
        coordinator = startCoordinator();
        assertEquals(queueBefore, MAPPER.writeValueAsString(getJson(http, base() + "/queue")));
        assertEquals(historyBefore, MAPPER.writeValueAsString(history()));
        nats.restart();
        await("the queue after the broker restart", q -> pending(q).equals(List.of(q1, q2)),
                () -> getJson(http, base() + "/queue"), 60);
        await("the history after the broker restart", hist -> {
            try {
                return MAPPER.writeValueAsString(hist).equals(historyBefore);
            } catch (java.io.IOException e) {
                return false;
            }
        }, this::history, 60);
        await("resumed", s -> {
            if (s.path("paused").asBoolean()) {
                try {
                    postJson(http, base() + "/noodle/queue/resume", MAPPER.createObjectNode());
                } catch (Exception e) {
                    return false;
                }
                return false;
            }
            return true;
        }, this::queueState, 60);
        h = awaitHistory(Set.of(q1, q2), 300);
        assertEquals("success", h.get(q1).path("status").path("status_str").asText());
        assertEquals("w3", h.get(q2).path("noodle").path("worker").asText());
    }
}
