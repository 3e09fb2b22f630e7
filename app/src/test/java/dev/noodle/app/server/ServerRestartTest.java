package dev.noodle.app.server;

import static dev.noodle.app.server.ServerFixture.MAPPER;
import static dev.noodle.app.server.ServerFixture.getJson;
import static dev.noodle.app.server.ServerFixture.postJson;
import static dev.noodle.app.server.ServerFixture.submission;
import static dev.noodle.app.server.ServerFixture.txt2img;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A server restarted on the same folders answers {@code /queue} and {@code /history} as before it stopped. */
class ServerRestartTest {
    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    private NoodleServer start() {
        return NoodleServer.start(new ServerOptions(ServerOptions.LOOPBACK, 0, dir.resolve("models"),
                dir.resolve("work/output"), dir.resolve("state"), 64 << 10));
    }

    private String submit(String base, long seed) throws Exception {
        var r = postJson(http, base + "/prompt", submission(txt2img(seed, 1, "restart"), "client"));
        assertEquals(200, r.statusCode(), r.body());
        return MAPPER.readTree(r.body()).path("prompt_id").asText();
    }

    private JsonNode awaitHistory(String base, String id) throws Exception {
        long end = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < end) {
            JsonNode h = getJson(http, base + "/history/" + id);
            if (h.has(id)) {
                return h.get(id);
            }
            Thread.sleep(100);
        }
        throw new AssertionError("prompt " + id + " did not finish");
    }

    private List<String> pending(String base) throws Exception {
        List<String> ids = new ArrayList<>();
        getJson(http, base + "/queue").path("queue_pending").forEach(t -> ids.add(t.get(1).asText()));
        return ids;
    }

    @Test
    void queueHistoryAndPauseSurviveARestartAndQueueControlWorksOverHttp() throws Exception {
        dev.noodle.engine.model.DemoCheckpoint.ensure(dir.resolve("models/checkpoints")
                .resolve(dev.noodle.engine.model.DemoCheckpoint.FILE_NAME));
        String first;
        String second;
        String third;
        String queueBefore;
        String historyBefore;
        try (NoodleServer server = start()) {
            String base = server.url();
            first = submit(base, 1);
            assertEquals("success", awaitHistory(base, first).path("status").path("status_str").asText());
            var paused = postJson(http, base + "/noodle/queue/pause", MAPPER.createObjectNode());
            assertEquals(200, paused.statusCode());
            assertTrue(MAPPER.readTree(paused.body()).path("paused").asBoolean());
            second = submit(base, 2);
            third = submit(base, 3);
            assertEquals(List.of(second, third), pending(base));
            var moved = postJson(http, base + "/noodle/queue/" + third + "/move",
                    MAPPER.createObjectNode().put("direction", "up"));
            assertEquals(200, moved.statusCode(), moved.body());
            assertEquals(List.of(third, second), pending(base));
            assertEquals(404, postJson(http, base + "/noodle/queue/" + first + "/move",
                    MAPPER.createObjectNode().put("direction", "up")).statusCode());
            assertEquals(400, postJson(http, base + "/noodle/queue/" + second + "/move",
                    MAPPER.createObjectNode().put("direction", "sideways")).statusCode());
            queueBefore = MAPPER.writeValueAsString(getJson(http, base + "/queue"));
            historyBefore = MAPPER.writeValueAsString(getJson(http, base + "/history"));
        }
        try (NoodleServer server = start()) {
            String base = server.url();
            assertEquals(queueBefore, MAPPER.writeValueAsString(getJson(http, base + "/queue")));
            assertEquals(historyBefore, MAPPER.writeValueAsString(getJson(http, base + "/history")));
            assertTrue(getJson(http, base + "/noodle/queue").path("paused").asBoolean());
            assertEquals(2, getJson(http, base + "/prompt").path("exec_info").path("queue_remaining").asInt());
            postJson(http, base + "/queue", MAPPER.createObjectNode().set("delete",
                    MAPPER.createArrayNode().add(second)));
            postJson(http, base + "/noodle/queue/resume", MAPPER.createObjectNode());
            assertEquals("success", awaitHistory(base, third).path("status").path("status_str").asText());
            List<String> order = new ArrayList<>();
            getJson(http, base + "/history").fieldNames().forEachRemaining(order::add);
            assertEquals(List.of(first, third), order);
        }
    }
}
