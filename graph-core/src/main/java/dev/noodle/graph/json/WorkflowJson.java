package dev.noodle.graph.json;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noodle.graph.model.FormInput;
import dev.noodle.graph.model.Group;
import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Layout;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.NodeLayout;
import dev.noodle.graph.model.Note;
import dev.noodle.graph.model.Reroute;
import dev.noodle.graph.model.Subgraph;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.io.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and writes workflow files: the Noodle format, and (detected on read) ComfyUI's API prompt format and UI
 * workflow format ({@link ComfyUiFormat}).
 *
 * <p>Noodle format: {@code {"format": 1, "name": ..., "nodes": {"id": {"type": ..., "inputs": {"name": literal |
 * ["id", index]}, "mode": "normal"}}, "layout": {...}}}. Unknown fields at the top level, in nodes, in the layout and in
 * node layouts are kept in {@code extra} and written back. Stateless and thread-safe; uses one configured mapper.
 */
public final class WorkflowJson {
    private static final Set<String> TOP_FIELDS = Set.of("format", "name", "nodes", "layout", "subgraphs", "form");
    private static final Set<String> NODE_FIELDS = Set.of("type", "inputs", "mode");
    private static final Set<String> LAYOUT_FIELDS = Set.of("nodes", "groups", "notes", "reroutes");
    private static final Set<String> NODE_LAYOUT_FIELDS = Set.of("x", "y", "width", "height", "collapsed", "title");

    /** Writes bytes to an open channel; replaceable in tests to simulate failing disks. */
    interface ChannelWriter {
        void write(FileChannel channel, byte[] bytes) throws IOException;
    }

    private static final ObjectMapper MAPPER = JsonValues.newMapper();
    private static final ChannelWriter PLAIN_WRITER =
            (channel, bytes) -> AtomicFiles.writeFully(channel, ByteBuffer.wrap(bytes));

    private WorkflowJson() {}

    /** A mapper with the settings the codecs use (size and nesting limits, pretty output). */
    public static ObjectMapper newMapper() {
        return JsonValues.newMapper();
    }

    /** Reads a workflow file (Noodle, ComfyUI API or UI format); every failure is a {@link WorkflowFormatException}. */
    public static Workflow read(Path file) {
        return read(file, null);
    }

    /**
     * Reads a workflow file; ComfyUI UI workflows name their positional widget values by {@code registry}'s schemas
     * (null: the values stay unnamed in the original JSON kept in the node extras).
     */
    public static Workflow read(Path file, NodeRegistry registry) {
        String source = file.toString();
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new WorkflowFormatException(source, 0, 0, "the file does not exist", "Check the path.", e);
        } catch (IOException e) {
            throw new WorkflowFormatException(source, 0, 0, "cannot read the file (" + e + ")",
                    "Check that it exists and that you may read it.", e);
        }
        if (size > JsonValues.MAX_DOCUMENT_BYTES) {
            throw new WorkflowFormatException(source, 0, 0, "the file is " + size + " bytes, more than the "
                    + JsonValues.MAX_DOCUMENT_BYTES + " bytes a workflow may have", "Is this really a workflow file?",
                    null);
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new WorkflowFormatException(source, 0, 0, "the file is not UTF-8 text",
                    "Is this really a workflow file?", e);
        } catch (IOException e) {
            throw new WorkflowFormatException(source, 0, 0, "cannot read the file (" + e + ")",
                    "Check that it exists and that you may read it.", e);
        }
        return parse(text, source, registry);
    }

    /** Parses workflow JSON; {@code sourceName} names it in error messages. */
    public static Workflow parse(String json, String sourceName) {
        return parse(json, sourceName, null);
    }

    /**
     * Parses workflow JSON in any of the three formats (detected from the content); {@code registry} names the widget
     * values of ComfyUI UI workflows (may be null).
     */
    public static Workflow parse(String json, String sourceName, NodeRegistry registry) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            throw new WorkflowFormatException(sourceName, loc == null ? 0 : loc.getLineNr(),
                    loc == null ? 0 : loc.getColumnNr(), "invalid JSON: " + JsonSyntaxProblems.describe(e),
                    "Fix the JSON there (a text editor shows the line), or open a backup of the file.", e);
        }
        if (root == null || !root.isObject()) {
            throw structure(sourceName, "the top level is not a JSON object");
        }
        try {
            if (root.has("format") || (root.has("nodes") && root.get("nodes").isObject())) {
                return readNoodle(root, sourceName);
            }
            if (ComfyUiFormat.looksLikeUiWorkflow(root)) {
                return ComfyUiFormat.fromTree(MAPPER, root, sourceName, registry);
            }
            if (ComfyApiFormat.looksLikeApiPrompt(root)) {
                return ComfyApiFormat.fromTree(MAPPER, root, sourceName);
            }
        } catch (IllegalArgumentException e) {
            throw structure(sourceName, e.getMessage());
        }
        throw structure(sourceName, "this JSON is neither a Noodle workflow (\"format\" and \"nodes\"), a"
                + " ComfyUI API prompt (nodes with \"class_type\") nor a ComfyUI UI workflow (a \"nodes\" array)");
    }

    private static WorkflowFormatException structure(String source, String problem) {
        return new WorkflowFormatException(source, 0, 0, problem,
                "Open a workflow saved by Noodle or exported from ComfyUI with Export (API).", null);
    }

    private static Workflow readNoodle(JsonNode root, String source) {
        JsonNode formatNode = root.get("format");
        int format = Workflow.CURRENT_FORMAT;
        if (formatNode != null) {
            if (!formatNode.isIntegralNumber()) {
                throw structure(source, "\"format\" must be an integer, got " + formatNode);
            }
            format = formatNode.intValue();
            if (format > Workflow.CURRENT_FORMAT || format < 1) {
                throw new WorkflowFormatException(source, 0, 0, "format version " + format
                        + " is not supported (this Noodle reads up to " + Workflow.CURRENT_FORMAT + ")",
                        "Update Noodle to open files saved by a newer version.", null);
            }
        }
        Map<String, NodeInstance> nodes = readNodes(root.get("nodes"), source);
        JsonNode nameNode = root.get("name");
        String name = nameNode == null || nameNode.isNull() ? null : nameNode.asText();
        Layout layout = readLayout(root.get("layout"), source);
        Map<String, Subgraph> subgraphs;
        try {
            subgraphs = SubgraphJson.read(MAPPER, root.get("subgraphs"), source);
        } catch (IllegalArgumentException e) {
            throw structure(source, e.getMessage());
        }
        List<FormInput> form = new ArrayList<>();
        for (JsonNode f : JsonValues.elements(root.get("form"))) {
            String fname = f.isObject() ? JsonValues.text(f, "name") : null;
            if (fname == null || fname.isBlank() || JsonValues.text(f, "node") == null || JsonValues.text(f, "input") == null) {
                throw structure(source, "each \"form\" entry needs \"name\", \"node\" and \"input\", got " + f);
            }
            form.add(new FormInput(fname, JsonValues.text(f, "node"), JsonValues.text(f, "input"), JsonValues.text(f, "label")));
        }
        return new Workflow(format, name, nodes, layout, JsonValues.extra(MAPPER, root, TOP_FIELDS), subgraphs,
                form);
    }

    /** The nodes of a Noodle-format {@code "nodes"} object. */
    static Map<String, NodeInstance> readNodes(JsonNode nodesNode, String source) {
        Map<String, NodeInstance> nodes = new LinkedHashMap<>();
        if (nodesNode != null && !nodesNode.isNull()) {
            if (!nodesNode.isObject()) {
                throw structure(source, "\"nodes\" must be an object of nodes by id");
            }
            Iterator<Map.Entry<String, JsonNode>> it = nodesNode.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                nodes.put(e.getKey(), readNode(e.getKey(), e.getValue(), source));
            }
        }
        return nodes;
    }

    private static NodeInstance readNode(String id, JsonNode node, String source) {
        if (!node.isObject()) {
            throw structure(source, "node " + id + " is not an object");
        }
        JsonNode type = node.get("type");
        if (type == null || !type.isTextual() || type.asText().isBlank()) {
            throw structure(source, "node " + id + " has no \"type\"");
        }
        Map<String, InputValue> inputs = new LinkedHashMap<>();
        JsonNode in = node.get("inputs");
        if (in != null && !in.isNull()) {
            if (!in.isObject()) {
                throw structure(source, "node " + id + ": \"inputs\" must be an object of inputs by name");
            }
            Iterator<Map.Entry<String, JsonNode>> it = in.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                inputs.put(e.getKey(), JsonValues.toInput(MAPPER, e.getValue()));
            }
        }
        try {
            return new NodeInstance(id, type.asText(), inputs, JsonValues.mode(node.get("mode")),
                    JsonValues.extra(MAPPER, node, NODE_FIELDS));
        } catch (IllegalArgumentException e) {
            throw structure(source, "node " + id + ": " + e.getMessage());
        }
    }

    static Layout readLayout(JsonNode layout, String source) {
        if (layout == null || layout.isNull()) {
            return Layout.empty();
        }
        if (!layout.isObject()) {
            throw structure(source, "\"layout\" must be an object");
        }
        Map<String, NodeLayout> nodes = new LinkedHashMap<>();
        JsonNode nodesNode = layout.get("nodes");
        if (nodesNode != null && nodesNode.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = nodesNode.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode n = e.getValue();
                JsonNode title = n.get("title");
                nodes.put(e.getKey(), new NodeLayout(n.path("x").asDouble(), n.path("y").asDouble(),
                        n.path("width").asDouble(200), n.path("height").asDouble(100),
                        n.path("collapsed").asBoolean(false), title == null || title.isNull() ? null : title.asText(),
                        JsonValues.extra(MAPPER, n, NODE_LAYOUT_FIELDS)));
            }
        }
        List<Group> groups = new ArrayList<>();
        for (JsonNode g : JsonValues.elements(layout.get("groups"))) {
            groups.add(new Group(JsonValues.text(g, "title"), g.path("x").asDouble(), g.path("y").asDouble(),
                    g.path("width").asDouble(), g.path("height").asDouble(), JsonValues.text(g, "color")));
        }
        List<Note> notes = new ArrayList<>();
        for (JsonNode n : JsonValues.elements(layout.get("notes"))) {
            notes.add(new Note(JsonValues.text(n, "id"), JsonValues.text(n, "text"), n.path("x").asDouble(), n.path("y").asDouble(),
                    n.path("width").asDouble(), n.path("height").asDouble()));
        }
        List<Reroute> reroutes = new ArrayList<>();
        for (JsonNode r : JsonValues.elements(layout.get("reroutes"))) {
            reroutes.add(new Reroute(JsonValues.text(r, "id"), r.path("x").asDouble(), r.path("y").asDouble(),
                    JsonValues.text(r, "linkTarget")));
        }
        return new Layout(nodes, groups, notes, reroutes, JsonValues.extra(MAPPER, layout, LAYOUT_FIELDS));
    }

    /** The Noodle-format JSON of a workflow (pretty-printed, stable field order). */
    public static String write(Workflow wf) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("format", wf.format());
        if (wf.name() != null) {
            root.put("name", wf.name());
        }
        writeNodes(root.putObject("nodes"), wf);
        root.set("layout", writeLayout(wf.layout()));
        if (!wf.subgraphs().isEmpty()) {
            root.set("subgraphs", SubgraphJson.write(MAPPER, wf.subgraphs()));
        }
        if (!wf.form().isEmpty()) {
            ArrayNode form = root.putArray("form");
            for (FormInput f : wf.form()) {
                ObjectNode o = form.addObject();
                o.put("name", f.name());
                o.put("node", f.nodeId());
                o.put("input", f.input());
                if (f.label() != null) {
                    o.put("label", f.label());
                }
            }
        }
        putExtra(root, wf.extra());
        try {
            return MAPPER.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise workflow: " + e.getOriginalMessage(), e);
        }
    }

    /** Writes a workflow's nodes into a Noodle-format {@code "nodes"} object. */
    static void writeNodes(ObjectNode nodes, Workflow wf) {
        for (NodeInstance n : wf.nodes().values()) {
            ObjectNode node = nodes.putObject(n.id());
            node.put("type", n.type());
            ObjectNode inputs = node.putObject("inputs");
            for (Map.Entry<String, InputValue> in : n.inputs().entrySet()) {
                inputs.set(in.getKey(), JsonValues.fromInput(MAPPER, in.getValue()));
            }
            node.put("mode", JsonValues.modeName(n.mode()));
            putExtra(node, n.extra());
        }
    }

    static ObjectNode writeLayout(Layout layout) {
        ObjectNode obj = MAPPER.createObjectNode();
        ObjectNode nodes = obj.putObject("nodes");
        for (Map.Entry<String, NodeLayout> e : layout.nodes().entrySet()) {
            NodeLayout l = e.getValue();
            ObjectNode n = nodes.putObject(e.getKey());
            n.put("x", l.x());
            n.put("y", l.y());
            n.put("width", l.width());
            n.put("height", l.height());
            n.put("collapsed", l.collapsed());
            if (l.title() != null) {
                n.put("title", l.title());
            }
            putExtra(n, l.extra());
        }
        ArrayNode groups = obj.putArray("groups");
        for (Group g : layout.groups()) {
            groups.add(MAPPER.valueToTree(g));
        }
        ArrayNode notes = obj.putArray("notes");
        for (Note n : layout.notes()) {
            notes.add(MAPPER.valueToTree(n));
        }
        ArrayNode reroutes = obj.putArray("reroutes");
        for (Reroute r : layout.reroutes()) {
            reroutes.add(MAPPER.valueToTree(r));
        }
        putExtra(obj, layout.extra());
        return obj;
    }

    static void putExtra(ObjectNode obj, Map<String, Object> extra) {
        for (Map.Entry<String, Object> e : extra.entrySet()) {
            if (!obj.has(e.getKey())) {
                obj.set(e.getKey(), MAPPER.valueToTree(e.getValue()));
            }
        }
    }

    /**
     * Saves atomically ({@link AtomicFiles}): writes a temp file in the same folder, forces it to disk, then renames it
     * over {@code file}. On failure the previous file is untouched and the temp file removed.
     */
    public static void save(Workflow wf, Path file) throws IOException {
        save(wf, file, PLAIN_WRITER);
    }

    static void save(Workflow wf, Path file, ChannelWriter writer) throws IOException {
        byte[] bytes = write(wf).getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, ch -> writer.write(ch, bytes));
    }
}
