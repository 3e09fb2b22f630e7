package dev.noodle.app.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noodle.graph.exec.RunEvent;
import dev.noodle.graph.exec.RunListener;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.node.NodeOutputs;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;

/**
 * Turns one run's events into ComfyUI's websocket messages ({@code execution_start}, {@code execution_cached},
 * {@code executing}, {@code progress}, {@code executed}, {@code execution_success|error|interrupted}) for the
 * submitting client, and collects what the history keeps (outputs per node, status with messages). Used on the
 * worker thread only.
 */
final class RunReporter implements RunListener {
    private final QueueItem item;
    private final String sid;
    private final EventSink hub;
    private final FileRoots roots;
    private final ObjectMapper mapper;
    private final ObjectNode outputs;
    private final ArrayNode messages;
    private final Set<String> executed = new LinkedHashSet<>();
    private final List<String> cachedBuffer = new ArrayList<>();
    private boolean cachedSent;
    private RunEvent.NodeFailed failure;
    private String cancelledAt;
    private String cancelledType;
    private volatile String runningNode;
    private volatile long[] progress;

    RunReporter(QueueItem item, EventSink hub, FileRoots roots, ObjectMapper mapper) {
        this.item = item;
        this.sid = item.clientId();
        this.hub = hub;
        this.roots = roots;
        this.mapper = mapper;
        this.outputs = mapper.createObjectNode();
        this.messages = mapper.createArrayNode();
    }

    @Override
    public void onEvent(RunEvent e) {
        switch (e) {
            case RunEvent.RunStarted s -> recorded("execution_start", base());
            case RunEvent.NodeCached c -> {
                cachedBuffer.add(c.nodeId());
                if (cachedSent) {
                    flushCached(); // late cache hits (after the first executed node) go out as they come
                }
            }
            case RunEvent.NodeStarted s -> {
                flushCached();
                runningNode = s.nodeId(); // before the message, so a reconnecting client never misses a node
                progress = null;
                ObjectNode d = mapper.createObjectNode();
                d.put("node", s.nodeId());
                d.put("display_node", s.nodeId());
                d.put("prompt_id", item.promptId());
                send("executing", d);
            }
            case RunEvent.NodeProgress p -> {
                progress = new long[] {p.value(), p.max()};
                ObjectNode d = mapper.createObjectNode();
                d.put("value", p.value());
                d.put("max", p.max());
                d.put("prompt_id", item.promptId());
                d.put("node", p.nodeId());
                send("progress", d);
                if (p.preview() instanceof BufferedImage img && sid != null) {
                    sendPreview(img);
                }
            }
            case RunEvent.NodeFinished f -> {
                executed.add(f.nodeId());
                if (f.ui() != null && !f.ui().isEmpty()) {
                    ObjectNode ui = uiJson(f.ui());
                    outputs.set(f.nodeId(), ui);
                    sendExecuted(f.nodeId(), ui);
                }
            }
            case RunEvent.NodeFailed f -> failure = f;
            case RunEvent.RunCancelled c -> cancelledAt = c.nodeId();
            case RunEvent.RunFinished f -> flushCached();
            case RunEvent.NodeMessage m -> { }
        }
    }

    /** Sends the closing message for the result and returns the history's {@code status} object. */
    ObjectNode finish(RunResult r, Map<String, String> nodeTypes) {
        for (Map.Entry<String, NodeOutputs> e : r.outputs().entrySet()) {
            Map<String, Object> ui = e.getValue().ui();
            if (ui != null && !ui.isEmpty() && !outputs.has(e.getKey())) {
                ObjectNode json = uiJson(ui); // an output node served from the cache still shows its images
                outputs.set(e.getKey(), json);
                sendExecuted(e.getKey(), json);
            }
        }
        boolean ok = r.status() == RunResult.Status.SUCCESS;
        switch (r.status()) {
            case SUCCESS -> recorded("execution_success", base());
            case CANCELLED -> {
                ObjectNode d = base();
                String node = cancelledAt != null ? cancelledAt : r.failedNode();
                d.put("node_id", node);
                d.put("node_type", node == null ? null : nodeTypes.get(node));
                d.set("executed", array(executed));
                recorded("execution_interrupted", d);
            }
            case FAILED, INVALID -> {
                ObjectNode d = base();
                String node = failure != null ? failure.nodeId()
                        : r.failedNode() != null ? r.failedNode()
                        : r.errors().isEmpty() ? null : r.errors().get(0).nodeId();
                d.put("node_id", node);
                d.put("node_type", failure != null ? failure.nodeType() : node == null ? null : nodeTypes.get(node));
                d.set("executed", array(executed));
                d.put("exception_message", failure != null ? failure.message() : r.message());
                d.put("exception_type", failure != null && failure.cause() != null
                        ? failure.cause().getClass().getName()
                        : r.status() == RunResult.Status.INVALID ? "ValidationError" : "NodeExecutionError");
                ArrayNode tb = d.putArray("traceback"); // ComfyUI: traceback.format_tb(), one string per frame
                if (failure != null && failure.cause() != null) {
                    StackTraceElement[] frames = failure.cause().getStackTrace();
                    for (int i = 0; i < Math.min(frames.length, 64); i++) {
                        tb.add("  at " + frames[i] + "\n");
                    }
                }
                d.putObject("current_inputs");
                d.putObject("current_outputs");
                recorded("execution_error", d);
            }
        }
        ObjectNode status = mapper.createObjectNode();
        status.put("status_str", ok ? "success" : "error");
        status.put("completed", ok);
        status.set("messages", messages);
        return status;
    }

    /** The node executing now (the last one started), or null before the first; read from other threads. */
    String runningNode() {
        return runningNode;
    }

    /** The running node's last progress as {@code {value, max}} (a sampler's step of N), or null; any thread. */
    long[] progress() {
        long[] p = progress;
        return p == null ? null : p.clone();
    }

    /** The history's {@code outputs}: ui per output node. */
    ObjectNode outputs() {
        return outputs;
    }

    /** The history's {@code meta}: which node displays each output. */
    ObjectNode meta() {
        ObjectNode meta = mapper.createObjectNode();
        outputs.fieldNames().forEachRemaining(id -> {
            ObjectNode m = meta.putObject(id);
            m.put("node_id", id);
            m.put("display_node", id);
            m.putNull("parent_node");
            m.put("real_node_id", id);
        });
        return meta;
    }

    /** Converts a node's ui map: lists of paths become ComfyUI image descriptors {@code {filename, subfolder, type}}. */
    ObjectNode uiJson(Map<String, Object> ui) {
        ObjectNode out = mapper.createObjectNode();
        for (Map.Entry<String, Object> e : ui.entrySet()) {
            out.set(e.getKey(), value(e.getValue()));
        }
        return out;
    }

    private JsonNode value(Object v) {
        if (v instanceof Path p) {
            ObjectNode img = mapper.createObjectNode();
            String[] d = roots.describe(p).orElse(new String[] {"output", "", p.getFileName().toString()});
            img.put("filename", d[2]);
            img.put("subfolder", d[1]);
            img.put("type", d[0]);
            return img;
        }
        if (v instanceof Collection<?> c) {
            ArrayNode a = mapper.createArrayNode(); // a list of texts stays flat: PreviewAny's {"text": ["..."]}
            c.forEach(x -> a.add(x == null || x instanceof String || x instanceof Number || x instanceof Boolean
                    ? mapper.valueToTree(x) : value(x)));
            return a;
        }
        if (v == null || v instanceof String || v instanceof Number || v instanceof Boolean) {
            ArrayNode a = mapper.createArrayNode(); // ComfyUI ui values are lists
            return v == null ? a : a.add(mapper.valueToTree(v));
        }
        try {
            return mapper.valueToTree(v);
        } catch (IllegalArgumentException e) {
            return mapper.getNodeFactory().textNode(String.valueOf(v));
        }
    }

    private void sendExecuted(String nodeId, ObjectNode ui) {
        ObjectNode d = mapper.createObjectNode();
        d.put("node", nodeId);
        d.put("display_node", nodeId);
        d.set("output", ui);
        d.put("prompt_id", item.promptId());
        send("executed", d);
    }

    private void flushCached() {
        if (cachedSent && cachedBuffer.isEmpty()) {
            return;
        }
        ObjectNode d = mapper.createObjectNode();
        d.set("nodes", array(cachedBuffer));
        d.put("prompt_id", item.promptId());
        d.put("timestamp", System.currentTimeMillis());
        cachedBuffer.clear();
        cachedSent = true;
        recorded("execution_cached", d);
    }

    private void sendPreview(BufferedImage img) {
        try {
            BufferedImage rgb = img;
            if (img.getType() != BufferedImage.TYPE_INT_RGB) {
                rgb = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
                rgb.getGraphics().drawImage(img, 0, 0, null);
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            bytes.write(new byte[] {0, 0, 0, ClientHub.FORMAT_JPEG});
            if (ImageIO.write(rgb, "jpeg", bytes)) {
                hub.sendBinary(ClientHub.PREVIEW_IMAGE, bytes.toByteArray(), sid);
            }
        } catch (IOException | RuntimeException ignored) {
            // previews are best effort
        }
    }

    private ObjectNode base() {
        ObjectNode d = mapper.createObjectNode();
        d.put("prompt_id", item.promptId());
        d.put("timestamp", System.currentTimeMillis());
        return d;
    }

    private ArrayNode array(Collection<String> values) {
        ArrayNode a = mapper.createArrayNode();
        values.forEach(a::add);
        return a;
    }

    /** Sends a message and keeps it for the history's status (as ComfyUI does for the execution_* events). */
    private void recorded(String type, ObjectNode data) {
        ArrayNode m = messages.addArray();
        m.add(type);
        m.add(data);
        send(type, data);
    }

    private void send(String type, ObjectNode data) {
        if (sid != null) {
            hub.send(type, data, sid);
        }
    }
}
