package dev.noodle.app.server;

import static dev.noodle.app.server.ServerFixture.MAPPER;
import static dev.noodle.app.server.ServerFixture.getJson;
import static dev.noodle.app.server.ServerFixture.postJson;
import static dev.noodle.app.server.ServerFixture.submission;
import static dev.noodle.app.server.ServerFixture.txt2img;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noodle.engine.model.DemoCheckpoint;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Load (issue 7, "soak and load"): 20 client threads queue 500 prompts in total against one server on a free
 * loopback port while some of them delete their queued prompts ({@code POST /queue {"delete": [...]}}) and others
 * {@code POST /interrupt}. Every accepted prompt id must end in {@code /history} exactly once as success, error or
 * interrupted, or have been deleted by the test while still queued; none lost, none duplicated, and the server still
 * answers afterwards.
 *
 * <p>To fit about a minute on two loaded cores the prompts are as cheap as the demo checkpoint allows (64×64, one
 * euler step) and use only {@value #SEEDS} different seeds, so most of the 500 are repeats served from the executor's
 * cache (they still pass through the queue, the worker, the reporter and the history like any other). Every
 * 25th is invalid (steps 0, refused with 400 and never queued) and every 50th names a damaged checkpoint, so it is
 * accepted and fails at run time.
 */
class ServerLoadTest {
    static final int CLIENTS = 20;
    static final int PER_CLIENT = 25;
    static final int SEEDS = 24;

    @TempDir
    Path dir;

    record Outcome(List<String> accepted, List<String> deleted, int refused) {}

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void twentyClientsFiveHundredPromptsNoneLost() throws Exception {
        DemoCheckpoint.ensure(dir.resolve("models/checkpoints").resolve(DemoCheckpoint.FILE_NAME));
        Files.write(dir.resolve("models/checkpoints/damaged.safetensors"), new byte[] {8, 0, 0, 0, 0, 0, 0, 0, '{'});
        long t0 = System.nanoTime();
        try (NoodleServer server = NoodleServer.start(new ServerOptions(ServerOptions.LOOPBACK, 0,
                dir.resolve("models"), dir.resolve("work/output"), null, 64 << 10))) {
            String base = server.url();
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
            List<Future<Outcome>> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                clients.add(pool.submit(() -> client(http, base, client)));
            }
            List<String> accepted = new ArrayList<>();
            Set<String> deleted = new HashSet<>();
            int refused = 0;
            for (Future<Outcome> f : clients) {
                Outcome o = f.get(180, TimeUnit.SECONDS);
                accepted.addAll(o.accepted());
                deleted.addAll(o.deleted());
                refused += o.refused();
            }
            pool.shutdown();
            assertEquals(accepted.size(), new HashSet<>(accepted).size(), "a prompt id was handed out twice");
            assertEquals(CLIENTS * PER_CLIENT, accepted.size() + refused);

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
            while (getJson(http, base + "/prompt").path("exec_info").path("queue_remaining").asInt() > 0) {
                assertTrue(System.nanoTime() < deadline, "the queue did not drain");
                Thread.sleep(200);
            }
            JsonNode history = getJson(http, base + "/history");
            JsonNode queue = getJson(http, base + "/queue");
            assertEquals(0, queue.path("queue_pending").size() + queue.path("queue_running").size(), queue.toString());
            int success = 0;
            int error = 0;
            int interrupted = 0;
            int removed = 0;
            List<String> lost = new ArrayList<>();
            for (String id : accepted) {
                JsonNode entry = history.path(id);
                if (entry.isMissingNode()) {
                    if (deleted.contains(id)) {
                        removed++;
                    } else {
                        lost.add(id);
                    }
                    continue;
                }
                JsonNode status = entry.path("status");
                if (status.path("status_str").asText().equals("success")) {
                    assertTrue(status.path("completed").asBoolean(), id);
                    success++;
                } else if (status.path("messages").toString().contains("execution_interrupted")) {
                    interrupted++;
                } else {
                    assertTrue(status.path("messages").toString().contains("execution_error"), entry.toString());
                    error++;
                }
            }
            assertEquals(List.of(), lost, "accepted prompts missing from history and not deleted");
            Set<String> ours = new HashSet<>(accepted);
            history.fieldNames().forEachRemaining(id -> assertTrue(ours.contains(id), "unknown history entry " + id));
            assertEquals(accepted.size(), success + error + interrupted + removed);
            assertTrue(success > 0, "some prompts succeed");
            assertEquals(200, ServerFixture.get(http, base + "/system_stats").statusCode());
            System.out.printf("server load: %d prompts (%d accepted, %d refused), %d success, %d error,"
                    + " %d interrupted, %d deleted from the queue, %.1f s wall%n", CLIENTS * PER_CLIENT,
                    accepted.size(), refused, success, error, interrupted, removed,
                    (System.nanoTime() - t0) / 1e9);
        }
    }

    /** One client: queues its prompts; clients 1, 6, 11, 16 delete some, clients 2, 9, 16 interrupt now and then. */
    private static Outcome client(HttpClient http, String base, int client) throws Exception {
        List<String> accepted = new ArrayList<>();
        List<String> deleted = new ArrayList<>();
        int refused = 0;
        String clientId = "load-" + client;
        for (int i = 0; i < PER_CLIENT; i++) {
            int k = client * PER_CLIENT + i;
            ObjectNode prompt = txt2img(k % SEEDS, 1, "load");
            if (k % 25 == 3) {
                ((ObjectNode) prompt.path("3").path("inputs")).put("steps", 0);
            } else if (k % 50 == 7) {
                ((ObjectNode) prompt.path("4").path("inputs")).put("ckpt_name", "damaged.safetensors");
            }
            HttpResponse<String> r = postJson(http, base + "/prompt", submission(prompt, clientId));
            if (k % 25 == 3 || (k % 50 == 7 && r.statusCode() == 400)) {
                assertEquals(400, r.statusCode(), r.body()); // a damaged checkpoint may be refused up front too
                refused++;
                continue;
            }
            assertEquals(200, r.statusCode(), r.body());
            String id = MAPPER.readTree(r.body()).path("prompt_id").asText();
            assertTrue(!id.isEmpty(), r.body());
            accepted.add(id);
            if (client % 5 == 1 && i % 4 == 2) {
                ObjectNode body = MAPPER.createObjectNode();
                body.putArray("delete").add(id);
                assertEquals(200, postJson(http, base + "/queue", body).statusCode());
                deleted.add(id);
            }
            if (client % 7 == 2 && i % 6 == 5) {
                assertEquals(200, postJson(http, base + "/interrupt", MAPPER.createObjectNode()).statusCode());
            }
        }
        return new Outcome(Collections.unmodifiableList(accepted), deleted, refused);
    }
}
