package dev.noodle.app.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What a worker tells the coordinators and the other workers, renewed every few seconds in the broker's workers
 * bucket: who it is, what it is doing, and the model files it holds (by kind, name and content hash) and has loaded.
 * Models are matched by SHA-256, so two machines holding the same file under different names still match. Immutable.
 *
 * @param state {@code idle}, {@code running} or {@code stopping}
 * @param files model files in its folders; {@code sha256} is null until hashed
 * @param loaded checkpoint files loaded in memory now
 */
record WorkerAdvert(String id, String host, long pid, String state, String promptId, String clientId, String node,
        int progressValue, int progressMax, long done, List<Held> files, List<Held> loaded, String device,
        long startedAt) {

    /** A model file a worker holds. */
    record Held(String kind, String name, String sha256) {
    }

    WorkerAdvert {
        files = List.copyOf(files);
        loaded = List.copyOf(loaded);
    }

    boolean idle() {
        return "idle".equals(state);
    }

    byte[] toBytes(ObjectMapper mapper) {
        ObjectNode o = mapper.createObjectNode();
        o.put("id", id);
        o.put("host", host);
        o.put("pid", pid);
        o.put("state", state);
        o.put("prompt_id", promptId);
        o.put("client_id", clientId);
        o.put("node", node);
        putProgress(o);
        o.put("done", done);
        write(o.putArray("files"), files);
        write(o.putArray("loaded"), loaded);
        o.put("device", device);
        o.put("started_at", startedAt);
        try {
            return mapper.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the advertisement of " + id, e);
        }
    }

    private void putProgress(ObjectNode o) {
        if (progressMax > 0) {
            o.putObject("progress").put("value", progressValue).put("max", progressMax);
        } else {
            o.putNull("progress");
        }
    }

    private static void write(ArrayNode a, List<Held> held) {
        for (Held h : held) {
            a.addObject().put("kind", h.kind()).put("name", h.name()).put("sha256", h.sha256());
        }
    }

    static WorkerAdvert fromBytes(byte[] bytes, ObjectMapper mapper) throws IOException {
        JsonNode o = mapper.readTree(bytes);
        if (o == null || !o.path("id").isTextual()) {
            throw new IOException("not a worker advertisement");
        }
        JsonNode p = o.path("progress");
        return new WorkerAdvert(o.get("id").asText(), o.path("host").asText(""), o.path("pid").asLong(),
                o.path("state").asText("idle"), text(o, "prompt_id"), text(o, "client_id"), text(o, "node"),
                p.path("value").asInt(0), p.path("max").asInt(0), o.path("done").asLong(), read(o.path("files")),
                read(o.path("loaded")), o.path("device").asText(""), o.path("started_at").asLong());
    }

    private static List<Held> read(JsonNode a) {
        List<Held> out = new ArrayList<>();
        for (JsonNode h : a) {
            out.add(new Held(text(h, "kind"), text(h, "name"), text(h, "sha256")));
        }
        return out;
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    /** The entry of {@code GET /noodle/queue}'s {@code workers} list. */
    ObjectNode toJson(ObjectMapper mapper, long seenMsAgo) {
        ObjectNode o = mapper.createObjectNode();
        o.put("id", id);
        o.put("host", host);
        o.put("state", state);
        o.put("prompt_id", promptId);
        o.put("node", node);
        putProgress(o);
        ArrayNode l = o.putArray("loaded");
        loaded.forEach(h -> l.add(h.name()));
        o.put("done", done);
        o.put("device", device);
        o.put("files", files.size());
        o.put("hashed", files.stream().filter(h -> h.sha256() != null).count());
        o.put("seen_ms_ago", seenMsAgo);
        return o;
    }
}
