package dev.noodle.graph.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noodle.graph.json.ComfyUiFormat.LinkRec;
import dev.noodle.graph.model.ComponentRef;
import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.Subgraph;
import dev.noodle.graph.model.SubgraphInput;
import dev.noodle.graph.model.SubgraphOutput;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.subgraph.SubgraphFlattener;
import dev.noodle.graph.subgraph.SubgraphSchemas;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Reads ComfyUI's {@code definitions.subgraphs}: each definition's interface ({@code inputs}/{@code outputs} with ids,
 * names, types and {@code linkIds}), its body (nodes and links in object form, where node {@code -10} is the
 * interface's inputs and {@code -20} its outputs) and nested definitions, which ComfyUI lists in the same array.
 *
 * <p>Each body is read like a top-level UI workflow (its original JSON kept for the writer); a definition's component
 * reference travels in its {@code extra.noodleComponent}. Stateless.
 */
final class ComfyUiSubgraphs {
    /** Definition extra key, inside ComfyUI's {@code extra} object, of a component reference. */
    static final String COMPONENT_KEY = "noodleComponent";

    private ComfyUiSubgraphs() {}

    /** A definition and, by interface input index, the inner widget value its hosts show when they store none. */
    record Hosted(Subgraph def, Map<Integer, Object> defaults) {}

    /** Reads the definitions array (missing: none), nested definitions before those that use them. */
    static Map<String, Hosted> read(ObjectMapper mapper, JsonNode array, NodeRegistry registry) {
        Map<String, JsonNode> byId = new LinkedHashMap<>();
        int i = 0;
        for (JsonNode d : JsonValues.elements(array)) {
            if (!d.isObject() || !(d.path("id").isTextual() || d.path("id").isNumber())) {
                throw new IllegalArgumentException("subgraph definition #" + i + " has no \"id\"");
            }
            if (byId.put(d.get("id").asText(), d) != null) {
                throw new IllegalArgumentException("subgraph definition " + d.get("id").asText() + " appears twice");
            }
            i++;
        }
        Map<String, Hosted> done = new LinkedHashMap<>();
        for (String id : dependencyOrder(byId)) {
            Workflow sofar = Workflow.empty(null);
            for (Hosted h : done.values()) {
                sofar = sofar.withSubgraph(h.def());
            }
            Workflow defs = sofar;
            JsonNode d = byId.get(id);
            Map<Integer, Object> defaults = new LinkedHashMap<>();
            ComfyUiFormat.Graph g;
            try {
                g = ComfyUiFormat.readGraph(mapper, d,
                        type -> SubgraphSchemas.schemaOf(defs, registry, type).orElse(null), done, defaults);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("subgraph \"" + d.path("name").asText(id) + "\": "
                        + e.getMessage(), e);
            }
            done.put(id, new Hosted(definition(mapper, id, d, g), defaults));
        }
        Map<String, Hosted> inFileOrder = new LinkedHashMap<>();
        for (String id : byId.keySet()) {
            inFileOrder.put(id, done.get(id));
        }
        return inFileOrder;
    }

    /** Definition ids with every definition after those it uses; definitions that use each other keep file order. */
    private static List<String> dependencyOrder(Map<String, JsonNode> byId) {
        List<String> order = new ArrayList<>();
        Set<String> placed = new HashSet<>();
        boolean progress = true;
        while (order.size() < byId.size() && progress) {
            progress = false;
            for (Map.Entry<String, JsonNode> e : byId.entrySet()) {
                if (placed.contains(e.getKey())) {
                    continue;
                }
                boolean ready = true;
                for (JsonNode n : JsonValues.elements(e.getValue().get("nodes"))) {
                    String t = n.path("type").asText();
                    ready &= !byId.containsKey(t) || placed.contains(t) || t.equals(e.getKey());
                }
                if (ready) {
                    order.add(e.getKey());
                    placed.add(e.getKey());
                    progress = true;
                }
            }
        }
        for (String id : byId.keySet()) {
            if (placed.add(id)) {
                order.add(id); // a cycle: the flattener reports it when a host is used
            }
        }
        return order;
    }

    private static Subgraph definition(ObjectMapper mapper, String id, JsonNode d, ComfyUiFormat.Graph g) {
        String name = d.path("name").isTextual() && !d.get("name").asText().isBlank() ? d.get("name").asText()
                : "Subgraph";
        List<SubgraphInput> inputs = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        int k = 0;
        for (JsonNode p : JsonValues.elements(d.get("inputs"))) {
            String portName = unique(names, text(p, "name", "input_" + k));
            inputs.add(new SubgraphInput(text(p, "id", "input-" + k), portName, text(p, "type", "*"),
                    p.path("label").isTextual() ? p.get("label").asText() : null, Map.of()));
            k++;
        }
        Map<String, LinkRec> links = ComfyUiFormat.readLinks(d.get("links"));
        Map<String, JsonNode> nodesById = new LinkedHashMap<>();
        for (JsonNode n : JsonValues.elements(d.get("nodes"))) {
            nodesById.put(n.path("id").asText(), n);
        }
        List<SubgraphOutput> outputs = new ArrayList<>();
        names.clear();
        k = 0;
        for (JsonNode p : JsonValues.elements(d.get("outputs"))) {
            Link source = null;
            for (JsonNode linkId : JsonValues.elements(p.get("linkIds"))) {
                InputValue v = ComfyUiFormat.resolve(mapper, linkId.asText(), nodesById, links);
                if (v instanceof Link l) {
                    source = l;
                    break;
                }
            }
            String portName = unique(names, text(p, "name", "output_" + k));
            outputs.add(new SubgraphOutput(text(p, "id", "output-" + k), portName, text(p, "type", "*"),
                    p.path("label").isTextual() ? p.get("label").asText() : null, source, Map.of()));
            k++;
        }
        ComponentRef component = null;
        JsonNode c = d.path("extra").path(COMPONENT_KEY);
        if (c.path("id").isTextual() && c.path("version").isIntegralNumber() && c.get("version").asInt() >= 1) {
            component = new ComponentRef(c.get("id").asText(), c.get("version").asInt());
        }
        ObjectNode original = ((ObjectNode) d).deepCopy();
        original.putNull("nodes");
        if (original.has("groups")) {
            original.putNull("groups");
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put(ComfyUiFormat.WORKFLOW_KEY, JsonValues.toJava(mapper, original));
        extra.put(ComfyUiFormat.ORDER_KEY, g.order());
        Workflow body = new Workflow(Workflow.CURRENT_FORMAT, name, g.nodes(), g.layout(), extra);
        String description = d.path("description").isTextual() ? d.get("description").asText() : null;
        return new Subgraph(id, name, description, inputs, outputs, body, component, Map.of());
    }

    /**
     * Gives a host's promoted widgets that its widgets_values do not cover the value the inner widget holds, as
     * ComfyUI's frontend shows and runs them.
     */
    static void fillPromoted(NodeSchema schema, Hosted hosted, List<Object> values,
            Map<String, InputValue> inputs) {
        int stored = values == null ? 0 : values.size();
        for (ComfyUiWidgets.Slot slot : ComfyUiWidgets.slots(schema, values == null ? List.of() : values)) {
            if (slot.index() < stored) {
                continue;
            }
            InputSpec spec = slot.spec();
            int port = schema.inputs().indexOf(spec);
            Object inner = hosted.defaults().get(port);
            if (inner != null) {
                inputs.put(spec.name(), new Literal(inner));
            }
        }
    }

    /**
     * By interface input index, the value the inner widget fed by it holds in the definition's original JSON (what a
     * host that stores no value of its own shows); the writer's twin of the values the reader collects.
     */
    static Map<Integer, Object> innerDefaults(ObjectMapper mapper, Workflow root, NodeRegistry registry,
            Subgraph def) {
        return innerDefaults(mapper, root, registry, def, new HashSet<>());
    }

    private static Map<Integer, Object> innerDefaults(ObjectMapper mapper, Workflow root, NodeRegistry registry,
            Subgraph def, Set<String> seen) {
        Map<Integer, Object> out = new LinkedHashMap<>();
        if (!seen.add(def.id())) {
            return out;
        }
        for (var n : def.body().nodes().values()) {
            if (!(n.extra().get(ComfyUiFormat.NODE_KEY) instanceof Map<?, ?> orig)) {
                continue;
            }
            NodeSchema schema = SubgraphSchemas.schemaOf(root, registry, n.type()).orElse(null);
            JsonNode wv = mapper.valueToTree(orig).get("widgets_values");
            if (schema == null || (wv != null && !wv.isArray())) {
                continue;
            }
            @SuppressWarnings("unchecked")
            List<Object> values = wv == null ? null : (List<Object>) JsonValues.toJava(mapper, wv);
            Map<String, Object> named = new LinkedHashMap<>(ComfyUiWidgets.byName(schema, values));
            Subgraph nested = root.subgraphs().get(n.type());
            if (nested != null) { // a nested host shows its own inner values where it stores none, as on reading
                Map<Integer, Object> deeper = innerDefaults(mapper, root, registry, nested, seen);
                int stored = values == null ? 0 : values.size();
                for (ComfyUiWidgets.Slot slot : ComfyUiWidgets.slots(schema, values == null ? List.of() : values)) {
                    Object v = deeper.get(schema.inputs().indexOf(slot.spec()));
                    if (slot.index() >= stored && v != null) {
                        named.put(slot.spec().name(), v);
                    }
                }
            }
            for (var in : n.inputs().entrySet()) {
                if (in.getValue() instanceof Link l && Subgraph.INPUT_NODE.equals(l.nodeId())
                        && named.get(in.getKey()) != null) {
                    out.putIfAbsent(l.outputIndex(), named.get(in.getKey()));
                }
            }
        }
        seen.remove(def.id());
        return out;
    }

    /** The JSON skeleton of a definition ComfyUI never saw (made in Noodle): boundary nodes, state, no nodes yet. */
    static ObjectNode newDefinition(ObjectMapper mapper, Subgraph def) {
        ObjectNode d = mapper.createObjectNode();
        d.put("id", def.id());
        d.put("version", 1);
        ObjectNode state = d.putObject("state");
        state.put("lastGroupId", 0);
        state.put("lastNodeId", 0);
        state.put("lastLinkId", 0);
        state.put("lastRerouteId", 0);
        d.put("revision", 0);
        d.putObject("config");
        d.put("name", def.name());
        double minX = 0;
        double maxX = 400;
        double minY = 0;
        boolean first = true;
        for (var l : def.body().layout().nodes().values()) {
            minX = first ? l.x() : Math.min(minX, l.x());
            maxX = first ? l.x() + l.width() : Math.max(maxX, l.x() + l.width());
            minY = first ? l.y() : Math.min(minY, l.y());
            first = false;
        }
        ObjectNode in = d.putObject("inputNode");
        in.put("id", -10);
        in.putArray("bounding").add(minX - 200).add(minY).add(120).add(40 + 20 * def.inputs().size());
        ObjectNode out = d.putObject("outputNode");
        out.put("id", -20);
        out.putArray("bounding").add(maxX + 80).add(minY).add(120).add(40 + 20 * def.outputs().size());
        d.putArray("inputs");
        d.putArray("outputs");
        d.putArray("widgets");
        d.putNull("nodes");
        d.putArray("groups");
        d.putArray("links");
        d.putObject("extra");
        return d;
    }

    /**
     * The links from inner outputs to the interface's outputs ({@code -20}): original ones where they still deliver
     * the same output, new ones otherwise.
     */
    static List<LinkRec> outputLinks(Subgraph def, JsonNode originalPorts, Map<String, LinkRec> orig,
            Set<String> nodeIds, Supplier<String> newId, Function<Link, String> typeOf) {
        Map<String, Set<String>> listed = new LinkedHashMap<>();
        for (JsonNode p : JsonValues.elements(originalPorts)) {
            Set<String> ids = new LinkedHashSet<>();
            JsonValues.elements(p.get("linkIds")).forEach(x -> ids.add(x.asText()));
            listed.put(p.path("id").asText(), ids);
        }
        List<LinkRec> out = new ArrayList<>();
        Set<String> chosen = new HashSet<>();
        for (int k = 0; k < def.outputs().size(); k++) {
            Link src = def.outputs().get(k).source();
            if (src == null) {
                continue;
            }
            Set<String> mine = listed.getOrDefault(def.outputs().get(k).id(), Set.of());
            LinkRec found = null;
            for (LinkRec l : orig.values()) {
                if (Subgraph.OUTPUT_NODE.equals(l.target()) && l.targetSlot() == k
                        && l.origin().equals(src.nodeId()) && l.originSlot() == src.outputIndex()
                        && (found == null || (mine.contains(l.id()) && !mine.contains(found.id())))) {
                    found = l;
                }
            }
            LinkRec link = found != null ? found : new LinkRec(newId.get(), src.nodeId(), src.outputIndex(),
                    Subgraph.OUTPUT_NODE, k, typeOf.apply(src), null);
            out.add(link);
            chosen.add(link.id());
        }
        // other original links into the outputs that deliver what the output still delivers (or point past the
        // last output) change nothing when run, so they stay as the file had them
        for (LinkRec l : orig.values()) {
            if (!Subgraph.OUTPUT_NODE.equals(l.target()) || chosen.contains(l.id())
                    || !(nodeIds.contains(l.origin()) || Subgraph.INPUT_NODE.equals(l.origin()))) {
                continue;
            }
            int k = l.targetSlot();
            Link src = k >= 0 && k < def.outputs().size() ? def.outputs().get(k).source() : null;
            boolean same = src != null && src.nodeId().equals(l.origin()) && src.outputIndex() == l.originSlot();
            if (same || k >= def.outputs().size()) {
                out.add(l);
            }
        }
        return out;
    }

    /** The link each interface output lists: of several links into one output, the one the file listed. */
    static Map<Integer, String> listedOutputLinks(Subgraph def, List<LinkRec> outputLinks) {
        Map<Integer, String> out = new LinkedHashMap<>();
        for (LinkRec l : outputLinks) {
            if (l.targetSlot() >= 0 && l.targetSlot() < def.outputs().size()) {
                out.putIfAbsent(l.targetSlot(), l.id());
            }
        }
        return out;
    }

    /** Writes the definition's name, component reference and interface (ports with their final link ids). */
    static void writeInterface(ObjectMapper mapper, ObjectNode d, Subgraph def, List<LinkRec> links,
            Map<Integer, String> outputLinkIds) {
        if (!def.name().equals(d.path("name").asText(null))) {
            d.put("name", def.name());
        }
        if (def.description() != null && !def.description().equals(d.path("description").asText(null))) {
            d.put("description", def.description());
        }
        if (def.component() != null) {
            ObjectNode extra = d.get("extra") instanceof ObjectNode e ? e : d.putObject("extra");
            ObjectNode c = extra.putObject(COMPONENT_KEY);
            c.put("id", def.component().id());
            c.put("version", def.component().version());
        } else if (d.get("extra") instanceof ObjectNode e) {
            e.remove(COMPONENT_KEY);
        }
        d.set("inputs", ports(mapper, d.get("inputs"), def.inputs().stream()
                .map(p -> new String[] {p.id(), p.name(), p.type(), p.label()}).toList(), links, null));
        d.set("outputs", ports(mapper, d.get("outputs"), def.outputs().stream()
                .map(p -> new String[] {p.id(), p.name(), p.type(), p.label()}).toList(), links, outputLinkIds));
    }

    private static ArrayNode ports(ObjectMapper mapper, JsonNode original, List<String[]> ports, List<LinkRec> links,
            Map<Integer, String> outputLinkIds) {
        boolean inputs = outputLinkIds == null;
        Map<String, JsonNode> byId = new LinkedHashMap<>();
        for (JsonNode p : JsonValues.elements(original)) {
            byId.put(p.path("id").asText(), p);
        }
        ArrayNode arr = mapper.createArrayNode();
        for (int k = 0; k < ports.size(); k++) {
            String[] p = ports.get(k);
            ObjectNode json = byId.get(p[0]) instanceof ObjectNode o ? o.deepCopy() : mapper.createObjectNode();
            if (!json.has("id")) {
                json.put("id", p[0]);
            }
            if (!p[1].equals(json.path("name").asText(null))) {
                json.put("name", p[1]);
            }
            if (!p[2].equals(json.path("type").asText(null))) {
                json.put("type", p[2]);
            }
            if (p[3] == null) {
                json.remove("label");
            } else if (!p[3].equals(json.path("label").asText(null))) {
                json.put("label", p[3]);
            }
            List<Long> want = new ArrayList<>();
            for (LinkRec l : links) {
                if (inputs && Subgraph.INPUT_NODE.equals(l.origin()) && l.originSlot() == k) {
                    want.add(ComfyUiWriter.parseLong(l.id()));
                }
            }
            if (!inputs && outputLinkIds.get(k) != null) {
                want.add(ComfyUiWriter.parseLong(outputLinkIds.get(k)));
            }
            List<Long> have = new ArrayList<>();
            JsonValues.elements(json.get("linkIds")).forEach(x -> have.add(x.asLong()));
            if (!have.equals(want)) {
                ArrayNode ids = json.putArray("linkIds");
                want.forEach(ids::add);
            }
            arr.add(json);
        }
        return arr;
    }

    /** A host's {@code properties.proxyWidgets}: [inner node id ("-1": the host's own input), widget name]. */
    static List<String[]> proxyWidgets(JsonNode host) {
        List<String[]> out = new ArrayList<>();
        for (JsonNode e : JsonValues.elements(host.path("properties").get("proxyWidgets"))) {
            if (e.isArray() && e.size() >= 2) {
                String widget = e.get(1).asText();
                int cut = widget.lastIndexOf(": "); // old files prefix the path: "6: 3: string_a"
                out.add(new String[] {e.get(0).asText(), cut < 0 ? widget : widget.substring(cut + 2)});
            }
        }
        return out;
    }

    /**
     * The interface input a proxy widget shows: the host's own input for {@code -1}, else the one feeding the named
     * inner widget; -1 when it shows an inner widget no interface input feeds.
     */
    static int proxiedPort(Subgraph def, String[] proxy) {
        if ("-1".equals(proxy[0])) {
            return def.inputIndex(proxy[1]);
        }
        var inner = def.body().nodes().get(proxy[0]);
        if (inner != null && inner.input(proxy[1]) instanceof Link l && Subgraph.INPUT_NODE.equals(l.nodeId())) {
            return l.outputIndex();
        }
        return -1;
    }

    /**
     * The inner inputs a proxy widget that no interface input feeds sets: the named widget of an inner node, or the
     * inputs an inner {@code PrimitiveNode} (a UI-only node, kept in the body's layout) gives its value to.
     */
    static List<String[]> proxyTargets(Subgraph def, String[] proxy) {
        List<String[]> out = new ArrayList<>();
        if ("-1".equals(proxy[0])) {
            return out;
        }
        if (def.body().nodes().containsKey(proxy[0])) {
            if (def.body().node(proxy[0]).inputs().containsKey(proxy[1])) {
                out.add(new String[] {proxy[0], proxy[1]});
            }
            return out;
        }
        if (!(def.body().layout().extra().get(ComfyUiFormat.LAYOUT_NODES_KEY) instanceof Map<?, ?> uiOnly)
                || !(uiOnly.get(proxy[0]) instanceof Map<?, ?> primitive)
                || !ComfyUiFormat.PRIMITIVE.equals(primitive.get("type"))) {
            return out;
        }
        Set<String> fed = new HashSet<>();
        if (primitive.get("outputs") instanceof List<?> outs) {
            for (Object o : outs) {
                if (o instanceof Map<?, ?> m && m.get("links") instanceof List<?> ids) {
                    ids.forEach(id -> fed.add(String.valueOf(id)));
                }
            }
        }
        for (var n : def.body().nodes().values()) {
            if (n.extra().get(ComfyUiFormat.NODE_KEY) instanceof Map<?, ?> json
                    && json.get("inputs") instanceof List<?> ins) {
                for (Object in : ins) {
                    if (in instanceof Map<?, ?> m && m.get("link") != null && fed.contains(String.valueOf(m.get("link")))) {
                        Object w = m.get("widget") instanceof Map<?, ?> wm ? wm.get("name") : m.get("name");
                        if (w != null && n.inputs().containsKey(w.toString())) {
                            out.add(new String[] {n.id(), w.toString()});
                        }
                    }
                }
            }
        }
        return out;
    }

    /** Reads a host's values in proxyWidgets order, then fills its other promoted widgets from the inner ones. */
    static void readProxied(NodeSchema schema, Hosted hosted, List<String[]> proxies, List<Object> values,
            Map<String, InputValue> inputs) {
        int n = values == null ? 0 : Math.min(values.size(), proxies.size());
        for (int i = 0; i < n; i++) {
            int port = proxiedPort(hosted.def(), proxies.get(i));
            if (port >= 0 && port < schema.inputs().size()
                    && !(schema.inputs().get(port) instanceof dev.noodle.graph.spec.SocketInput<?>)) {
                inputs.putIfAbsent(schema.inputs().get(port).name(), new Literal(values.get(i)));
            } else if (port < 0) { // a per-host value of an inner widget no interface input feeds
                for (String[] t : proxyTargets(hosted.def(), proxies.get(i))) {
                    InputValue inner = hosted.def().body().node(t[0]).input(t[1]);
                    if (values.get(i) != null && !(inner instanceof Literal lit
                            && ComfyUiWriter.sameValue(lit.value(), values.get(i)))) {
                        inputs.put(SubgraphFlattener.overrideKey(t[0], t[1]), new Literal(values.get(i)));
                    }
                }
            }
        }
        for (int port = 0; port < schema.inputs().size(); port++) {
            InputSpec spec = schema.inputs().get(port);
            Object inner = hosted.defaults().get(port);
            if (!(spec instanceof dev.noodle.graph.spec.SocketInput<?>) && !inputs.containsKey(spec.name())
                    && inner != null) {
                inputs.put(spec.name(), new Literal(inner));
            }
        }
    }

    private static String unique(Set<String> names, String name) {
        String n = name;
        for (int i = 2; !names.add(n); i++) {
            n = name + "_" + i;
        }
        return n;
    }

    private static String text(JsonNode obj, String field, String fallback) {
        JsonNode v = obj.get(field);
        return v == null || v.isNull() || v.asText().isBlank() ? fallback : v.asText();
    }
}
