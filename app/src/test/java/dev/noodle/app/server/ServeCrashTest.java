package dev.noodle.app.server;

import static dev.noodle.app.server.ServerFixture.MAPPER;
import static dev.noodle.app.server.ServerFixture.get;
import static dev.noodle.app.server.ServerFixture.getJson;
import static dev.noodle.app.server.ServerFixture.postJson;
import static dev.noodle.app.server.ServerFixture.submission;
import static dev.noodle.app.server.ServerFixture.txt2img;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./noodle serve} with its embedded queue, as a separate process killed the hard way: after {@code kill -9}
 * the queued and finished prompts are all there at the next start (and the paused flag); after a plain stop
 * (SIGTERM) while a prompt runs, that prompt is queued again instead of lost as interrupted.
 */
class ServeCrashTest {
    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Process serve;
    private String base;

    @AfterEach
    void stop() throws InterruptedException {
        if (serve != null) {
            serve.destroyForcibly().waitFor();
        }
    }

    private void start() throws Exception {
        Path launcher = Path.of("..", "noodle").toAbsolutePath().normalize();
        assumeTrue(Files.isExecutable(launcher), "needs ./noodle");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path log = dir.resolve("serve-" + port + ".log");
        serve = new ProcessBuilder(launcher.toString(), "serve", "--port", Integer.toString(port), "--models",
                dir.resolve("models").toString(), "--out", dir.resolve("output").toString(), "--preview-method",
                "none").redirectErrorStream(true).redirectOutput(log.toFile()).start();
        base = "http://127.0.0.1:" + port;
        long deadline = System.nanoTime() + 180_000_000_000L; // the launcher may build first
        while (true) {
            try {
                if (get(http, base + "/system_stats").statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            assertTrue(serve.isAlive(), "noodle serve exited: " + Files.readString(log));
            assertTrue(System.nanoTime() < deadline, "noodle serve did not start: " + Files.readString(log));
            Thread.sleep(250);
        }
    }

    private String submit(long seed, int size, int steps) throws Exception {
        ObjectNode prompt = txt2img(seed, steps, "crash");
        ((ObjectNode) prompt.get("5").get("inputs")).put("width", size).put("height", size);
        var r = postJson(http, base + "/prompt", submission(prompt, "crash-test"));
        assertEquals(200, r.statusCode(), r.body());
        return MAPPER.readTree(r.body()).path("prompt_id").asText();
    }

    private JsonNode await(String what, Predicate<JsonNode> done, String path) throws Exception {
        long end = System.nanoTime() + 300_000_000_000L;
        JsonNode last = null;
        while (System.nanoTime() < end) {
            last = getJson(http, base + path);
            if (done.test(last)) {
                return last;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out waiting for " + what + ": " + last);
    }

    private static List<String> pending(JsonNode queue) {
        List<String> ids = new ArrayList<>();
        queue.path("queue_pending").forEach(t -> ids.add(t.get(1).asText()));
        return ids;
    }

    @Test
    void queuedAndFinishedPromptsSurviveKillDashNineAndAStopMidRunQueuesThePromptAgain() throws Exception {
        start();
        String p1 = submit(1, 64, 2);
        await("p1 finished", h -> h.has(p1), "/history");
        postJson(http, base + "/noodle/queue/pause", MAPPER.createObjectNode());
        String p2 = submit(2, 64, 2);
        String p3 = submit(3, 64, 2);
        assertEquals(List.of(p2, p3), pending(getJson(http, base + "/queue")));
        String historyBefore = MAPPER.writeValueAsString(getJson(http, base + "/history"));
        serve.destroyForcibly(); // kill -9: no shutdown hook runs
        serve.waitFor();

        start();
        assertEquals(List.of(p2, p3), pending(getJson(http, base + "/queue")));
        assertEquals(historyBefore, MAPPER.writeValueAsString(getJson(http, base + "/history")));
        assertTrue(getJson(http, base + "/noodle/queue").path("paused").asBoolean());
        postJson(http, base + "/noodle/queue/resume", MAPPER.createObjectNode());
        String p4 = submit(4, 256, 60);
        await("p4 running", s -> {
            for (JsonNode w : s.path("workers")) {
                if (p4.equals(w.path("prompt_id").asText(null)) && "3".equals(w.path("node").asText(null))) {
                    return true;
                }
            }
            return false;
        }, "/noodle/queue");
        JsonNode h = getJson(http, base + "/history");
        assertTrue(h.has(p2) && h.has(p3), h.toString());
        serve.destroy(); // SIGTERM mid-run
        serve.waitFor();

        start();
        assertFalse(getJson(http, base + "/history").has(p4), "a prompt stopped by a shutdown is not recorded");
        JsonNode q = getJson(http, base + "/queue");
        assertEquals(List.of(p4), pending(q).isEmpty() ? List.of(q.path("queue_running").get(0).get(1).asText())
                : pending(q), "queued again");
        JsonNode done = await("p4 finished after the restart", hist -> hist.has(p4), "/history");
        assertEquals("success", done.get(p4).path("status").path("status_str").asText());
    }
}
