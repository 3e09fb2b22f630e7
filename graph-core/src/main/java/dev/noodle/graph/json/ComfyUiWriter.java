package dev.noodle.graph.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noodle.graph.json.ComfyUiFormat.LinkRec;
import dev.noodle.graph.model.Group;
import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.NodeLayout;
import dev.noodle.graph.model.NodeMode;
import dev.noodle.graph.model.Note;
import dev.noodle.graph.model.Reroute;
import dev.noodle.graph.model.Subgraph;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.OutputSpec;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.graph.subgraph.SubgraphFlattener;
import dev.noodle.graph.subgraph.SubgraphSchemas;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Builds the UI JSON of one workflow, starting from the original JSON kept at import and changing only what differs.
 *
 * <p>Links whose chain (through Reroute nodes, or from a PrimitiveNode) still delivers the same value keep their ids;
 * changed inputs get new direct links. Single use; not thread-safe.
 */
final class ComfyUiWriter {
    private final ObjectMapper mapper;
    private final Workflow wf;
    private final NodeRegistry registry;
    private final Workflow root;
    private final Subgraph def;
    private final Map<String, JsonNode> origNodes = new LinkedHashMap<>();
    private final Map<String, LinkRec> origLinks;
    private final ObjectNode top;
    private final boolean v1;
    private final Set<String> kept = new LinkedHashSet<>();
    private final List<LinkRec> added = new ArrayList<>();
    private final Map<String, ObjectNode> out = new LinkedHashMap<>();
    private long nextLinkId;
    /** In a definition's body: the link each interface output lists (others into it are kept but not listed). */
    private Map<Integer, String> outputLinkIds = Map.of();
    /** By definition id, the values its hosts' promoted widgets show when they store none (one walk per definition). */
    private final Map<String, Map<Integer, Object>> innerDefaults = new HashMap<>();

    ComfyUiWriter(ObjectMapper mapper, Workflow wf, NodeRegistry registry) {
        this(mapper, wf, registry, wf, null);
    }

    /** A writer of one definition's body ({@code def} non-null) or of the top level ({@code def} null). */
    ComfyUiWriter(ObjectMapper mapper, Workflow wf, NodeRegistry registry, Workflow root, Subgraph def) {
        this.mapper = mapper;
        this.wf = wf;
        this.registry = registry;
        this.root = root;
        this.def = def;
        Object orig = wf.extra().get(ComfyUiFormat.WORKFLOW_KEY);
        top = orig instanceof Map<?, ?> ? (ObjectNode) mapper.valueToTree(orig)
                : def == null ? defaults() : ComfyUiSubgraphs.newDefinition(mapper, def);
        origLinks = ComfyUiFormat.readLinks(top.get("links"));
        JsonNode firstLink = top.path("links").path(0);
        v1 = firstLink.isObject() || (firstLink.isMissingNode() && top.path("version").asDouble(0.4) >= 1);
        if (wf.layout().extra().get(ComfyUiFormat.LAYOUT_NODES_KEY) instanceof Map<?, ?> m) {
            m.forEach((k, v) -> origNodes.put(k.toString(), mapper.valueToTree(v)));
        }
        for (NodeInstance n : wf.nodes().values()) {
            if (n.extra().get(ComfyUiFormat.NODE_KEY) instanceof Map<?, ?> m) {
                origNodes.put(n.id(), mapper.valueToTree(m));
            }
        }
        long max = Math.max(top.path("last_link_id").asLong(0), top.path("state").path("lastLinkId").asLong(0));
        for (String id : origLinks.keySet()) {
            max = Math.max(max, parseLong(id));
        }
        nextLinkId = max + 1;
    }

    private ObjectNode defaults() {
        ObjectNode t = mapper.createObjectNode();
        t.put("last_node_id", 0);
        t.put("last_link_id", 0);
        t.putNull("nodes");
        t.putArray("links");
        t.putArray("groups");
        t.putObject("config");
        t.putObject("extra");
        t.put("version", 0.4);
        return t;
    }

    ObjectNode build() {
        for (NodeInstance n : wf.nodes().values()) {
            out.put(n.id(), realNode(n));
        }
        Set<String> rerouteIds = new HashSet<>();
        for (Reroute r : wf.layout().reroutes()) {
            if (origNodes.get(r.id()) instanceof ObjectNode o) {
                ObjectNode json = o.deepCopy();
                setPair(json, "pos", r.x(), r.y());
                out.put(r.id(), json);
                rerouteIds.add(r.id());
            }
        }
        for (Note note : wf.layout().notes()) {
            out.put(note.id(), noteNode(note));
        }
        for (Map.Entry<String, JsonNode> e : origNodes.entrySet()) {
            if (ComfyUiFormat.PRIMITIVE.equals(e.getValue().path("type").asText())) {
                out.put(e.getKey(), ((ObjectNode) e.getValue()).deepCopy());
            }
        }
        for (LinkRec l : origLinks.values()) { // reroute inputs stay wired while both ends exist
            if (rerouteIds.contains(l.target()) && out.containsKey(l.origin())) {
                kept.add(l.id());
            }
        }
        List<LinkRec> newOutputLinks = new ArrayList<>();
        if (def != null) { // links to the interface's outputs: originals keep their place, new ones go last
            List<LinkRec> toOutputs = ComfyUiSubgraphs.outputLinks(def, top.get("outputs"), origLinks,
                    wf.nodes().keySet(), () -> Long.toString(nextLinkId++), this::outputType);
            outputLinkIds = ComfyUiSubgraphs.listedOutputLinks(def, toOutputs);
            for (LinkRec l : toOutputs) {
                if (l.json() != null) {
                    kept.add(l.id());
                } else {
                    newOutputLinks.add(l);
                }
            }
        }
        List<LinkRec> links = new ArrayList<>();
        for (LinkRec l : origLinks.values()) {
            if (kept.contains(l.id())) {
                links.add(l);
            }
        }
        links.addAll(added);
        links.addAll(newOutputLinks);
        rewire(links);
        ArrayNode nodes = mapper.createArrayNode();
        List<String> order = new ArrayList<>();
        if (wf.extra().get(ComfyUiFormat.ORDER_KEY) instanceof List<?> l) {
            l.forEach(id -> order.add(id.toString()));
        }
        for (String id : order) {
            if (out.containsKey(id)) {
                nodes.add(out.get(id));
            }
        }
        for (Map.Entry<String, ObjectNode> e : out.entrySet()) {
            if (!order.contains(e.getKey())) {
                nodes.add(e.getValue());
            }
        }
        top.set("nodes", nodes);
        ArrayNode linkArray = mapper.createArrayNode();
        long maxLink = 0;
        for (LinkRec l : links) {
            linkArray.add(l.json() != null ? l.json() : linkJson(l));
            maxLink = Math.max(maxLink, parseLong(l.id()));
        }
        top.set("links", linkArray);
        top.set("groups", groups());
        long maxNode = 0;
        for (String id : out.keySet()) {
            maxNode = Math.max(maxNode, parseLong(id));
        }
        raise(v1 && top.has("state") ? (ObjectNode) top.get("state") : top,
                v1 && top.has("state") ? "lastNodeId" : "last_node_id", maxNode);
        raise(v1 && top.has("state") ? (ObjectNode) top.get("state") : top,
                v1 && top.has("state") ? "lastLinkId" : "last_link_id", maxLink);
        if (def != null) {
            ComfyUiSubgraphs.writeInterface(mapper, top, def, links, outputLinkIds);
        } else if (!root.subgraphs().isEmpty() || top.path("definitions").has("subgraphs")) {
            ArrayNode defs = mapper.createArrayNode();
            for (Subgraph d : root.subgraphs().values()) {
                defs.add(new ComfyUiWriter(mapper, d.body(), registry, root, d).build());
            }
            ObjectNode definitions = top.get("definitions") instanceof ObjectNode o ? o : top.putObject("definitions");
            definitions.set("subgraphs", defs);
        }
        return top;
    }

    private ObjectNode realNode(NodeInstance n) {
        JsonNode orig = origNodes.get(n.id());
        ObjectNode json = orig instanceof ObjectNode o ? o.deepCopy() : newNode(n.id(), n.type());
        if (!n.type().equals(json.path("type").asText())) {
            json.put("type", n.type());
        }
        NodeSchema schema = schemaOf(n.type());
        ArrayNode inputs = json.get("inputs") instanceof ArrayNode a ? a : mapper.createArrayNode();
        for (Map.Entry<String, InputValue> in : n.inputs().entrySet()) {
            int slot = slotOf(inputs, in.getKey());
            JsonNode linkNode = slot < 0 ? null : inputs.get(slot).get("link");
            String origLink = linkNode == null || linkNode.isNull() ? null : linkNode.asText();
            List<String> chain = origLink == null ? null : chain(origLink, in.getValue());
            if (chain != null) {
                kept.addAll(chain);
            } else if (in.getValue() instanceof Link link) {
                if (slot < 0) {
                    slot = appendInput(inputs, in.getKey(), schema);
                    json.set("inputs", inputs);
                }
                added.add(new LinkRec(Long.toString(nextLinkId++), link.nodeId(), link.outputIndex(), n.id(), slot,
                        outputType(link), null));
            }
        }
        if (schema != null) {
            writeWidgets(json, n, schema);
            if (!isOriginal(n)) {
                ensureOutputs(json, schema, schema.outputs().size());
            }
        }
        if (JsonValues.mode(json.get("mode")) != n.mode()) {
            json.put("mode", n.mode() == NodeMode.MUTED ? 2 : n.mode() == NodeMode.BYPASSED ? 4 : 0);
        }
        NodeLayout layout = wf.layout().nodes().get(n.id());
        if (layout != null) {
            setPair(json, "pos", layout.x(), layout.y());
            setPair(json, "size", layout.width(), layout.height());
            boolean collapsed = json.path("flags").path("collapsed").asBoolean(false);
            if (collapsed != layout.collapsed()) {
                (json.get("flags") instanceof ObjectNode f ? f : json.putObject("flags"))
                        .put("collapsed", layout.collapsed());
            }
            JsonNode title = json.get("title");
            String oldTitle = title != null && title.isTextual() ? title.asText() : null;
            if (!Objects.equals(oldTitle, layout.title())) {
                if (layout.title() == null) {
                    json.remove("title");
                } else {
                    json.put("title", layout.title());
                }
            }
            for (String key : List.of("color", "bgcolor")) {
                Object v = layout.extra().get(key);
                if (v != null && !v.toString().equals(json.path(key).asText(null))) {
                    json.put(key, v.toString());
                }
            }
        }
        return json;
    }

    /** The original link ids from {@code linkId} back to the source, when that chain still delivers {@code value}. */
    private List<String> chain(String linkId, InputValue value) {
        List<String> ids = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        LinkRec l = origLinks.get(linkId);
        while (l != null && seen.add(l.id())) {
            ids.add(l.id());
            JsonNode origin = origNodes.get(l.origin());
            String type = origin == null ? "" : origin.path("type").asText();
            if (ComfyUiFormat.PRIMITIVE.equals(type)) {
                Object v = JsonValues.toJava(mapper, origin.path("widgets_values").path(0));
                return value instanceof Literal lit && sameValue(lit.value(), v) ? ids : null;
            }
            if (ComfyUiFormat.REROUTE.equals(type)) {
                String rerouteId = l.origin();
                boolean stillThere = wf.layout().reroutes().stream().anyMatch(r -> r.id().equals(rerouteId));
                JsonNode up = origin.path("inputs").path(0).get("link");
                if (!stillThere || up == null || up.isNull()) {
                    return null;
                }
                l = origLinks.get(up.asText());
                continue;
            }
            return value instanceof Link link && link.nodeId().equals(l.origin())
                    && link.outputIndex() == l.originSlot() && (wf.nodes().containsKey(l.origin())
                            || (def != null && Subgraph.INPUT_NODE.equals(l.origin()))) ? ids : null;
        }
        return null;
    }

    private void writeWidgets(ObjectNode json, NodeInstance n, NodeSchema schema) {
        JsonNode wv = json.get("widgets_values");
        if (wv instanceof ObjectNode obj) {
            for (Map.Entry<String, InputValue> in : n.inputs().entrySet()) {
                if (in.getValue() instanceof Literal lit && schema.input(in.getKey()).isPresent()
                        && !sameValue(JsonValues.toJava(mapper, obj.get(in.getKey())), lit.value())) {
                    obj.set(in.getKey(), mapper.valueToTree(lit.value()));
                }
            }
            return;
        }
        @SuppressWarnings("unchecked")
        List<Object> values = wv instanceof ArrayNode a ? (List<Object>) JsonValues.toJava(mapper, a) : null;
        List<ComfyUiWidgets.Slot> slots = ComfyUiWidgets.slots(schema, values);
        // a host's promoted widget that stores no value shows the inner widget's: that is its baseline
        Subgraph hosted = root.subgraphs().get(n.type());
        Map<Integer, Object> inner = hosted == null ? Map.of() : innerDefaults.computeIfAbsent(hosted.id(),
                id -> ComfyUiSubgraphs.innerDefaults(mapper, root, registry, hosted));
        java.util.function.Function<InputSpec, Object> baseline = spec -> {
            Object v = inner.get(schema.inputs().indexOf(spec));
            return v != null ? v : ComfyUiWidgets.defaultValue(spec);
        };
        List<String[]> proxies = hosted == null ? List.of() : ComfyUiSubgraphs.proxyWidgets(json);
        if (!proxies.isEmpty()) {
            writeProxied(json, n, schema, hosted, proxies, values, baseline);
            return;
        }
        boolean allDefaults = slots.stream().allMatch(s -> !(n.input(s.spec().name()) instanceof Literal lit)
                || sameValue(lit.value(), baseline.apply(s.spec())));
        if (slots.isEmpty() || (values == null && allDefaults && isOriginal(n))) {
            return;
        }
        List<Object> updated = values == null ? new ArrayList<>() : new ArrayList<>(values);
        int originalSize = updated.size();
        int lastNeeded = -1; // slots past the original list are written only up to the last one holding news
        for (int k = 0; k < slots.size(); k++) {
            ComfyUiWidgets.Slot s = slots.get(k);
            boolean news = n.input(s.spec().name()) instanceof Literal lit
                    && !sameValue(lit.value(), baseline.apply(s.spec())) && !linkedInJson(json, s.spec().name());
            if (s.index() < originalSize || news || (!s.spec().optional() && values == null)) {
                lastNeeded = k;
            }
        }
        for (ComfyUiWidgets.Slot s : slots.subList(0, lastNeeded + 1)) {
            while (updated.size() <= s.index() + (s.hasControl() ? 1 : 0)) {
                updated.add(null);
            }
            InputValue v = n.input(s.spec().name());
            if (v instanceof Literal lit) {
                updated.set(s.index(), lit.value());
            } else if (updated.get(s.index()) == null) {
                updated.set(s.index(), baseline.apply(s.spec()));
            }
            if (s.hasControl() && updated.get(s.index() + 1) == null) {
                updated.set(s.index() + 1, "fixed");
            }
        }
        if (values == null || !sameList(values, updated)) {
            json.set("widgets_values", mapper.valueToTree(updated));
        }
    }

    /**
     * Writes a host's values in its proxyWidgets order: stored entries are updated, and entries past the stored ones
     * are added only up to the last that differs from what the host would show without them.
     */
    private void writeProxied(ObjectNode json, NodeInstance n, NodeSchema schema, Subgraph hosted,
            List<String[]> proxies, List<Object> values, java.util.function.Function<InputSpec, Object> baseline) {
        List<Object> updated = values == null ? new ArrayList<>() : new ArrayList<>(values);
        int stored = updated.size();
        int last = stored - 1;
        Object[] want = new Object[proxies.size()];
        for (int i = 0; i < proxies.size(); i++) {
            int port = ComfyUiSubgraphs.proxiedPort(hosted, proxies.get(i));
            InputSpec spec = port >= 0 && port < schema.inputs().size() ? schema.inputs().get(port) : null;
            if (spec == null || spec instanceof SocketInput<?>) {
                want[i] = i < stored ? updated.get(i) : null;
                for (String[] t : port < 0 ? ComfyUiSubgraphs.proxyTargets(hosted, proxies.get(i))
                        : List.<String[]>of()) {
                    InputValue inner = hosted.body().node(t[0]).input(t[1]);
                    Object innerValue = inner instanceof Literal lit ? lit.value() : null;
                    Object own = n.input(SubgraphFlattener.overrideKey(t[0], t[1])) instanceof Literal lit
                            ? lit.value() : null;
                    want[i] = own != null ? own : (i < stored ? updated.get(i) : innerValue);
                    if (i >= stored && own != null && !sameValue(own, innerValue)) {
                        last = i;
                    }
                    break; // one value per proxy entry: its first target's
                }
                continue;
            }
            Object now = n.input(spec.name()) instanceof Literal lit ? lit.value() : null;
            want[i] = now != null ? now : (i < stored ? updated.get(i) : baseline.apply(spec));
            if (i >= stored && now != null && !sameValue(now, baseline.apply(spec))
                    && !linkedInJson(json, spec.name())) {
                last = i;
            }
        }
        while (updated.size() <= last) {
            updated.add(null);
        }
        for (int i = 0; i <= last && i < want.length; i++) {
            updated.set(i, want[i]);
        }
        if (values == null ? !updated.isEmpty() : !sameList(values, updated)) {
            json.set("widgets_values", mapper.valueToTree(updated));
        }
    }

    /** Whether the node's JSON feeds this input by a link (a PrimitiveNode's value arrives that way). */
    private static boolean linkedInJson(ObjectNode json, String input) {
        JsonNode inputs = json.get("inputs");
        int slot = inputs instanceof ArrayNode a ? slotOf(a, input) : -1;
        JsonNode link = slot < 0 ? null : inputs.get(slot).get("link");
        return link != null && !link.isNull();
    }

    private boolean isOriginal(NodeInstance n) {
        return n.extra().containsKey(ComfyUiFormat.NODE_KEY);
    }

    /** Pads the node's outputs with the schema's first {@code count} (an original node only as far as links need). */
    private void ensureOutputs(ObjectNode json, NodeSchema schema, int count) {
        ArrayNode outputs = json.get("outputs") instanceof ArrayNode a ? a : mapper.createArrayNode();
        int upTo = Math.min(count, schema.outputs().size());
        if (outputs.size() < upTo) {
            json.set("outputs", outputs);
        }
        for (int j = outputs.size(); j < upTo; j++) {
            OutputSpec o = schema.outputs().get(j);
            ObjectNode e = outputs.addObject();
            e.put("name", o.name());
            e.put("type", o.type().name());
            e.putArray("links");
        }
    }

    /** Sets every input's {@code link} and output's {@code links} from the final link list. */
    private void rewire(List<LinkRec> links) {
        Set<String> linkIds = new HashSet<>();
        links.forEach(l -> linkIds.add(l.id()));
        Map<String, String> byTarget = new HashMap<>();
        Map<String, List<String>> byOrigin = new HashMap<>();
        for (LinkRec l : links) {
            byTarget.put(l.target() + "/" + l.targetSlot(), l.id());
            if (Subgraph.OUTPUT_NODE.equals(l.target()) && !outputLinkIds.containsValue(l.id())) {
                continue; // an unlisted extra link into an output: the file's nodes did not list it either
            }
            byOrigin.computeIfAbsent(l.origin() + "/" + l.originSlot(), k -> new ArrayList<>()).add(l.id());
        }
        for (Map.Entry<String, ObjectNode> e : out.entrySet()) {
            ObjectNode json = e.getValue();
            int needed = 0;
            for (LinkRec l : links) {
                if (l.origin().equals(e.getKey())) {
                    needed = Math.max(needed, l.originSlot() + 1);
                }
            }
            if (ComfyUiJsonLists.of(json.get("outputs")).size() < needed && wf.nodes().containsKey(e.getKey())) {
                NodeSchema schema = schemaOf(wf.node(e.getKey()).type());
                if (schema != null) {
                    ensureOutputs(json, schema, needed);
                }
            }
            int k = 0;
            for (JsonNode in : ComfyUiJsonLists.of(json.get("inputs"))) {
                String want = byTarget.get(e.getKey() + "/" + k++);
                JsonNode have = in.get("link");
                String haveId = have == null || have.isNull() ? null : have.asText();
                if (!Objects.equals(want, haveId) && in instanceof ObjectNode o) {
                    if (want == null) {
                        o.putNull("link");
                    } else {
                        o.put("link", parseLong(want));
                    }
                }
            }
            int j = 0;
            for (JsonNode o : ComfyUiJsonLists.of(json.get("outputs"))) {
                List<String> want = byOrigin.getOrDefault(e.getKey() + "/" + j++, List.of());
                List<String> have = new ArrayList<>();
                ComfyUiJsonLists.of(o.get("links")).forEach(x -> have.add(x.asText()));
                List<String> ordered = new ArrayList<>();
                // ids of links the file never had are left as they were: dropping them would change nothing
                have.stream().filter(x -> want.contains(x) || (!origLinks.containsKey(x) && !linkIds.contains(x)))
                        .forEach(ordered::add);
                want.stream().filter(x -> !ordered.contains(x)).forEach(ordered::add);
                if (!ordered.equals(have) && o instanceof ObjectNode obj) {
                    ArrayNode a = obj.putArray("links");
                    ordered.forEach(x -> a.add(parseLong(x)));
                }
            }
        }
    }

    private ArrayNode groups() {
        List<JsonNode> orig = new ArrayList<>();
        if (wf.layout().extra().get(ComfyUiFormat.GROUPS_KEY) instanceof List<?> l) {
            l.forEach(g -> orig.add(mapper.valueToTree(g)));
        }
        ArrayNode arr = mapper.createArrayNode();
        List<Group> groups = wf.layout().groups();
        // pair each group with its original JSON (id, font size, flags): by title first, so that deleting a
        // group does not hand its id to the next one; then by position, for renamed groups
        JsonNode[] paired = new JsonNode[groups.size()];
        boolean[] used = new boolean[orig.size()];
        for (int i = 0; i < groups.size(); i++) {
            for (int k = 0; k < orig.size(); k++) {
                if (!used[k] && Objects.equals(groups.get(i).title(), orig.get(k).path("title").asText(null))) {
                    paired[i] = orig.get(k);
                    used[k] = true;
                    break;
                }
            }
        }
        for (int i = 0; i < groups.size(); i++) {
            if (paired[i] == null && i < orig.size() && !used[i]) {
                paired[i] = orig.get(i);
                used[i] = true;
            }
        }
        for (int i = 0; i < groups.size(); i++) {
            Group g = groups.get(i);
            ObjectNode json = paired[i] instanceof ObjectNode o ? o.deepCopy() : mapper.createObjectNode();
            if (!Objects.equals(g.title(), json.path("title").asText(null))) {
                json.put("title", g.title());
            }
            JsonNode b = json.get("bounding");
            double[] now = {g.x(), g.y(), g.width(), g.height()};
            boolean same = b != null && b.isArray() && b.size() == 4;
            for (int k = 0; same && k < 4; k++) {
                same = b.get(k).asDouble() == now[k];
            }
            if (!same) {
                ArrayNode nb = json.putArray("bounding");
                for (double d : now) {
                    nb.add(number(d));
                }
            }
            if (g.color() != null && !g.color().equals(json.path("color").asText(null))) {
                json.put("color", g.color());
            }
            arr.add(json);
        }
        return arr;
    }

    private ObjectNode noteNode(Note note) {
        JsonNode orig = origNodes.get(note.id());
        ObjectNode json = orig instanceof ObjectNode o ? o.deepCopy() : newNode(note.id(), "Note");
        JsonNode text = json.path("widgets_values").path(0);
        if (!text.isTextual() || !text.asText().equals(note.text())) {
            json.putArray("widgets_values").add(note.text());
        }
        setPair(json, "pos", note.x(), note.y());
        setPair(json, "size", note.width(), note.height());
        return json;
    }

    private ObjectNode newNode(String id, String type) {
        ObjectNode json = mapper.createObjectNode();
        long numeric = parseLong(id);
        if (numeric > 0 || "0".equals(id)) {
            json.put("id", numeric);
        } else {
            json.put("id", id);
        }
        json.put("type", type);
        json.putArray("pos").add(0).add(0);
        json.putArray("size").add(200).add(100);
        json.putObject("flags");
        json.put("order", out.size());
        json.put("mode", 0);
        json.putArray("inputs");
        json.putArray("outputs");
        json.putObject("properties").put("Node name for S&R", type);
        return json;
    }

    private int appendInput(ArrayNode inputs, String name, NodeSchema schema) {
        InputSpec spec = schema == null ? null : schema.input(name).orElse(null);
        ObjectNode e = inputs.addObject();
        e.put("name", name);
        e.put("type", spec == null ? "*" : spec.typeName());
        if (spec != null && !(spec instanceof SocketInput)) {
            e.putObject("widget").put("name", name);
        }
        e.putNull("link");
        return inputs.size() - 1;
    }

    private static int slotOf(ArrayNode inputs, String name) {
        for (int k = 0; k < inputs.size(); k++) {
            if (ComfyUiFormat.inputName(inputs.get(k)).equals(name)) {
                return k;
            }
        }
        return -1;
    }

    /** A node type's schema: a subgraph host's, or the registry's; null when unknown. */
    private NodeSchema schemaOf(String type) {
        return SubgraphSchemas.schemaOf(root, registry, type).orElse(null);
    }

    private String outputType(Link link) {
        if (def != null && Subgraph.INPUT_NODE.equals(link.nodeId())) {
            int k = link.outputIndex();
            return k >= 0 && k < def.inputs().size() ? def.inputs().get(k).type() : "*";
        }
        NodeInstance src = wf.node(link.nodeId());
        NodeSchema srcSchema = src == null ? null : schemaOf(src.type());
        if (srcSchema != null) {
            List<OutputSpec> outs = srcSchema.outputs();
            if (link.outputIndex() >= 0 && link.outputIndex() < outs.size()) {
                return outs.get(link.outputIndex()).type().name();
            }
        }
        return "*";
    }

    private JsonNode linkJson(LinkRec l) {
        if (v1) {
            ObjectNode o = mapper.createObjectNode();
            o.set("id", idNode(l.id()));
            o.set("origin_id", idNode(l.origin()));
            o.put("origin_slot", l.originSlot());
            o.set("target_id", idNode(l.target()));
            o.put("target_slot", l.targetSlot());
            o.put("type", l.type());
            return o;
        }
        ArrayNode a = mapper.createArrayNode();
        a.add(idNode(l.id())).add(idNode(l.origin())).add(l.originSlot()).add(idNode(l.target()))
                .add(l.targetSlot()).add(l.type());
        return a;
    }

    private static JsonNode idNode(String id) {
        try {
            return JsonNodeFactory.instance.numberNode(Long.parseLong(id));
        } catch (NumberFormatException e) {
            return JsonNodeFactory.instance.textNode(id);
        }
    }

    private static void setPair(ObjectNode json, String field, double a, double b) {
        double[] now = ComfyUiFormat.pair(json.get(field), Double.NaN, Double.NaN);
        if (now[0] != a || now[1] != b) {
            json.putArray(field).add(number(a)).add(number(b));
        }
    }

    private static JsonNode number(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? JsonNodeFactory.instance.numberNode((long) d)
                : JsonNodeFactory.instance.numberNode(d);
    }

    private static void raise(ObjectNode obj, String field, long value) {
        if (obj.path(field).asLong(0) < value) {
            obj.put(field, value);
        }
    }

    static long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static boolean sameValue(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) {
            return x.doubleValue() == y.doubleValue();
        }
        return Objects.equals(a, b);
    }

    private static boolean sameList(List<Object> a, List<Object> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!sameValue(a.get(i), b.get(i))) {
                return false;
            }
        }
        return true;
    }
}
