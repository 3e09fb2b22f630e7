package dev.noodle.app.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noodle.graph.json.ComfyApiFormat;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.NodeRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Runs workflows on a remote ComfyUI-compatible server (Noodle's own or ComfyUI): opens {@code /ws?clientId=},
 * posts the prompt, follows the messages until {@code executing} with a null node for that prompt, then reads
 * {@code /history/{id}} — the flow of ComfyUI's {@code websockets_api_example.py}. One run at a time per instance;
 * instances are cheap.
 */
public final class RemoteRunner {
    /** Receives every websocket message of the run (type and data), on the caller's thread. */
    @FunctionalInterface
    public interface MessageListener {
        void onMessage(String type, JsonNode data);
    }

    /** One image the run produced, as the history lists it. */
    public record ImageRef(String nodeId, String filename, String subfolder, String type) {}

    /**
     * The end of a run.
     *
     * @param status "success" or "error"
     * @param error the server's error message (execution_error / interrupted), or null
     * @param history the raw {@code /history/{id}} entry
     */
    public record Outcome(String promptId, String status, String error, List<ImageRef> images, JsonNode history) {
        public boolean success() {
            return "success".equals(status);
        }
    }

    /** The server refused the prompt; {@link #body()} is its JSON answer (ComfyUI error shape). */
    public static final class RejectedException extends IOException {
        private final int status;
        private final transient JsonNode body;

        RejectedException(int status, JsonNode body) {
            super("the server refused the prompt (HTTP " + status + "): " + describe(body));
            this.status = status;
            this.body = body;
        }

        public int status() {
            return status;
        }

        public JsonNode body() {
            return body;
        }

        private static String describe(JsonNode body) {
            JsonNode err = body.path("error");
            String msg = err.isObject() ? err.path("message").asText() + ": " + err.path("details").asText()
                    : err.asText();
            return msg.length() > 2000 ? msg.substring(0, 2000) + "..." : msg;
        }
    }

    private final URI base;
    private final NodeRegistry registry;
    private final HttpClient http;
    private final ObjectMapper mapper = new ObjectMapper();

    /**
     * @param base the server, e.g. {@code http://127.0.0.1:8188}
     * @param localRegistry when given, muted nodes are dropped and bypassed ones rewired before sending (what a
     *     ComfyUI server expects); when null the workflow is sent as is
     */
    public RemoteRunner(URI base, NodeRegistry localRegistry) {
        String s = base.toString();
        this.base = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
        this.registry = localRegistry;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** Runs the workflow remotely and waits for it (at most {@code timeout}). */
    public Outcome run(Workflow wf, MessageListener listener, Duration timeout)
            throws IOException, InterruptedException {
        String api = registry == null ? ComfyApiFormat.write(wf) : ComfyApiFormat.writeForExecution(wf, registry);
        return run((ObjectNode) mapper.readTree(api), listener, timeout);
    }

    /** Runs an API-format prompt remotely and waits for it (at most {@code timeout}). */
    public Outcome run(ObjectNode prompt, MessageListener listener, Duration timeout)
            throws IOException, InterruptedException {
        String clientId = UUID.randomUUID().toString().replace("-", "");
        BlockingQueue<JsonNode> inbox = new LinkedBlockingQueue<>();
        URI ws = URI.create(base.toString().replaceFirst("^http", "ws") + "/ws?clientId=" + clientId);
        WebSocket socket = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                .buildAsync(ws, new Collector(inbox)).join();
        try {
            ObjectNode body = mapper.createObjectNode();
            body.set("prompt", prompt);
            body.put("client_id", clientId);
            HttpResponse<String> resp = http.send(HttpRequest.newBuilder(URI.create(base + "/prompt"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(mapper.writeValueAsString(body)))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode answer = resp.body().isBlank() ? mapper.createObjectNode() : mapper.readTree(resp.body());
            if (resp.statusCode() != 200) {
                throw new RejectedException(resp.statusCode(), answer);
            }
            String promptId = answer.path("prompt_id").asText();
            String error = follow(inbox, promptId, listener, timeout);
            JsonNode history = getJson("/history/" + URLEncoder.encode(promptId, StandardCharsets.UTF_8))
                    .path(promptId);
            return outcome(promptId, history, error);
        } finally {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "done");
        }
    }

    /** Downloads one image through {@code /view}. */
    public byte[] fetch(ImageRef image) throws IOException, InterruptedException {
        String q = "filename=" + enc(image.filename()) + "&subfolder=" + enc(image.subfolder()) + "&type="
                + enc(image.type());
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(base + "/view?" + q)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            throw new IOException("GET /view for " + image.filename() + " answered HTTP " + r.statusCode());
        }
        return r.body();
    }

    /** Asks the server to interrupt the prompt (if it is the running one). */
    public void interrupt(String promptId) throws IOException, InterruptedException {
        ObjectNode body = mapper.createObjectNode();
        if (promptId != null) {
            body.put("prompt_id", promptId);
        }
        http.send(HttpRequest.newBuilder(URI.create(base + "/interrupt"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(mapper.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.discarding());
    }

    private String follow(BlockingQueue<JsonNode> inbox, String promptId, MessageListener listener,
            Duration timeout) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String error = null;
        while (true) {
            JsonNode msg = inbox.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (msg == null) {
                throw new IOException("no result from the server within " + timeout.toSeconds() + " s");
            }
            if (msg.has("closed")) {
                throw new IOException("the server closed the websocket: " + msg.path("closed").asText());
            }
            String type = msg.path("type").asText();
            JsonNode data = msg.path("data");
            if (listener != null) {
                listener.onMessage(type, data);
            }
            if (!promptId.equals(data.path("prompt_id").asText(null))) {
                continue;
            }
            if (type.equals("execution_error")) {
                error = data.path("exception_message").asText("execution failed");
            } else if (type.equals("execution_interrupted")) {
                error = "interrupted";
            } else if (type.equals("executing") && data.path("node").isNull()) {
                return error;
            }
        }
    }

    private Outcome outcome(String promptId, JsonNode history, String error) {
        List<ImageRef> images = new ArrayList<>();
        history.path("outputs").fields().forEachRemaining(e -> e.getValue().path("images").forEach(img ->
                images.add(new ImageRef(e.getKey(), img.path("filename").asText(), img.path("subfolder").asText(),
                        img.path("type").asText()))));
        String status = history.path("status").path("status_str").asText(error == null ? "success" : "error");
        return new Outcome(promptId, status, error, images, history);
    }

    private JsonNode getJson(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + path + " answered HTTP " + r.statusCode());
        }
        return mapper.readTree(r.body());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s == null ? "" : s, StandardCharsets.UTF_8);
    }

    /** Puts each complete text message (parsed) into the inbox; a close becomes {@code {"closed": reason}}. */
    private final class Collector implements WebSocket.Listener {
        private final BlockingQueue<JsonNode> inbox;
        private final StringBuilder partial = new StringBuilder();

        Collector(BlockingQueue<JsonNode> inbox) {
            this.inbox = inbox;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    inbox.add(mapper.readTree(partial.toString()));
                } catch (IOException e) {
                    // not JSON: ignore, as ComfyUI clients do
                }
                partial.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            ws.request(1); // preview frames are not needed here
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("closed", code + " " + reason);
            inbox.add(mapper.valueToTree(m));
            return null;
        }
    }
}
