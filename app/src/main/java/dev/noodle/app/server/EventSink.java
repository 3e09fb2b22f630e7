package dev.noodle.app.server;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Where a run's ComfyUI WebSocket messages go: straight to this server's {@code /ws} clients ({@link ClientHub}), or,
 * on a worker of a broker-backed queue, onto the broker for the coordinators to pass on ({@link BrokerEvents}).
 */
interface EventSink {
    /** Sends a JSON event to client {@code sid}, or to every client when {@code sid} is null. */
    void send(String type, ObjectNode data, String sid);

    /** Sends a binary event (ComfyUI's preview images) to client {@code sid}, or to every client when null. */
    void sendBinary(int eventType, byte[] payload, String sid);
}
