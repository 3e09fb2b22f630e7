package dev.noodle.app.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.validate.ValidationCode;
import dev.noodle.graph.validate.ValidationError;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns validation errors into ComfyUI's {@code POST /prompt} 400 body: {@code {error: {type, message, details,
 * extra_info}, node_errors: {id: {errors: [...], dependent_outputs: [...], class_type}}}}. Stateless.
 */
final class PromptErrors {
    private static final Map<ValidationCode, String> SHORT = Map.ofEntries(
            Map.entry(ValidationCode.REQUIRED_INPUT_MISSING, "Required input is missing"),
            Map.entry(ValidationCode.RETURN_TYPE_MISMATCH, "Return type mismatch between linked nodes"),
            Map.entry(ValidationCode.VALUE_SMALLER_THAN_MIN, "Value smaller than min"),
            Map.entry(ValidationCode.VALUE_BIGGER_THAN_MAX, "Value bigger than max"),
            Map.entry(ValidationCode.VALUE_NOT_IN_LIST, "Value not in list"),
            Map.entry(ValidationCode.INVALID_INPUT_TYPE, "Failed to convert an input value"),
            Map.entry(ValidationCode.BAD_LINKED_INPUT,
                    "Bad linked input, must be a length-2 list of [node_id, slot_index]"),
            Map.entry(ValidationCode.DEPENDENCY_CYCLE, "Dependency cycle detected"),
            Map.entry(ValidationCode.UNKNOWN_NODE_TYPE, "Node type not found"),
            Map.entry(ValidationCode.EXCEPTION_DURING_VALIDATION, "Exception when validating node"));

    private final ObjectMapper mapper;

    PromptErrors(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** A prompt that could not even be read (not an object, a node without class_type, ...). */
    ObjectNode invalidPrompt(String message, String details) {
        ObjectNode body = mapper.createObjectNode();
        body.set("error", error("invalid_prompt", message, details, mapper.createObjectNode()));
        body.putObject("node_errors");
        return body;
    }

    /** The 400 body for a prompt that failed validation. */
    ObjectNode failed(Workflow wf, NodeRegistry registry, List<ValidationError> errors) {
        ObjectNode body = mapper.createObjectNode();
        ObjectNode nodeErrors = mapper.createObjectNode();
        Map<String, Set<String>> dependents = dependentOutputs(wf, registry);
        ValidationError global = null;
        StringBuilder lines = new StringBuilder();
        for (ValidationError e : errors) {
            if (lines.length() > 0) {
                lines.append('\n');
            }
            lines.append(SHORT.getOrDefault(e.code(), e.message())).append(": ").append(e.toLine());
            if (e.nodeId() == null || e.code() == ValidationCode.PROMPT_NO_OUTPUTS) {
                global = global == null ? e : global;
                continue;
            }
            ObjectNode entry = (ObjectNode) nodeErrors.get(e.nodeId());
            if (entry == null) {
                entry = nodeErrors.putObject(e.nodeId());
                entry.putArray("errors");
                ArrayNode deps = entry.putArray("dependent_outputs");
                dependents.getOrDefault(e.nodeId(), Set.of()).forEach(deps::add);
                NodeInstance n = wf.nodes().get(e.nodeId());
                entry.put("class_type", e.nodeType() != null ? e.nodeType() : n == null ? null : n.type());
            }
            ObjectNode extra = mapper.createObjectNode();
            if (e.input() != null) {
                extra.put("input_name", e.input());
            }
            e.details().forEach((k, v) -> extra.set(k, mapper.valueToTree(v)));
            ((ArrayNode) entry.get("errors")).add(
                    error(e.code().comfyName(), SHORT.getOrDefault(e.code(), e.message()), detailText(e), extra));
        }
        if (global != null && nodeErrors.isEmpty()) {
            body.set("error", error(global.code().comfyName(), "Prompt has no outputs", global.message(),
                    mapper.createObjectNode()));
        } else {
            body.set("error", error("prompt_outputs_failed_validation", "Prompt outputs failed validation",
                    lines.toString(), mapper.createObjectNode()));
        }
        body.set("node_errors", nodeErrors);
        return body;
    }

    private static String detailText(ValidationError e) {
        return e.input() == null ? e.message() : e.input() + ": " + e.message();
    }

    private ObjectNode error(String type, String message, String details, ObjectNode extra) {
        ObjectNode o = mapper.createObjectNode();
        o.put("type", type);
        o.put("message", message);
        o.put("details", details);
        o.set("extra_info", extra);
        return o;
    }

    /** For each node, the output nodes that (transitively) depend on it, itself included when it is one. */
    static Map<String, Set<String>> dependentOutputs(Workflow wf, NodeRegistry registry) {
        Map<String, Set<String>> result = new LinkedHashMap<>();
        for (NodeInstance n : wf.nodes().values()) {
            boolean isOutput = registry.find(n.type()).map(d -> d.schema().outputNode()).orElse(false);
            if (!isOutput) {
                continue;
            }
            Deque<String> todo = new ArrayDeque<>(List.of(n.id()));
            Set<String> seen = new HashSet<>();
            while (!todo.isEmpty()) {
                String id = todo.pop();
                if (!seen.add(id)) {
                    continue;
                }
                result.computeIfAbsent(id, k -> new java.util.LinkedHashSet<>()).add(n.id());
                NodeInstance cur = wf.nodes().get(id);
                if (cur == null) {
                    continue;
                }
                for (InputValue v : cur.inputs().values()) {
                    if (v instanceof Link l) {
                        todo.push(l.nodeId());
                    }
                }
            }
        }
        return result;
    }
}
