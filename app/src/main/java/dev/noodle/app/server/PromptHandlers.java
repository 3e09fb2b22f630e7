package dev.noodle.app.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noodle.graph.json.WorkflowFormatException;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.NodeMode;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.validate.ValidationCode;
import dev.noodle.graph.validate.ValidationError;
import dev.noodle.graph.validate.Validator;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The queue side of the API: {@code POST/GET /prompt}, {@code GET/POST /queue}, {@code GET/POST /history},
 * {@code POST /interrupt}, {@code POST /free}. Thread-safe (state lives in the queue and worker).
 */
final class PromptHandlers {
    private final ObjectMapper mapper;
    private final NodeRegistry registry;
    private final Validator validator;
    private final PromptQueue queue;
    private final RunControl worker;
    private final PromptErrors errors;

    PromptHandlers(ObjectMapper mapper, NodeRegistry registry, PromptQueue queue, RunControl worker) {
        this.mapper = mapper;
        this.registry = registry;
        this.validator = new Validator(registry);
        this.queue = queue;
        this.worker = worker;
        this.errors = new PromptErrors(mapper);
    }

    /** {@code POST /prompt}: validates and queues; 400 with ComfyUI's error shape when invalid. */
    void postPrompt(Context ctx) throws IOException {
        JsonNode body = Http.jsonBody(ctx, mapper);
        JsonNode prompt = body.get("prompt");
        if (prompt == null || !prompt.isObject()) {
            Http.json(ctx, 400, errors.invalidPrompt("No prompt provided",
                    "the body needs a \"prompt\" object in ComfyUI API format"));
            return;
        }
        Workflow wf;
        try {
            wf = WorkflowJson.parse(mapper.writeValueAsString(prompt), "prompt");
        } catch (WorkflowFormatException e) {
            Http.json(ctx, 400, errors.invalidPrompt("Cannot read the prompt", e.getMessage()));
            return;
        }
        submit(ctx, body, (ObjectNode) prompt, wf);
    }

    /**
     * Validates a read prompt and queues it as {@code POST /prompt} does, answering with ComfyUI's
     * {@code {prompt_id, number, node_errors}} or its 400 error shape; {@code body} gives {@code extra_data},
     * {@code client_id}, {@code number}, {@code front} and {@code prompt_id} as a posted prompt does.
     */
    void submit(Context ctx, JsonNode body, ObjectNode prompt, Workflow wf) {
        List<ValidationError> all = heldElsewhere(validator.validate(wf));
        List<String> good = new ArrayList<>();
        for (NodeInstance n : wf.nodes().values()) {
            boolean output = n.mode() == NodeMode.NORMAL
                    && registry.find(n.type()).map(d -> d.schema().outputNode()).orElse(false);
            if (output && (all.isEmpty() || heldElsewhere(validator.validate(wf, Set.of(n.id()))).isEmpty())) {
                good.add(n.id());
            }
        }
        ObjectNode failed = all.isEmpty() ? null : errors.failed(wf, registry, all);
        if (good.isEmpty()) {
            Http.json(ctx, 400, failed != null ? failed
                    : errors.failed(wf, registry, List.of(new ValidationError(ValidationCode.PROMPT_NO_OUTPUTS,
                            null, null, null, "Prompt has no outputs", null))));
            return;
        }
        ObjectNode extra = body.path("extra_data").isObject()
                ? ((ObjectNode) body.get("extra_data")).deepCopy() : mapper.createObjectNode();
        if (body.hasNonNull("client_id")) {
            extra.put("client_id", body.get("client_id").asText());
        }
        double number = body.has("number") && body.get("number").isNumber()
                ? body.get("number").asDouble()
                : queue.nextNumber(body.path("front").asBoolean(false));
        String promptId = body.hasNonNull("prompt_id") && isUuid(body.get("prompt_id").asText())
                ? body.get("prompt_id").asText() : UUID.randomUUID().toString();
        queue.put(new QueueItem(number, queue.nextSeq(), promptId, prompt, extra, good, wf));
        ObjectNode out = mapper.createObjectNode();
        out.put("prompt_id", promptId);
        if (number == Math.rint(number)) {
            out.put("number", (long) number);
        } else {
            out.put("number", number);
        }
        out.set("node_errors", failed == null ? mapper.createObjectNode() : failed.get("node_errors"));
        Http.json(ctx, 200, out);
    }

    private volatile java.util.function.Predicate<String> remoteModels;

    /**
     * On a coordinator: model file names its own folders lack but a worker holds are valid choices (the worker
     * runs the prompt on its copy).
     */
    void acceptModelsHeldBy(java.util.function.Predicate<String> workersHold) {
        this.remoteModels = workersHold;
    }

    private List<ValidationError> heldElsewhere(List<ValidationError> errors) {
        java.util.function.Predicate<String> remote = remoteModels;
        if (remote == null || errors.isEmpty()) {
            return errors;
        }
        List<ValidationError> kept = new ArrayList<>();
        for (ValidationError e : errors) {
            Object value = e.details() == null ? null : e.details().get("received_value");
            boolean held = e.code() == ValidationCode.VALUE_NOT_IN_LIST && value instanceof String name
                    && ModelInventory.looksLikeModel(name) && remote.test(name);
            if (!held) {
                kept.add(e);
            }
        }
        return kept;
    }

    private static boolean isUuid(String s) {
        try {
            return UUID.fromString(s).toString().equalsIgnoreCase(s);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** {@code GET /prompt}: {@code {exec_info: {queue_remaining}}}. */
    void getPrompt(Context ctx) {
        Http.json(ctx, 200, queueInfo());
    }

    ObjectNode queueInfo() {
        ObjectNode info = mapper.createObjectNode();
        info.putObject("exec_info").put("queue_remaining", queue.remaining());
        return info;
    }

    /** {@code GET /queue}. */
    void getQueue(Context ctx) {
        Http.json(ctx, 200, queue.queueJson());
    }

    /** {@code POST /queue}: {@code {clear: true}} and/or {@code {delete: [ids]}}. */
    void postQueue(Context ctx) throws IOException {
        JsonNode body = Http.jsonBody(ctx, mapper);
        if (body.path("clear").asBoolean(false)) {
            queue.clearPending();
        }
        if (body.path("delete").isArray()) {
            queue.deletePending(strings(body.get("delete")));
        }
        ctx.status(200);
    }

    /**
     * {@code GET /noodle/queue}: {@code {backend, paused, queue_remaining, queue_running, queue_pending, workers}}:
     * the queue as {@code GET /queue} gives it (pending in run order) and what each worker is doing (here the one
     * worker of this server, see {@link PromptWorker#describe}; on a coordinator, every live worker).
     */
    void queueState(Context ctx) {
        ObjectNode out = mapper.createObjectNode();
        out.put("backend", queue instanceof BrokerPromptQueue b ? b.brokerUrl() : "embedded");
        out.put("paused", queue.paused());
        out.put("queue_remaining", queue.remaining());
        out.setAll(queue.queueJson());
        out.set("workers", worker.workers(mapper));
        Http.json(ctx, 200, out);
    }

    /** {@code POST /noodle/queue/pause}: the running prompt finishes, queued ones wait until resumed. */
    void pause(Context ctx) {
        queue.setPaused(true);
        queueState(ctx);
    }

    /** {@code POST /noodle/queue/resume}. */
    void resume(Context ctx) {
        queue.setPaused(false);
        queueState(ctx);
    }

    /**
     * {@code POST /noodle/queue/{prompt_id}/move} with {@code {"direction": "up"|"down"|"top"|"bottom"}} or
     * {@code {"number": N}} (a new priority: lower runs first); answers {@code GET /queue}'s body, 404 when the
     * prompt is not queued, 400 for a bad body.
     */
    void move(Context ctx) throws IOException {
        JsonNode body = Http.jsonBody(ctx, mapper);
        String id = ctx.pathParam("prompt_id");
        boolean found;
        if (body.path("number").isNumber()) {
            found = queue.setNumber(id, body.get("number").asDouble());
        } else {
            int steps = switch (body.path("direction").asText("")) {
                case "up" -> -1;
                case "down" -> 1;
                case "top" -> Integer.MIN_VALUE / 2;
                case "bottom" -> Integer.MAX_VALUE / 2;
                default -> 0;
            };
            if (steps == 0) {
                Http.text(ctx, 400, "give \"direction\": \"up\", \"down\", \"top\" or \"bottom\", or a \"number\"");
                return;
            }
            found = queue.move(id, steps);
        }
        if (!found) {
            Http.text(ctx, 404, "prompt " + id + " is not queued");
            return;
        }
        Http.json(ctx, 200, queue.queueJson());
    }

    /** {@code GET /history?max_items=N}. */
    void getHistory(Context ctx) {
        String max = ctx.queryParam("max_items");
        Integer n = null;
        if (max != null) {
            try {
                n = Math.max(0, Integer.parseInt(max));
            } catch (NumberFormatException e) {
                Http.text(ctx, 400, "max_items must be a number");
                return;
            }
        }
        Http.json(ctx, 200, queue.history(n));
    }

    /** {@code GET /history/{prompt_id}}. */
    void getHistoryItem(Context ctx) {
        Http.json(ctx, 200, queue.history(ctx.pathParam("prompt_id")));
    }

    /** {@code POST /history}: {@code {clear: true}} and/or {@code {delete: [ids]}}. */
    void postHistory(Context ctx) throws IOException {
        JsonNode body = Http.jsonBody(ctx, mapper);
        if (body.path("clear").asBoolean(false)) {
            queue.clearHistory();
        }
        if (body.path("delete").isArray()) {
            queue.deleteHistory(strings(body.get("delete")));
        }
        ctx.status(200);
    }

    /** {@code POST /interrupt}, optionally {@code {prompt_id}} to interrupt only that prompt. */
    void postInterrupt(Context ctx) throws IOException {
        JsonNode body = ctx.body().isBlank() ? mapper.createObjectNode() : Http.jsonBody(ctx, mapper);
        String id = body.hasNonNull("prompt_id") ? body.get("prompt_id").asText() : null;
        worker.interrupt(id);
        ctx.status(200);
    }

    /** {@code POST /free}: {@code {unload_models, free_memory}}, applied between prompts. */
    void postFree(Context ctx) throws IOException {
        JsonNode body = Http.jsonBody(ctx, mapper);
        worker.requestFree(body.path("unload_models").asBoolean(false), body.path("free_memory").asBoolean(false));
        ctx.status(200);
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
