package dev.noodle.graph.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Layout;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.NodeMode;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.graph.subgraph.SubgraphFlattener;
import dev.noodle.graph.validate.EffectiveGraph;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * ComfyUI's API prompt format: {@code {"3": {"class_type": "KSampler", "inputs": {...}, "_meta": {"title": ...}}}}.
 *
 * <p>Reading keeps {@code _meta} and other unknown node fields in {@link NodeInstance#extra()}. {@link #write} keeps
 * non-normal modes in {@code _meta.mode} so they survive a round trip; {@link #writeForExecution} writes what ComfyUI
 * should execute (muted nodes dropped, bypassed nodes rewired). Thread-safe.
 */
public final class ComfyApiFormat {
    // "type" and "mode" are Noodle node fields: kept as extras they could not be saved in the Noodle format (found
    // by WorkflowFuzzTest), and they mean nothing to ComfyUI's API format, so they are dropped on reading.
    private static final Set<String> NODE_FIELDS = Set.of("class_type", "inputs", "type", "mode");
    private static final ObjectMapper MAPPER = JsonValues.newMapper();

    private ComfyApiFormat() {}

    /** Parses an API prompt; {@code sourceName} names it in errors. */
    public static Workflow read(String json, String sourceName) {
        return WorkflowJson.parse(json, sourceName);
    }

    /** Whether a JSON object looks like an API prompt (non-empty, every value an object with class_type). */
    static boolean looksLikeApiPrompt(JsonNode root) {
        if (!root.isObject() || root.isEmpty()) {
            return false;
        }
        for (JsonNode v : (Iterable<JsonNode>) root::elements) {
            if (!v.isObject() || !v.has("class_type")) {
                return false;
            }
        }
        return true;
    }

    static Workflow fromTree(ObjectMapper mapper, JsonNode root, String source) {
        Map<String, NodeInstance> nodes = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = root.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode node = e.getValue();
            JsonNode type = node.get("class_type");
            if (!type.isTextual() || type.asText().isBlank()) {
                throw new IllegalArgumentException("node " + e.getKey() + " has an empty class_type");
            }
            Map<String, InputValue> inputs = new LinkedHashMap<>();
            JsonNode in = node.get("inputs");
            if (in != null && in.isObject()) {
                Iterator<Map.Entry<String, JsonNode>> fields = in.fields();
                while (fields.hasNext()) {
                    Map.Entry<String, JsonNode> f = fields.next();
                    inputs.put(f.getKey(), JsonValues.toInput(mapper, f.getValue()));
                }
            }
            NodeMode mode = JsonValues.mode(node.path("_meta").get("mode"));
            Map<String, Object> extra = JsonValues.extra(mapper, node, NODE_FIELDS);
            if (mode != NodeMode.NORMAL && extra.get("_meta") instanceof Map<?, ?> meta) {
                Map<Object, Object> copy = new LinkedHashMap<>(meta);
                copy.remove("mode");
                if (copy.isEmpty()) {
                    extra.remove("_meta");
                } else {
                    extra.put("_meta", copy);
                }
            }
            nodes.put(e.getKey(), new NodeInstance(e.getKey(), type.asText(), inputs, mode, extra));
        }
        String name = source == null ? null : source.replaceAll(".*[/\\\\]", "").replaceAll("\\.json$", "");
        return new Workflow(Workflow.CURRENT_FORMAT, name, nodes, Layout.empty(), Map.of());
    }

    /**
     * Writes every node with its inputs in the order they are held; non-normal modes go to {@code _meta.mode}.
     * Layout and workflow extras are not written. Prefer {@link #write(Workflow, NodeRegistry)}, whose output does
     * not depend on where the workflow was read from.
     */
    public static String write(Workflow wf) {
        return writeNodes(SubgraphFlattener.flatten(wf).workflow().nodes().values(), true);
    }

    /**
     * As {@link #write(Workflow)}, with each node's inputs in ComfyUI's prompt order ({@link #inPromptOrder}), so
     * the same graph gives the same text whether it came from an API prompt, a UI workflow or a PNG.
     */
    public static String write(Workflow wf, NodeRegistry registry) {
        return writeNodes(inPromptOrder(wf, registry).nodes().values(), true);
    }

    /** Writes what ComfyUI should execute: muted (and dependent) nodes dropped, links through bypassed nodes rewired. */
    public static String writeForExecution(Workflow wf, NodeRegistry registry) {
        return writeNodes(EffectiveGraph.build(wf, registry).nodes().values(), false);
    }

    /**
     * The workflow with each node's inputs in the order ComfyUI's frontend builds a prompt: widget inputs (literal
     * or linked) in schema order, then socket inputs in schema order, then inputs the schema does not declare, in
     * the order they were held. Nodes of unknown types keep their order. The input order of a workflow depends on
     * its source (a UI workflow lists widget values first, an API prompt as its author wrote it); this makes texts
     * written from it depend on the graph alone.
     */
    public static Workflow inPromptOrder(Workflow workflow, NodeRegistry registry) {
        Workflow wf = SubgraphFlattener.flatten(workflow).workflow();
        Map<String, NodeInstance> nodes = new LinkedHashMap<>();
        for (NodeInstance n : wf.nodes().values()) {
            nodes.put(n.id(), registry.find(n.type()).map(d -> inPromptOrder(n, d.schema())).orElse(n));
        }
        return new Workflow(wf.format(), wf.name(), nodes, wf.layout(), wf.extra());
    }

    private static NodeInstance inPromptOrder(NodeInstance n, NodeSchema schema) {
        Map<String, InputValue> ordered = new LinkedHashMap<>();
        for (boolean sockets : new boolean[] {false, true}) {
            for (InputSpec spec : schema.inputs()) {
                InputValue v = n.input(spec.name());
                if (v != null && (spec instanceof SocketInput) == sockets) {
                    ordered.put(spec.name(), v);
                }
            }
        }
        n.inputs().forEach(ordered::putIfAbsent);
        return new NodeInstance(n.id(), n.type(), ordered, n.mode(), n.extra());
    }

    private static String writeNodes(Collection<NodeInstance> nodes, boolean withModes) {
        ObjectNode root = MAPPER.createObjectNode();
        for (NodeInstance n : nodes) {
            ObjectNode node = root.putObject(n.id());
            ObjectNode inputs = node.putObject("inputs");
            for (Map.Entry<String, InputValue> in : n.inputs().entrySet()) {
                inputs.set(in.getKey(), JsonValues.fromInput(MAPPER, in.getValue()));
            }
            node.put("class_type", n.type());
            for (Map.Entry<String, Object> e : n.extra().entrySet()) {
                if (e.getKey().startsWith("comfyui.")) {
                    continue; // original UI JSON kept by ComfyUiFormat; not part of a prompt
                }
                node.set(e.getKey(), MAPPER.valueToTree(e.getValue()));
            }
            if (withModes && n.mode() != NodeMode.NORMAL) {
                JsonNode meta = node.get("_meta");
                ObjectNode m = meta instanceof ObjectNode o ? o : node.putObject("_meta");
                m.put("mode", JsonValues.modeName(n.mode()));
            }
        }
        try {
            return MAPPER.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise prompt: " + e.getOriginalMessage(), e);
        }
    }
}
