package dev.noodle.app.server;

import static dev.noodle.app.server.ServerFixture.MAPPER;
import static dev.noodle.app.server.ServerFixture.getJson;
import static dev.noodle.app.server.ServerFixture.postJson;
import static dev.noodle.app.server.ServerFixture.submission;
import static dev.noodle.app.server.ServerFixture.txt2img;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.noodle.engine.model.DemoCheckpoint;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /noodle/queue} says what the queue holds and what the server's worker is doing: the prompt and node it
 * runs, the sampler's step, the checkpoints it holds and how many prompts it has done.
 */
class QueueStateServerTest {
    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    private String submit(String base, long seed, int steps) throws Exception {
        var r = postJson(http, base + "/prompt", submission(txt2img(seed, steps, "state"), "panel"));
        assertEquals(200, r.statusCode(), r.body());
        return MAPPER.readTree(r.body()).path("prompt_id").asText();
    }

    private JsonNode awaitState(String base, Predicate<JsonNode> until, String what) throws Exception {
        long end = System.nanoTime() + 180_000_000_000L;
        JsonNode last = null;
        while (System.nanoTime() < end) {
            last = getJson(http, base + "/noodle/queue");
            if (until.test(last)) {
                return last;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("waited in vain for " + what + "; last answer " + last);
    }

    private static List<String> ids(JsonNode tuples) {
        List<String> out = new ArrayList<>();
        tuples.forEach(t -> out.add(t.get(1).asText()));
        return out;
    }

    @Test
    void queueStateNamesTheRunningPromptItsNodeAndStepAndTheWorkersModelsAndCount() throws Exception {
        DemoCheckpoint.ensure(dir.resolve("models/checkpoints").resolve(DemoCheckpoint.FILE_NAME));
        try (NoodleServer server = NoodleServer.start(new ServerOptions(ServerOptions.LOOPBACK, 0,
                dir.resolve("models"), dir.resolve("work/output"), dir.resolve("state"), 64 << 10))) {
            String base = server.url();
            JsonNode idle = getJson(http, base + "/noodle/queue");
            assertEquals("embedded", idle.path("backend").asText());
            assertFalse(idle.path("paused").asBoolean());
            assertEquals(0, idle.path("queue_remaining").asInt());
            assertEquals(0, idle.path("queue_running").size());
            assertEquals(0, idle.path("queue_pending").size());
            assertEquals(1, idle.path("workers").size(), idle.toString());
            JsonNode w0 = idle.path("workers").get(0);
            assertEquals("idle", w0.path("state").asText());
            assertTrue(w0.path("prompt_id").isNull() && w0.path("node").isNull() && w0.path("progress").isNull(),
                    w0.toString());
            assertEquals(0, w0.path("done").asInt());
            assertEquals(0, w0.path("loaded").size(), "nothing loaded before the first prompt");
            assertFalse(w0.path("id").asText().isBlank());
            assertFalse(w0.path("host").asText().isBlank());

            String longOne = submit(base, 11, 2000);
            JsonNode running = awaitState(base, s -> s.path("workers").get(0).path("progress").path("value").asInt() >= 2,
                    "the sampler to report its steps");
            String second = submit(base, 12, 1);
            running = getJson(http, base + "/noodle/queue");
            JsonNode w = running.path("workers").get(0);
            assertEquals("running", w.path("state").asText(), w.toString());
            assertEquals(longOne, w.path("prompt_id").asText());
            assertEquals("3", w.path("node").asText(), "the KSampler is the node running");
            assertEquals(2000, w.path("progress").path("max").asInt());
            assertTrue(w.path("progress").path("value").asInt() >= 2);
            assertEquals(List.of(DemoCheckpoint.FILE_NAME), strings(w.path("loaded")));
            assertEquals(List.of(longOne), ids(running.path("queue_running")));
            assertEquals(List.of(second), ids(running.path("queue_pending")));
            assertEquals(2, running.path("queue_remaining").asInt());

            // interrupting the running prompt by id lets the queued one run; the worker then counts both
            assertEquals(200, postJson(http, base + "/interrupt",
                    MAPPER.createObjectNode().put("prompt_id", longOne)).statusCode());
            JsonNode after = awaitState(base, s -> s.path("workers").get(0).path("done").asInt() == 2
                    && s.path("queue_remaining").asInt() == 0, "both prompts to finish");
            JsonNode wa = after.path("workers").get(0);
            assertEquals("idle", wa.path("state").asText(), wa.toString());
            assertTrue(wa.path("prompt_id").isNull() && wa.path("node").isNull() && wa.path("progress").isNull(),
                    wa.toString());
            assertEquals(List.of(DemoCheckpoint.FILE_NAME), strings(wa.path("loaded")), "the checkpoint stays loaded");
            assertEquals(w.path("id").asText(), wa.path("id").asText());
            assertEquals(0, after.path("queue_running").size());
            assertEquals(0, after.path("queue_pending").size());
            assertTrue(getJson(http, base + "/history/" + second).path(second).path("status").path("completed")
                    .asBoolean());

            // /free unloads the checkpoint between prompts, and the worker says so
            postJson(http, base + "/free", MAPPER.createObjectNode().put("unload_models", true));
            awaitState(base, s -> s.path("workers").get(0).path("loaded").isEmpty(), "the checkpoint to be unloaded");
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
