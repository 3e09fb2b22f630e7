package dev.noodle.app.ui;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noodle.app.ui.vm.QueueBackend;
import dev.noodle.app.ui.vm.QueueSnapshot;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The queue of the server the editor is connected to ({@code --connect URL}): reads {@code GET /noodle/queue}
 * (a ComfyUI server, which lacks it, through {@code GET /queue}, without pause, reordering or workers) and steers it
 * with {@code /noodle/queue/pause|resume}, {@code /noodle/queue/{id}/move}, {@code POST /queue} (delete, clear) and
 * {@code POST /interrupt}. Every failure is one line naming the server. Thread-safe.
 */
public final class ServerQueue implements QueueBackend {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final String base;
    private final ObjectMapper mapper = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** The queue of the server at {@code server}, e.g. {@code http://127.0.0.1:8188}. */
    public ServerQueue(URI server) {
        String s = server.toString();
        this.base = s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    @Override
    public String where() {
        return "server at " + base;
    }

    private String unreachable() {
        return where() + " not reachable — is `./noodle serve` running there?";
    }

    @Override
    public QueueSnapshot snapshot() throws QueueException {
        HttpResponse<String> r = send("GET", "/noodle/queue", null);
        if (r.statusCode() == 404) { // a ComfyUI server: its own queue call, without pause, moves or workers
            HttpResponse<String> q = send("GET", "/queue", null);
            JsonNode body = json(q, "/queue");
            return new QueueSnapshot("ComfyUI", false, false, false, prompts(body.path("queue_running")),
                    prompts(body.path("queue_pending")), List.of());
        }
        JsonNode body = json(r, "/noodle/queue");
        List<QueueSnapshot.Worker> workers = new ArrayList<>();
        for (JsonNode w : body.path("workers")) {
            if (!w.isObject()) {
                continue;
            }
            List<String> loaded = new ArrayList<>();
            w.path("loaded").forEach(m -> loaded.add(m.asText()));
            JsonNode p = w.path("progress");
            workers.add(new QueueSnapshot.Worker(w.path("id").asText("?"), w.path("host").asText(""),
                    w.path("state").asText("idle"), text(w.path("prompt_id")), text(w.path("node")),
                    p.isObject() ? p.path("value").asLong(-1) : -1, p.isObject() ? p.path("max").asLong(-1) : -1,
                    loaded, w.path("done").asLong(0), w.path("seen_ms_ago").asLong(0)));
        }
        return new QueueSnapshot(body.path("backend").asText("embedded"), body.path("paused").asBoolean(false),
                true, true, prompts(body.path("queue_running")), prompts(body.path("queue_pending")), workers);
    }

    @Override
    public void setPaused(boolean paused) throws QueueException {
        expectOk(send("POST", paused ? "/noodle/queue/pause" : "/noodle/queue/resume", mapper.createObjectNode()),
                paused ? "pause the queue" : "resume the queue");
    }

    @Override
    public void move(String promptId, Move where) throws QueueException {
        HttpResponse<String> r = send("POST", "/noodle/queue/" + URLEncoder.encode(promptId, StandardCharsets.UTF_8)
                + "/move", mapper.createObjectNode().put("direction", where.word()));
        if (r.statusCode() == 404) {
            throw new QueueException("prompt " + shortId(promptId) + " is no longer waiting (it started, finished or "
                    + "was cancelled)");
        }
        expectOk(r, "move prompt " + shortId(promptId));
    }

    @Override
    public void cancel(String promptId) throws QueueException {
        ObjectNode body = mapper.createObjectNode();
        body.putArray("delete").add(promptId);
        expectOk(send("POST", "/queue", body), "cancel prompt " + shortId(promptId));
    }

    @Override
    public void interrupt(String promptId) throws QueueException {
        expectOk(send("POST", "/interrupt", mapper.createObjectNode().put("prompt_id", promptId)),
                "interrupt prompt " + shortId(promptId));
    }

    @Override
    public void clear() throws QueueException {
        expectOk(send("POST", "/queue", mapper.createObjectNode().put("clear", true)), "clear the queue");
    }

    private HttpResponse<String> send(String method, String path, JsonNode body) throws QueueException {
        HttpRequest.Builder b;
        try {
            b = HttpRequest.newBuilder(URI.create(base + path)).timeout(TIMEOUT);
        } catch (IllegalArgumentException e) {
            throw new QueueException("the server address " + base + " is not a URL: " + e.getMessage());
        }
        if (body == null) {
            b.GET();
        } else {
            b.header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new QueueException(unreachable());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QueueException(unreachable());
        } catch (IllegalArgumentException e) {
            throw new QueueException("the server address " + base + " is not usable: " + e.getMessage());
        }
    }

    private JsonNode json(HttpResponse<String> r, String path) throws QueueException {
        if (r.statusCode() != 200) {
            throw new QueueException(where() + " answered HTTP " + r.statusCode() + " to GET " + path
                    + firstLine(r.body()));
        }
        try {
            JsonNode n = mapper.readTree(r.body());
            if (n == null || !n.isObject()) {
                throw new QueueException(where() + " sent no queue for GET " + path + " (not a JSON object)");
            }
            return n;
        } catch (JsonProcessingException e) {
            throw new QueueException(where() + " sent no queue for GET " + path + " (not JSON: "
                    + e.getOriginalMessage() + ")");
        }
    }

    private void expectOk(HttpResponse<String> r, String what) throws QueueException {
        if (r.statusCode() / 100 != 2) {
            throw new QueueException(where() + " could not " + what + ": HTTP " + r.statusCode() + firstLine(r.body()));
        }
    }

    private static String firstLine(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        String line = body.strip().lines().findFirst().orElse("");
        return " (" + (line.length() > 160 ? line.substring(0, 160) + "…" : line) + ")";
    }

    /** ComfyUI queue tuples {@code [number, prompt_id, prompt, extra_data, outputs]} as the panel's prompts. */
    private static List<QueueSnapshot.Prompt> prompts(JsonNode tuples) {
        List<QueueSnapshot.Prompt> out = new ArrayList<>();
        for (JsonNode t : tuples) {
            if (!t.isArray() || t.size() < 2 || !t.get(1).isTextual()) {
                continue;
            }
            JsonNode n = t.get(0);
            String number = n.isIntegralNumber() ? String.valueOf(n.asLong()) : n.isNumber() ? n.asText() : "";
            out.add(new QueueSnapshot.Prompt(t.get(1).asText(), number, summary(t.size() > 2 ? t.get(2) : null)));
        }
        return out;
    }

    /** What a prompt makes in a few words: its checkpoint, its first prompt text, how many nodes. */
    static String summary(JsonNode prompt) {
        if (prompt == null || !prompt.isObject()) {
            return "";
        }
        String ckpt = null;
        String text = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = prompt.fields(); it.hasNext(); ) {
            JsonNode inputs = it.next().getValue().path("inputs");
            if (ckpt == null && inputs.path("ckpt_name").isTextual()) {
                ckpt = inputs.get("ckpt_name").asText();
            }
            if (text == null && inputs.path("text").isTextual() && !inputs.get("text").asText().isBlank()) {
                text = inputs.get("text").asText().strip().replaceAll("\\s+", " ");
            }
        }
        List<String> parts = new ArrayList<>();
        if (ckpt != null) {
            parts.add(ckpt);
        }
        if (text != null) {
            parts.add("\u201c" + (text.length() > 40 ? text.substring(0, 40) + "…" : text) + "\u201d");
        }
        parts.add(prompt.size() + (prompt.size() == 1 ? " node" : " nodes"));
        return String.join(" · ", parts);
    }

    private static String shortId(String id) {
        return dev.noodle.app.ui.vm.QueueViewModel.shortId(id);
    }

    private static String text(JsonNode n) {
        return n.isTextual() ? n.asText() : n.isNumber() ? n.asText() : null;
    }
}
