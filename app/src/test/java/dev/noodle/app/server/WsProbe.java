package dev.noodle.app.server;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A test websocket client for {@code /ws}: collects every JSON message and counts binary frames. */
final class WsProbe implements AutoCloseable {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    final BlockingQueue<JsonNode> inbox = new LinkedBlockingQueue<>();
    final List<JsonNode> seen = new ArrayList<>();
    volatile int binaryFrames;
    private final WebSocket socket;

    WsProbe(HttpClient http, String baseUrl, String clientId) {
        URI uri = URI.create(baseUrl.replaceFirst("^http", "ws") + "/ws?clientId=" + clientId);
        socket = http.newWebSocketBuilder().buildAsync(uri, new WebSocket.Listener() {
            private final StringBuilder partial = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                    try {
                        inbox.add(MAPPER.readTree(partial.toString()));
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                    partial.setLength(0);
                }
                ws.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
                binaryFrames++;
                ws.request(1);
                return null;
            }
        }).join();
    }

    /** The next message, failing after {@code seconds}. */
    JsonNode next(int seconds) throws InterruptedException {
        JsonNode m = inbox.poll(seconds, TimeUnit.SECONDS);
        assertNotNull(m, "no websocket message within " + seconds + " s; seen so far: " + seen);
        seen.add(m);
        return m;
    }

    /** Reads messages until {@code executing} with a null node for this prompt; returns all read. */
    List<JsonNode> untilDone(String promptId, int seconds) throws InterruptedException {
        List<JsonNode> got = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            int left = (int) Math.max(1, TimeUnit.NANOSECONDS.toSeconds(deadline - System.nanoTime()));
            JsonNode m = next(left);
            got.add(m);
            JsonNode d = m.path("data");
            if (m.path("type").asText().equals("executing") && d.has("node") && d.get("node").isNull()
                    && promptId.equals(d.path("prompt_id").asText())) {
                return got;
            }
        }
    }

    @Override
    public void close() {
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
    }
}
