package dev.noodle.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.noodle.app.ui.vm.QueueBackend;
import dev.noodle.app.ui.vm.QueueSnapshot;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The queue panel's client against servers that answer oddly: garbage, errors, hostile JSON and a ComfyUI server
 * without Noodle's calls. Each is one line naming the server, or the parts that make sense.
 */
class ServerQueueTest {
    private HttpServer server;
    private final Map<String, Object[]> answers = new ConcurrentHashMap<>(); // path -> {status, body}
    private String url;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            Object[] a = answers.getOrDefault(ex.getRequestMethod() + " " + ex.getRequestURI().getPath(),
                    new Object[] {404, "Not Found"});
            byte[] body = ((String) a[1]).getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders((Integer) a[0], body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                ex.getResponseBody().write(body);
            }
            ex.close();
        });
        server.start();
        url = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private QueueBackend.QueueException failure(String body, int status) {
        answers.put("GET /noodle/queue", new Object[] {status, body});
        return assertThrows(QueueBackend.QueueException.class, () -> new ServerQueue(URI.create(url)).snapshot());
    }

    @Test
    void garbageAndErrorsAreOneLineNamingTheServer() {
        assertEquals("server at " + url + " sent no queue for GET /noodle/queue (not JSON: Unrecognized token "
                + "'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false'))",
                failure("not json", 200).getMessage());
        assertEquals("server at " + url + " sent no queue for GET /noodle/queue (not a JSON object)",
                failure("[1, 2]", 200).getMessage());
        assertEquals("server at " + url + " answered HTTP 500 to GET /noodle/queue (boom)",
                failure("boom\nat some.Frame", 500).getMessage());
        String e = failure("x".repeat(1000), 503).getMessage();
        assertTrue(e.length() < 260 && e.endsWith("…)"), e);
    }

    @Test
    void hostileJsonKeepsWhatMakesSense() throws Exception {
        answers.put("GET /noodle/queue", new Object[] {200, """
                {"backend": 7, "paused": "yes", "workers": [1, "w", {"id": 5, "loaded": "a", "progress": 7,
                 "state": "running", "prompt_id": {"x": 1}, "done": "many"}],
                 "queue_running": "none",
                 "queue_pending": [[1], "x", [2, {"a": 1}], [3, "id3", "not a prompt"], [4.5, "id4", {"1":
                   {"class_type": "CLIPTextEncode", "inputs": {"text": "  a   very long prompt that goes on and on and on "}}}]]}
                """});
        QueueSnapshot s = new ServerQueue(URI.create(url)).snapshot();
        assertEquals("7", s.backend());
        assertFalse(s.paused());
        assertTrue(s.running().isEmpty());
        assertEquals(List.of(new QueueSnapshot.Prompt("id3", "3", ""),
                new QueueSnapshot.Prompt("id4", "4.5", "\u201ca very long prompt that goes on and on a\u2026\u201d · 1 node")),
                s.pending());
        assertEquals(1, s.workers().size());
        QueueSnapshot.Worker w = s.workers().get(0);
        assertEquals("5", w.id());
        assertEquals(null, w.promptId());
        assertEquals(-1, w.max());
        assertEquals(List.of(), w.loaded());
        assertEquals(0, w.done());
    }

    @Test
    void aComfyUiServerShowsItsQueueWithoutPauseMovesOrWorkers() throws Exception {
        answers.put("GET /queue", new Object[] {200, """
                {"queue_running": [[0, "r1", {}, {}, []]], "queue_pending": [[1, "p1", {}, {}, []]]}
                """});
        ServerQueue q = new ServerQueue(URI.create(url + "/"));
        QueueSnapshot s = q.snapshot();
        assertEquals("ComfyUI", s.backend());
        assertFalse(s.canPause() || s.canMove());
        assertEquals("r1", s.running().get(0).id());
        assertEquals("p1", s.pending().get(0).id());
        assertTrue(s.workers().isEmpty());

        var moved = assertThrows(QueueBackend.QueueException.class, () -> q.move("p1", QueueBackend.Move.UP));
        assertEquals("prompt p1 is no longer waiting (it started, finished or was cancelled)", moved.getMessage());
        answers.put("POST /interrupt", new Object[] {500, "Internal Server Error"});
        var stopped = assertThrows(QueueBackend.QueueException.class, () -> q.interrupt("r1"));
        assertEquals("server at " + url + " could not interrupt prompt r1: HTTP 500 (Internal Server Error)",
                stopped.getMessage());
        answers.put("POST /queue", new Object[] {200, ""});
        q.cancel("p1");
        q.clear();
    }
}
