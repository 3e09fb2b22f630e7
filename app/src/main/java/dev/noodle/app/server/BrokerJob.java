package dev.noodle.app.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One prompt in the broker's queue bucket: ComfyUI's queue tuple parts, its place ({@code number}, then {@code seq}),
 * whether it waits or runs and where, how many times it was handed to a worker, the models it names (with their
 * content hashes, for affinity), and why earlier deliveries ended. Immutable; {@code revision} is the bucket revision
 * it was read at (0 when not read from the bucket), the expected revision of a compare-and-set write.
 *
 * @param state {@link #QUEUED} or {@link #RUNNING}
 * @param worker the worker running it (null while queued)
 * @param attempts how many times a worker has taken it
 * @param failures why earlier deliveries ended without a result (a worker that stopped answering)
 */
record BrokerJob(String id, double number, long seq, ObjectNode prompt, ObjectNode extra, List<String> outputs,
        String state, String worker, int attempts, List<ModelRef> models, long queuedAt, long startedAt,
        List<String> failures, long revision) implements Comparable<BrokerJob> {

    static final String QUEUED = "queued";
    static final String RUNNING = "running";

    /**
     * A model file a prompt names: the node and input that name it, the name, and the file's SHA-256 when known
     * (from the coordinator's own copy or a worker's advertisement).
     */
    record ModelRef(String node, String input, String name, String kind, String sha256) {
    }

    BrokerJob {
        outputs = List.copyOf(outputs);
        models = List.copyOf(models);
        failures = List.copyOf(failures);
    }

    static BrokerJob queued(QueueItem item, List<ModelRef> models, long now) {
        return new BrokerJob(item.promptId(), item.number(), item.seq(), item.prompt(), item.extraData(),
                item.outputs(), QUEUED, null, 0, models, now, 0, List.of(), 0);
    }

    boolean isQueued() {
        return QUEUED.equals(state);
    }

    boolean isRunning() {
        return RUNNING.equals(state);
    }

    /** Taken by {@code workerId} (one more delivery). */
    BrokerJob claimedBy(String workerId, long now) {
        return new BrokerJob(id, number, seq, prompt, extra, outputs, RUNNING, workerId, attempts + 1, models,
                queuedAt, now, failures, revision);
    }

    /** Back in the queue at its old place after a delivery ended without a result, with the reason kept. */
    BrokerJob requeued(String why) {
        List<String> f = new ArrayList<>(failures);
        f.add(why);
        return new BrokerJob(id, number, seq, prompt, extra, outputs, QUEUED, null, attempts, models, queuedAt, 0, f,
                revision);
    }

    BrokerJob withPlace(double newNumber, long newSeq) {
        return new BrokerJob(id, newNumber, newSeq, prompt, extra, outputs, state, worker, attempts, models, queuedAt,
                startedAt, failures, revision);
    }

    BrokerJob atRevision(long rev) {
        return new BrokerJob(id, number, seq, prompt, extra, outputs, state, worker, attempts, models, queuedAt,
                startedAt, failures, rev);
    }

    /** ComfyUI's queue tuple {@code [number, prompt_id, prompt, extra_data, outputs_to_execute]}. */
    ArrayNode tuple(ObjectMapper mapper) {
        ArrayNode a = mapper.createArrayNode();
        if (number == Math.rint(number) && Math.abs(number) < 1e15) {
            a.add((long) number);
        } else {
            a.add(number);
        }
        a.add(id);
        a.add(prompt.deepCopy());
        a.add(extra.deepCopy());
        ArrayNode outs = a.addArray();
        outputs.forEach(outs::add);
        return a;
    }

    /** The client that submitted it, or null. */
    String clientId() {
        return extra.hasNonNull("client_id") ? extra.get("client_id").asText() : null;
    }

    @Override
    public int compareTo(BrokerJob o) {
        int c = Double.compare(number, o.number);
        return c != 0 ? c : Long.compare(seq, o.seq);
    }

    byte[] toBytes(ObjectMapper mapper) {
        ObjectNode o = mapper.createObjectNode();
        o.put("id", id);
        o.put("number", number);
        o.put("seq", seq);
        o.set("prompt", prompt);
        o.set("extra_data", extra);
        ArrayNode outs = o.putArray("outputs");
        outputs.forEach(outs::add);
        o.put("state", state);
        o.put("worker", worker);
        o.put("attempts", attempts);
        ArrayNode ms = o.putArray("models");
        for (ModelRef m : models) {
            ms.addObject().put("node", m.node()).put("input", m.input()).put("name", m.name()).put("kind", m.kind())
                    .put("sha256", m.sha256());
        }
        o.put("queued_at", queuedAt);
        o.put("started_at", startedAt);
        ArrayNode fs = o.putArray("failures");
        failures.forEach(fs::add);
        try {
            return mapper.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write prompt " + id, e);
        }
    }

    /** Reads a bucket value; throws {@link IOException} naming what is wrong when it is not a job. */
    static BrokerJob fromBytes(byte[] bytes, long revision, ObjectMapper mapper) throws IOException {
        JsonNode o = mapper.readTree(bytes);
        if (o == null || !o.path("prompt").isObject() || !o.path("id").isTextual()) {
            throw new IOException("not a queued prompt (no id or prompt)");
        }
        List<String> outs = new ArrayList<>();
        o.path("outputs").forEach(n -> outs.add(n.asText()));
        List<ModelRef> models = new ArrayList<>();
        for (JsonNode m : o.path("models")) {
            models.add(new ModelRef(text(m, "node"), text(m, "input"), text(m, "name"), text(m, "kind"),
                    text(m, "sha256")));
        }
        List<String> failures = new ArrayList<>();
        o.path("failures").forEach(n -> failures.add(n.asText()));
        ObjectNode extra = o.path("extra_data").isObject() ? (ObjectNode) o.get("extra_data")
                : mapper.createObjectNode();
        return new BrokerJob(o.get("id").asText(), o.path("number").asDouble(), o.path("seq").asLong(),
                (ObjectNode) o.get("prompt"), extra, outs, o.path("state").asText(QUEUED), text(o, "worker"),
                o.path("attempts").asInt(), models, o.path("queued_at").asLong(), o.path("started_at").asLong(),
                failures, revision);
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
