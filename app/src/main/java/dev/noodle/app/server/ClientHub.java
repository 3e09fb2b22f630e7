package dev.noodle.app.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.websocket.WsContext;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connected {@code /ws} clients by client id, and sending ComfyUI messages ({@code {"type": ..., "data":
 * ...}}) to one of them or to all. Thread-safe; sends to one socket are serialised.
 */
final class ClientHub implements EventSink {
    private static final Logger LOG = LoggerFactory.getLogger(ClientHub.class);
    /** ComfyUI's binary event type for a preview image (followed by a 4-byte image format and the bytes). */
    static final int PREVIEW_IMAGE = 1;
    /** Image format code for JPEG previews. */
    static final int FORMAT_JPEG = 1;

    private final Map<String, WsContext> sockets = new ConcurrentHashMap<>();
    private final ObjectMapper mapper;

    ClientHub(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** Registers a socket under its client id, replacing an older one with the same id. */
    void add(String sid, WsContext ctx) {
        sockets.put(sid, ctx);
    }

    /** Forgets the socket if it is still the one registered under {@code sid}. */
    void remove(String sid, WsContext ctx) {
        sockets.remove(sid, ctx);
    }

    int size() {
        return sockets.size();
    }

    /** Sends a JSON event to {@code sid}, or to every client when {@code sid} is null. */
    @Override
    public void send(String type, ObjectNode data, String sid) {
        String text = text(type, data);
        for (WsContext ws : targets(sid)) {
            synchronized (ws) {
                try {
                    ws.send(text);
                } catch (RuntimeException e) {
                    LOG.debug("ws send to {} failed: {}", sid, e.toString());
                }
            }
        }
    }

    /**
     * Registers a (re)connecting socket and sends it its greeting messages before any other message can reach it:
     * the socket's lock is held while it is added and greeted, and {@link #send} takes the same lock, so events of
     * a running prompt queue up behind the greeting (ComfyUI sends {@code status}, then the current
     * {@code executing}, on connect).
     */
    void connect(String sid, WsContext ctx, Supplier<List<Map.Entry<String, ObjectNode>>> greeting) {
        synchronized (ctx) {
            sockets.put(sid, ctx);
            for (Map.Entry<String, ObjectNode> m : greeting.get()) {
                try {
                    ctx.send(text(m.getKey(), m.getValue()));
                } catch (RuntimeException e) {
                    LOG.debug("ws greeting to {} failed: {}", sid, e.toString());
                }
            }
        }
    }

    private String text(String type, ObjectNode data) {
        ObjectNode msg = mapper.createObjectNode();
        msg.put("type", type);
        msg.set("data", data);
        try {
            return mapper.writeValueAsString(msg);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sends a binary frame: a 4-byte big-endian event type, then the payload. */
    @Override
    public void sendBinary(int eventType, byte[] payload, String sid) {
        for (WsContext ws : targets(sid)) {
            ByteBuffer buf = ByteBuffer.allocate(4 + payload.length);
            buf.putInt(eventType).put(payload).flip();
            synchronized (ws) {
                try {
                    ws.send(buf);
                } catch (RuntimeException e) {
                    LOG.debug("ws binary send to {} failed: {}", sid, e.toString());
                }
            }
        }
    }

    private List<WsContext> targets(String sid) {
        if (sid == null) {
            return List.copyOf(sockets.values());
        }
        WsContext ws = sockets.get(sid);
        return ws == null ? List.of() : List.of(ws);
    }
}
