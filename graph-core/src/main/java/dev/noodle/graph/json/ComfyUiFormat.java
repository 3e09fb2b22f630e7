package dev.noodle.graph.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noodle.graph.model.Group;
import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Layout;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.NodeLayout;
import dev.noodle.graph.model.Note;
import dev.noodle.graph.model.Reroute;
import dev.noodle.graph.model.Subgraph;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.NodeDefinition;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.subgraph.SubgraphSchemas;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * ComfyUI's UI workflow format (LiteGraph): {@code {"nodes": [...], "links": [...], "groups": [...], "version": 0.4}}.
 *
 * <p>Reads schema versions 0.4 (links as arrays {@code [id, from, fromSlot, to, toSlot, type]}) and 1 (links as
 * objects, {@code state}); positional {@code widgets_values} are named by each node's {@link NodeSchema} (see
 * {@link ComfyUiWidgets}). Frontend-only nodes stay in the layout: {@code Reroute} nodes become {@link Reroute}s and
 * links are resolved through them; {@code PrimitiveNode}s give their value to the inputs they feed; {@code Note} and
 * {@code MarkdownNote} become {@link Note}s. Node types the registry does not know open as placeholders (their links
 * kept by input name, their widget values in the original JSON) so validation names them ({@code unknown_node_type}).
 *
 * <p>Every original JSON object is kept ({@link #NODE_KEY} in node extras, {@link #LAYOUT_NODES_KEY} and
 * {@link #GROUPS_KEY} in the layout extras, {@link #WORKFLOW_KEY} in the workflow extras) and {@link #write} re-emits it
 * unchanged where the graph did not change. Thread-safe (stateless).
 */
public final class ComfyUiFormat {
    /** Node extra: the node's original UI JSON object. */
    public static final String NODE_KEY = "comfyui.node";
    /** Workflow extra: the original top-level fields other than nodes and groups (links, version, extra, ...). */
    public static final String WORKFLOW_KEY = "comfyui.workflow";
    /** Workflow extra: the original order of all node ids. */
    public static final String ORDER_KEY = "comfyui.order";
    /** Layout extra: original JSON of frontend-only nodes (Reroute, PrimitiveNode, Note) by id. */
    public static final String LAYOUT_NODES_KEY = "comfyui.nodes";
    /** Layout extra: the original group objects, in order. */
    public static final String GROUPS_KEY = "comfyui.groups";

    static final Set<String> NOTE_TYPES = Set.of("Note", "MarkdownNote");
    static final String REROUTE = "Reroute";
    static final String PRIMITIVE = "PrimitiveNode";
    private static final ObjectMapper MAPPER = JsonValues.newMapper();

    private ComfyUiFormat() {}

    /** Parses a UI workflow; {@code registry} names widget values (null: values stay unnamed in the original JSON). */
    public static Workflow read(String json, String sourceName, NodeRegistry registry) {
        return WorkflowJson.parse(json, sourceName, registry);
    }

    /** Writes a workflow as a ComfyUI UI workflow (the schema version it was read in; 0.4 for new workflows). */
    public static String write(Workflow wf, NodeRegistry registry) {
        try {
            return MAPPER.writeValueAsString(new ComfyUiWriter(MAPPER, wf, registry).build()) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise UI workflow: " + e.getOriginalMessage(), e);
        }
    }

    /** Writes the API prompt ComfyUI would queue for this workflow (frontend-only nodes are not part of it). */
    public static String writeApi(Workflow wf) {
        return ComfyApiFormat.write(wf);
    }

    /** Whether a JSON object is a UI workflow: a {@code nodes} array. */
    static boolean looksLikeUiWorkflow(JsonNode root) {
        return root.isObject() && root.path("nodes").isArray();
    }

    /** One link of the file. */
    record LinkRec(String id, String origin, int originSlot, String target, int targetSlot, String type, JsonNode json) {}

    static Workflow fromTree(ObjectMapper mapper, JsonNode root, String source, NodeRegistry registry) {
        Map<String, ComfyUiSubgraphs.Hosted> hosted =
                ComfyUiSubgraphs.read(mapper, root.path("definitions").path("subgraphs"), registry);
        Map<String, Subgraph> defs = new LinkedHashMap<>();
        hosted.forEach((id, h) -> defs.put(id, h.def()));
        Workflow defsOnly = Workflow.empty(null).withSubgraphs(defs);
        Graph g = readGraph(mapper, root, type -> SubgraphSchemas.schemaOf(defsOnly, registry, type).orElse(null),
                hosted, new LinkedHashMap<>());
        ObjectNode top = ((ObjectNode) root).deepCopy();
        top.putNull("nodes"); // placeholders keep the original key order for the writer
        if (top.has("groups")) {
            top.putNull("groups");
        }
        if (top.path("definitions").has("subgraphs")) {
            ((ObjectNode) top.get("definitions")).putNull("subgraphs");
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put(WORKFLOW_KEY, JsonValues.toJava(mapper, top));
        extra.put(ORDER_KEY, g.order());
        String name = source == null ? null : source.replaceAll(".*[/\\\\]", "").replaceAll("\\.json$", "");
        return new Workflow(Workflow.CURRENT_FORMAT, name, g.nodes(), g.layout(), extra, defs);
    }

    /** One graph level read from UI JSON: nodes, layout and the original order of all node ids. */
    record Graph(Map<String, NodeInstance> nodes, Layout layout, List<String> order) {}

    /**
     * Reads the nodes, links and groups of one graph level (the top level or a subgraph definition's body).
     *
     * @param schemas node schemas by type (hosts included), null for unknown types
     * @param hosted the definitions hosts may use, with the values their promoted widgets show by default
     * @param promoted receives, by interface input index, the widget value of an inner input fed by that input (the
     *     value a host shows when it stores none of its own)
     */
    static Graph readGraph(ObjectMapper mapper, JsonNode root, Function<String, NodeSchema> schemas,
            Map<String, ComfyUiSubgraphs.Hosted> hosted, Map<Integer, Object> promoted) {
        Map<String, JsonNode> byId = new LinkedHashMap<>();
        int i = 0;
        for (JsonNode n : JsonValues.elements(root.get("nodes"))) {
            if (!n.isObject() || !n.path("type").isTextual() || n.path("type").asText().isBlank()) {
                throw new IllegalArgumentException("node #" + i + " in \"nodes\" has no \"type\"");
            }
            JsonNode id = n.get("id");
            if (id == null || !(id.isIntegralNumber() || id.isTextual())) {
                throw new IllegalArgumentException("node #" + i + " (" + n.get("type").asText() + ") has no \"id\"");
            }
            if (byId.put(id.asText(), n) != null) {
                throw new IllegalArgumentException("node id " + id.asText() + " appears twice");
            }
            i++;
        }
        Map<String, LinkRec> links = readLinks(root.get("links"));
        Map<String, NodeInstance> nodes = new LinkedHashMap<>();
        Map<String, NodeLayout> layouts = new LinkedHashMap<>();
        Map<String, Object> layoutOnly = new LinkedHashMap<>();
        List<Note> notes = new ArrayList<>();
        List<Reroute> reroutes = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : byId.entrySet()) {
            String id = e.getKey();
            JsonNode n = e.getValue();
            String type = n.get("type").asText();
            double[] pos = pair(n.get("pos"), 0, 0);
            double[] size = pair(n.get("size"), 200, 100);
            if (NOTE_TYPES.contains(type) || REROUTE.equals(type) || PRIMITIVE.equals(type)) {
                layoutOnly.put(id, JsonValues.toJava(mapper, n));
                if (REROUTE.equals(type)) {
                    reroutes.add(new Reroute(id, pos[0], pos[1], firstTarget(n, links)));
                } else if (!PRIMITIVE.equals(type)) {
                    JsonNode text = n.path("widgets_values").path(0);
                    notes.add(new Note(id, text.isTextual() ? text.asText() : "", pos[0], pos[1], size[0], size[1]));
                }
                continue;
            }
            nodes.put(id, readNode(mapper, id, type, n, byId, links, schemas.apply(type), hosted.get(type), promoted));
            layouts.put(id, nodeLayout(n, pos, size));
        }
        List<Group> groups = new ArrayList<>();
        for (JsonNode g : JsonValues.elements(root.get("groups"))) {
            double[] b = bounding(g.get("bounding"));
            groups.add(new Group(JsonValues.text(g, "title"), b[0], b[1], b[2], b[3], JsonValues.text(g, "color")));
        }
        Map<String, Object> layoutExtra = new LinkedHashMap<>();
        layoutExtra.put(LAYOUT_NODES_KEY, layoutOnly);
        layoutExtra.put(GROUPS_KEY, JsonValues.toJava(mapper, root.has("groups") ? root.get("groups")
                : mapper.createArrayNode()));
        Layout layout = new Layout(layouts, groups, notes, reroutes, layoutExtra);
        return new Graph(nodes, layout, new ArrayList<>(byId.keySet()));
    }

    private static NodeInstance readNode(ObjectMapper mapper, String id, String type, JsonNode n,
            Map<String, JsonNode> byId, Map<String, LinkRec> links, NodeSchema schema, ComfyUiSubgraphs.Hosted hosted,
            Map<Integer, Object> promoted) {
        Map<String, InputValue> inputs = new LinkedHashMap<>();
        JsonNode widgets = n.get("widgets_values");
        if (widgets != null && widgets.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = widgets.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> w = it.next();
                if (schema == null || schema.input(w.getKey()).isPresent()) {
                    inputs.put(w.getKey(), new Literal(JsonValues.toJava(mapper, w.getValue())));
                }
            }
        } else if (schema != null) {
            @SuppressWarnings("unchecked")
            List<Object> values = widgets != null && widgets.isArray()
                    ? (List<Object>) JsonValues.toJava(mapper, widgets) : null;
            List<String[]> proxies = hosted == null ? List.of() : ComfyUiSubgraphs.proxyWidgets(n);
            if (!proxies.isEmpty()) { // widgets_values follow the proxyWidgets list, not the interface
                ComfyUiSubgraphs.readProxied(schema, hosted, proxies, values, inputs);
            } else {
                for (Map.Entry<String, Object> w : ComfyUiWidgets.byName(schema, values).entrySet()) {
                    inputs.put(w.getKey(), new Literal(w.getValue()));
                }
                if (hosted != null) {
                    ComfyUiSubgraphs.fillPromoted(schema, hosted, values, inputs);
                }
            }
        }
        for (JsonNode in : JsonValues.elements(n.get("inputs"))) {
            JsonNode link = in.get("link");
            if (link == null || link.isNull()) {
                continue;
            }
            InputValue v = resolve(mapper, link.asText(), byId, links);
            if (v != null) {
                InputValue before = inputs.put(inputName(in), v);
                if (v instanceof Link l && Subgraph.INPUT_NODE.equals(l.nodeId()) && before instanceof Literal lit) {
                    promoted.putIfAbsent(l.outputIndex(), lit.value());
                }
            }
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put(NODE_KEY, JsonValues.toJava(mapper, n));
        return new NodeInstance(id, type, inputs, JsonValues.mode(n.get("mode")), extra);
    }

    /** The input's real name: converted widgets carry it in {@code widget.name}. */
    static String inputName(JsonNode in) {
        JsonNode w = in.path("widget").path("name");
        return w.isTextual() ? w.asText() : in.path("name").asText();
    }

    /**
     * The value an input link delivers: a link to the real source node, following Reroute nodes, or the value of a
     * PrimitiveNode; null when the chain is broken.
     */
    static InputValue resolve(ObjectMapper mapper, String linkId, Map<String, JsonNode> byId,
            Map<String, LinkRec> links) {
        Set<String> seen = new HashSet<>();
        LinkRec l = links.get(linkId);
        while (l != null && seen.add(l.id())) {
            JsonNode origin = byId.get(l.origin());
            if (origin == null) {
                return new Link(l.origin(), l.originSlot()); // validation reports the missing node
            }
            String type = origin.path("type").asText();
            if (PRIMITIVE.equals(type)) {
                return new Literal(JsonValues.toJava(mapper, origin.path("widgets_values").path(0)));
            }
            if (!REROUTE.equals(type)) {
                return new Link(l.origin(), l.originSlot());
            }
            JsonNode up = origin.path("inputs").path(0).get("link");
            l = up == null || up.isNull() ? null : links.get(up.asText());
        }
        return null;
    }

    static Map<String, LinkRec> readLinks(JsonNode array) {
        Map<String, LinkRec> links = new LinkedHashMap<>();
        int i = 0;
        for (JsonNode l : JsonValues.elements(array)) {
            LinkRec rec;
            if (l.isArray() && l.size() >= 5) {
                rec = new LinkRec(l.get(0).asText(), l.get(1).asText(), l.get(2).asInt(), l.get(3).asText(),
                        l.get(4).asInt(), l.path(5).isNull() ? null : l.path(5).asText(null), l);
            } else if (l.isObject() && l.has("id") && l.has("origin_id") && l.has("target_id")) {
                rec = new LinkRec(l.get("id").asText(), l.get("origin_id").asText(), l.path("origin_slot").asInt(),
                        l.get("target_id").asText(), l.path("target_slot").asInt(), l.path("type").asText(null), l);
            } else if (l.isNull()) {
                i++;
                continue;
            } else {
                throw new IllegalArgumentException("link #" + i + " is neither [id, from, fromSlot, to, toSlot, type]"
                        + " nor an object with id/origin_id/target_id: " + l);
            }
            links.put(rec.id(), rec);
            i++;
        }
        return links;
    }

    private static String firstTarget(JsonNode reroute, Map<String, LinkRec> links) {
        JsonNode out = reroute.path("outputs").path(0).path("links").path(0);
        LinkRec l = out.isMissingNode() || out.isNull() ? null : links.get(out.asText());
        return l == null ? null : l.target() + ":" + l.targetSlot();
    }

    private static NodeLayout nodeLayout(JsonNode n, double[] pos, double[] size) {
        Map<String, Object> extra = new LinkedHashMap<>();
        for (String key : List.of("color", "bgcolor")) {
            if (n.path(key).isTextual()) {
                extra.put(key, n.get(key).asText());
            }
        }
        JsonNode title = n.get("title");
        return new NodeLayout(pos[0], pos[1], size[0], size[1], n.path("flags").path("collapsed").asBoolean(false),
                title != null && title.isTextual() ? title.asText() : null, extra);
    }

    /** An [x, y] pair from an array or LiteGraph's old {"0": x, "1": y} object. */
    static double[] pair(JsonNode node, double dx, double dy) {
        if (node == null) {
            return new double[] {dx, dy};
        }
        if (node.isArray()) {
            return new double[] {node.path(0).asDouble(dx), node.path(1).asDouble(dy)};
        }
        return new double[] {node.path("0").asDouble(dx), node.path("1").asDouble(dy)};
    }

    private static double[] bounding(JsonNode b) {
        double[] out = new double[4];
        for (int k = 0; k < 4 && b != null; k++) {
            out[k] = b.isArray() ? b.path(k).asDouble() : b.path(Integer.toString(k)).asDouble();
        }
        return out;
    }
}
