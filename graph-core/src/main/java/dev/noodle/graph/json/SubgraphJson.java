package dev.noodle.graph.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noodle.graph.model.ComponentRef;
import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Layout;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Subgraph;
import dev.noodle.graph.model.SubgraphInput;
import dev.noodle.graph.model.SubgraphOutput;
import dev.noodle.graph.model.Workflow;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Noodle format's {@code "subgraphs"} section: definitions by id, each {@code {"name", "description",
 * "component": {"id", "version"}, "inputs": [{"id", "name", "type", "label"}], "outputs": [{..., "source": ["node",
 * slot]}], "nodes": {...}, "layout": {...}}}; inner links to the interface's inputs are {@code ["-10", index]}.
 * Unknown fields are kept. Stateless.
 */
final class SubgraphJson {
    private static final Set<String> DEF_FIELDS =
            Set.of("name", "description", "component", "inputs", "outputs", "nodes", "layout", "body");
    private static final Set<String> PORT_FIELDS = Set.of("id", "name", "type", "label", "source");

    private SubgraphJson() {}

    /** Reads the section (null or missing: none); a malformed definition is an IllegalArgumentException naming it. */
    static Map<String, Subgraph> read(ObjectMapper mapper, JsonNode section, String source) {
        Map<String, Subgraph> defs = new LinkedHashMap<>();
        if (section == null || section.isNull()) {
            return defs;
        }
        if (!section.isObject()) {
            throw new IllegalArgumentException("\"subgraphs\" must be an object of subgraph definitions by id");
        }
        Iterator<Map.Entry<String, JsonNode>> it = section.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            defs.put(e.getKey(), readOne(mapper, e.getKey(), e.getValue(), source));
        }
        return defs;
    }

    private static Subgraph readOne(ObjectMapper mapper, String id, JsonNode def, String source) {
        String where = "subgraph " + id;
        if (!def.isObject()) {
            throw new IllegalArgumentException(where + " is not an object");
        }
        String name = JsonValues.text(def, "name");
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException(where + " has no \"name\"");
        }
        where = "subgraph \"" + name + "\" (" + id + ")";
        List<SubgraphInput> inputs = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (JsonNode p : JsonValues.elements(def.get("inputs"))) {
            String[] port = port(p, where, "input", inputs.size());
            if (!names.add(port[1])) {
                throw new IllegalArgumentException(where + " has two inputs named '" + port[1] + "'");
            }
            inputs.add(new SubgraphInput(port[0], port[1], port[2], JsonValues.text(p, "label"),
                    JsonValues.extra(mapper, p, PORT_FIELDS)));
        }
        List<SubgraphOutput> outputs = new ArrayList<>();
        for (JsonNode p : JsonValues.elements(def.get("outputs"))) {
            String[] port = port(p, where, "output", outputs.size());
            JsonNode src = p.get("source");
            Link link = null;
            if (src != null && !src.isNull()) {
                if (!(JsonValues.toInput(mapper, src) instanceof Link l)) {
                    throw new IllegalArgumentException(where + " output '" + port[1]
                            + "': \"source\" must be [\"node\", slot]");
                }
                link = l;
            }
            outputs.add(new SubgraphOutput(port[0], port[1], port[2], JsonValues.text(p, "label"), link,
                    JsonValues.extra(mapper, p, PORT_FIELDS)));
        }
        ComponentRef component = null;
        JsonNode c = def.get("component");
        if (c != null && !c.isNull()) {
            if (!c.path("id").isTextual() || !c.path("version").isIntegralNumber() || c.path("version").asInt() < 1) {
                throw new IllegalArgumentException(where + ": \"component\" must be {\"id\": text, \"version\": 1 or"
                        + " more}");
            }
            component = new ComponentRef(c.get("id").asText(), c.get("version").asInt());
        }
        Map<String, NodeInstance> nodes = WorkflowJson.readNodes(def.get("nodes"), source);
        Layout layout = WorkflowJson.readLayout(def.get("layout"), source);
        JsonNode bodyExtra = def.get("body");
        if (bodyExtra != null && !bodyExtra.isNull() && !bodyExtra.isObject()) {
            throw new IllegalArgumentException(where + ": \"body\" must be an object");
        }
        Workflow body = new Workflow(Workflow.CURRENT_FORMAT, name, nodes, layout,
                bodyExtra == null || bodyExtra.isNull() ? Map.of() : JsonValues.extra(mapper, bodyExtra, Set.of()));
        return new Subgraph(id, name, JsonValues.text(def, "description"), inputs, outputs, body, component,
                JsonValues.extra(mapper, def, DEF_FIELDS));
    }

    private static String[] port(JsonNode p, String where, String kind, int index) {
        if (!p.isObject()) {
            throw new IllegalArgumentException(where + " " + kind + " #" + index + " is not an object");
        }
        String name = JsonValues.text(p, "name");
        String type = JsonValues.text(p, "type");
        if (name == null || name.isBlank() || type == null || type.isBlank()) {
            throw new IllegalArgumentException(where + " " + kind + " #" + index + " needs a \"name\" and a \"type\"");
        }
        String id = JsonValues.text(p, "id");
        return new String[] {id == null || id.isBlank() ? kind + "-" + index : id, name, type};
    }

    /** Writes the section. */
    static ObjectNode write(ObjectMapper mapper, Map<String, Subgraph> defs) {
        ObjectNode section = mapper.createObjectNode();
        for (Subgraph d : defs.values()) {
            ObjectNode def = section.putObject(d.id());
            def.put("name", d.name());
            if (d.description() != null) {
                def.put("description", d.description());
            }
            if (d.component() != null) {
                ObjectNode c = def.putObject("component");
                c.put("id", d.component().id());
                c.put("version", d.component().version());
            }
            ArrayNode inputs = def.putArray("inputs");
            for (SubgraphInput in : d.inputs()) {
                ObjectNode p = inputs.addObject();
                p.put("id", in.id());
                p.put("name", in.name());
                p.put("type", in.type());
                if (in.label() != null) {
                    p.put("label", in.label());
                }
                WorkflowJson.putExtra(p, in.extra());
            }
            ArrayNode outputs = def.putArray("outputs");
            for (SubgraphOutput out : d.outputs()) {
                ObjectNode p = outputs.addObject();
                p.put("id", out.id());
                p.put("name", out.name());
                p.put("type", out.type());
                if (out.label() != null) {
                    p.put("label", out.label());
                }
                if (out.source() != null) {
                    p.set("source", JsonValues.fromInput(mapper, (InputValue) out.source()));
                }
                WorkflowJson.putExtra(p, out.extra());
            }
            WorkflowJson.writeNodes(def.putObject("nodes"), d.body());
            def.set("layout", WorkflowJson.writeLayout(d.body().layout()));
            if (!d.body().extra().isEmpty()) { // e.g. the ComfyUI JSON a definition was read from
                WorkflowJson.putExtra(def.putObject("body"), d.body().extra());
            }
            WorkflowJson.putExtra(def, d.extra());
        }
        return section;
    }
}
