package dev.noodle.app.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.impl.Headers;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's run events on their way to the ComfyUI clients: published on the broker ({@value Broker#EVENTS} as
 * {@code {"type", "data", "sid"}}, preview images on {@value Broker#PREVIEWS} with the client and event type in
 * headers); every coordinator passes them to its {@code /ws} client with that id ({@link #relay}). Also remembers
 * the node and progress of the prompt running now, for the worker's advertisement. Thread-safe.
 */
final class BrokerEvents implements EventSink {
    private static final Logger LOG = LoggerFactory.getLogger(BrokerEvents.class);
    private final Connection nc;
    private final ObjectMapper mapper;
    private volatile String node;
    private volatile int value;
    private volatile int max;

    BrokerEvents(Connection nc, ObjectMapper mapper) {
        this.nc = nc;
        this.mapper = mapper;
    }

    @Override
    public void send(String type, ObjectNode data, String sid) {
        if ("executing".equals(type)) {
            node = data.hasNonNull("node") ? data.get("node").asText() : null;
            value = 0;
            max = 0;
        } else if ("progress".equals(type)) {
            value = data.path("value").asInt();
            max = data.path("max").asInt();
        }
        ObjectNode m = mapper.createObjectNode();
        m.put("type", type);
        m.set("data", data);
        m.put("sid", sid);
        try {
            nc.publish(Broker.EVENTS, mapper.writeValueAsBytes(m));
        } catch (IOException | RuntimeException e) {
            LOG.debug("event {} not sent: {}", type, e.getMessage());
        }
    }

    @Override
    public void sendBinary(int eventType, byte[] payload, String sid) {
        Headers h = new Headers();
        h.add("type", Integer.toString(eventType));
        if (sid != null) {
            h.add("sid", sid);
        }
        try {
            nc.publish(Broker.PREVIEWS, h, payload);
        } catch (RuntimeException e) {
            LOG.debug("preview not sent: {}", e.getMessage());
        }
    }

    /** The node running now (null between prompts). */
    String node() {
        return node;
    }

    int progressValue() {
        return value;
    }

    int progressMax() {
        return max;
    }

    /** Clears the running node and progress (the prompt ended). */
    void idle() {
        node = null;
        value = 0;
        max = 0;
    }

    /**
     * On a coordinator: passes every worker's events to this server's clients. Returns the subscription's dispatcher
     * (closed with the connection).
     */
    static Dispatcher relay(Connection nc, ObjectMapper mapper, EventSink clients) {
        Dispatcher d = nc.createDispatcher(msg -> {
            try {
                if (Broker.PREVIEWS.equals(msg.getSubject())) {
                    Headers h = msg.getHeaders();
                    String sid = h == null ? null : h.getFirst("sid");
                    int type = h == null ? ClientHub.PREVIEW_IMAGE : Integer.parseInt(h.getFirst("type"));
                    if (sid != null) {
                        clients.sendBinary(type, msg.getData(), sid);
                    }
                    return;
                }
                var m = mapper.readTree(msg.getData());
                if (m.path("data").isObject() && m.path("type").isTextual()) {
                    String sid = m.hasNonNull("sid") ? m.get("sid").asText() : null;
                    if (sid != null) {
                        clients.send(m.get("type").asText(), (ObjectNode) m.get("data"), sid);
                    }
                }
            } catch (IOException | RuntimeException e) {
                LOG.debug("ignoring an unreadable event: {}", e.getMessage());
            }
        });
        d.subscribe(Broker.EVENTS);
        d.subscribe(Broker.PREVIEWS);
        return d;
    }
}
