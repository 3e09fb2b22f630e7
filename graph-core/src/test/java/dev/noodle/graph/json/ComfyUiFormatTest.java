package dev.noodle.graph.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noodle.graph.model.Layout;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.NodeLayout;
import dev.noodle.graph.model.NodeMode;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.testing.ComfyLikeNodes;
import dev.noodle.graph.validate.ValidationCode;
import dev.noodle.graph.validate.ValidationError;
import dev.noodle.graph.validate.Validator;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reads real ComfyUI UI workflows, validates, writes them back (UI and API) and reads again without loss. */
class ComfyUiFormatTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final NodeRegistry registry = ComfyLikeNodes.registry(List.of("v1-5-pruned-emaonly-fp16.safetensors",
            "STableDiffusionv2-1_768-ema-pruned.safetensors"));
    /** Parsing with the registry, writing in the Noodle format. */
    private final class Codec {
        Workflow parse(String text, String source) {
            return WorkflowJson.parse(text, source, registry);
        }

        String write(Workflow wf) {
            return WorkflowJson.write(wf);
        }
    }

    private final Codec json = new Codec();

    static String resource(String name) throws IOException {
        try (InputStream in = ComfyUiFormatTest.class.getResourceAsStream("comfyui/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private Workflow read(String name) throws IOException {
        return json.parse(resource(name), name);
    }

    private static void assertSameJson(String expected, String actual) throws IOException {
        JsonNode a = MAPPER.readTree(expected);
        JsonNode b = MAPPER.readTree(actual);
        if (!a.equals(b)) {
            for (int i = 0; i < a.path("nodes").size(); i++) {
                assertEquals(a.path("nodes").get(i), b.path("nodes").get(i), "node #" + i);
            }
            assertEquals(a.toString(), b.toString());
        }
    }

    @Test
    void defaultGraphNamesWidgetValuesSkippingTheControlSlot() throws IOException {
        Workflow wf = read("default_graph.json");
        assertEquals(7, wf.nodes().size());
        NodeInstance ks = wf.node("3");
        assertEquals(new Literal(156680208700286L), ks.input("seed"));
        assertEquals(new Literal(20L), ks.input("steps"));
        assertEquals(new Literal(8L), ks.input("cfg"));
        assertEquals(new Literal("euler"), ks.input("sampler_name"));
        assertEquals(new Literal("normal"), ks.input("scheduler"));
        assertEquals(new Literal(1L), ks.input("denoise"));
        assertEquals(Link.of("6", 0), ks.input("positive"));
        assertEquals(Link.of("5", 0), ks.input("latent_image"));
        assertEquals(new Literal("text, watermark"), wf.node("7").input("text"));
        assertEquals(Link.of("4", 1), wf.node("7").input("clip"));
        assertEquals(new Literal(512L), wf.node("5").input("width"));
        NodeLayout l = wf.layout().nodes().get("3");
        assertEquals(863, l.x());
        assertEquals(262, l.height());
        assertEquals(List.of(), new Validator(registry).validate(wf));
    }

    @Test
    void realFilesRoundTripUnchanged() throws IOException {
        for (String name : List.of("default_graph.json", "img2img_workflow.json", "inpaint_example.json",
                "old_workflow_converted_input.json")) {
            Workflow wf = read(name);
            String ui = ComfyUiFormat.write(wf, registry);
            assertSameJson(resource(name), ui);
            // and through the Noodle format: the originals travel in the extras
            Workflow again = json.parse(json.write(wf), name + " (noodle)");
            assertSameJson(resource(name), ComfyUiFormat.write(again, registry));
            assertEquals(wf.nodes(), json.parse(ui, name + " (exported)").nodes());
        }
    }

    @Test
    void apiExportMatchesTheGraph() throws IOException {
        for (String name : List.of("default_graph.json", "img2img_workflow.json", "inpaint_example.json")) {
            Workflow wf = read(name);
            String api = ComfyUiFormat.writeApi(wf);
            assertFalse(api.contains("comfyui."), "no UI originals in a prompt");
            Workflow back = json.parse(api, name + " (api)");
            assertEquals(wf.nodes().keySet(), back.nodes().keySet());
            for (NodeInstance n : wf.nodes().values()) {
                assertEquals(n.type(), back.node(n.id()).type());
                assertEquals(n.inputs(), back.node(n.id()).inputs(), name + " node " + n.id());
            }
        }
        JsonNode api = MAPPER.readTree(ComfyUiFormat.writeApi(read("img2img_workflow.json")));
        assertEquals("simple", api.path("16").path("inputs").path("scheduler").asText());
        assertEquals("17", api.path("16").path("inputs").path("latent_image").path(0).asText());
        assertEquals("example.png", api.path("18").path("inputs").path("image").asText());
    }

    @Test
    void unknownNodeTypesArePlaceholdersThatValidationNames() throws IOException {
        Workflow wf = read("inpaint_example.json");
        NodeInstance inpaint = wf.node("26");
        assertEquals("VAEEncodeForInpaint", inpaint.type());
        assertEquals(Link.of("27", 0), inpaint.input("pixels"));
        assertEquals(Link.of("27", 1), inpaint.input("mask"));
        @SuppressWarnings("unchecked")
        Map<String, Object> orig = (Map<String, Object>) inpaint.extra().get(ComfyUiFormat.NODE_KEY);
        assertEquals(List.of(6L), orig.get("widgets_values"));
        List<ValidationError> errors = new Validator(registry).validate(wf);
        assertTrue(errors.stream().anyMatch(e -> e.code() == ValidationCode.UNKNOWN_NODE_TYPE
                && "26".equals(e.nodeId())), errors.toString());
    }

    @Test
    void primitiveNodeFeedsItsValueAndStaysInTheLayout() throws IOException {
        Workflow wf = read("old_workflow_converted_input.json");
        assertEquals(1, wf.nodes().size());
        NodeInstance cn = wf.node("1");
        assertEquals(new Literal(1L), cn.input("strength"));
        assertEquals(new Literal(0L), cn.input("start_percent"));
        assertEquals(449, wf.layout().nodes().get("1").x());
        assertTrue(((Map<?, ?>) wf.layout().extra().get(ComfyUiFormat.LAYOUT_NODES_KEY)).containsKey("2"));
        // changing the value cuts the primitive's link and stores the literal in the widget slot
        Workflow edited = wf.withNode(cn.withInput("strength", Literal.of(0.5)));
        JsonNode out = MAPPER.readTree(ComfyUiFormat.write(edited, registry));
        JsonNode node1 = find(out, 1);
        assertEquals(0.5, node1.path("widgets_values").path(0).asDouble());
        assertTrue(node1.path("inputs").path(4).path("link").isNull());
        assertEquals(0, find(out, 2).path("outputs").path(0).path("links").size());
        assertEquals(0, out.path("links").size());
        assertEquals(449, node1.path("pos").path("0").asInt(), "unchanged position keeps its original form");
    }

    static final String SYNTHETIC_V1 = """
            {"id": "x", "revision": 3, "nodes": [
              {"id": 1, "type": "CheckpointLoaderSimple", "pos": [0, 0], "size": [300, 100], "flags": {}, "order": 0,
               "mode": 0, "outputs": [{"name": "MODEL", "type": "MODEL", "links": []},
               {"name": "CLIP", "type": "CLIP", "links": [1, 3]}, {"name": "VAE", "type": "VAE", "links": null}],
               "properties": {"Node name for S&R": "CheckpointLoaderSimple"}, "widgets_values": ["a.safetensors"],
               "color": "#323", "bgcolor": "#535"},
              {"id": 2, "type": "Reroute", "pos": [350, 40], "size": [75, 26], "flags": {}, "order": 1, "mode": 0,
               "inputs": [{"name": "", "type": "*", "link": 1}],
               "outputs": [{"name": "", "type": "CLIP", "links": [2]}], "properties": {"showOutputText": false}},
              {"id": 3, "type": "CLIPTextEncode", "pos": [500, 0], "size": [400, 200], "flags": {"collapsed": true},
               "order": 2, "mode": 4, "title": "Positive", "inputs": [{"name": "clip", "type": "CLIP", "link": 2}],
               "outputs": [{"name": "CONDITIONING", "type": "CONDITIONING", "links": null}],
               "properties": {}, "widgets_values": ["a cat ☕ 猫"], "future_field": {"kept": true}},
              {"id": 4, "type": "MarkdownNote", "pos": [0, 300], "size": [200, 80], "flags": {}, "order": 3,
               "mode": 0, "properties": {}, "widgets_values": ["# read me"]},
              {"id": 5, "type": "SomeCustomNode", "pos": [0, 500], "size": [200, 80], "flags": {}, "order": 4,
               "mode": 2, "inputs": [{"name": "clip", "type": "CLIP", "link": 3}],
               "properties": {}, "widgets_values": {"mode": "fast", "value": 3}}
            ],
            "links": [
              {"id": 1, "origin_id": 1, "origin_slot": 1, "target_id": 2, "target_slot": 0, "type": "CLIP"},
              {"id": 2, "origin_id": 2, "origin_slot": 0, "target_id": 3, "target_slot": 0, "type": "CLIP"},
              {"id": 3, "origin_id": 1, "origin_slot": 1, "target_id": 5, "target_slot": 0, "type": "CLIP",
               "parentId": 7}
            ],
            "groups": [{"id": 1, "title": "Prompt", "bounding": [480, -40, 460, 280], "color": "#3f789e",
                        "font_size": 24, "flags": {}}],
            "reroutes": [{"id": 7, "pos": [200, 450], "linkIds": [3]}],
            "state": {"lastGroupId": 1, "lastNodeId": 5, "lastLinkId": 3, "lastRerouteId": 7},
            "config": {}, "extra": {"ds": {"scale": 1, "offset": [0, 0]}}, "version": 1}
            """;

    @Test
    void version1LinksReroutesNotesGroupsModesAndCustomNodes() throws IOException {
        Workflow wf = json.parse(SYNTHETIC_V1, "synthetic.json");
        assertEquals(List.of("1", "3", "5"), List.copyOf(wf.nodes().keySet()));
        NodeInstance text = wf.node("3");
        assertEquals(Link.of("1", 1), text.input("clip"), "resolved through the Reroute node");
        assertEquals(new Literal("a cat ☕ 猫"), text.input("text"));
        assertEquals(NodeMode.BYPASSED, text.mode());
        assertEquals(NodeMode.MUTED, wf.node("5").mode());
        assertEquals(Link.of("1", 1), wf.node("5").input("clip"));
        Layout layout = wf.layout();
        assertTrue(layout.nodes().get("3").collapsed());
        assertEquals("Positive", layout.nodes().get("3").title());
        assertEquals("#323", layout.nodes().get("1").extra().get("color"));
        assertEquals("2", layout.reroutes().get(0).id());
        assertEquals("3:0", layout.reroutes().get(0).linkTarget());
        assertEquals("# read me", layout.notes().get(0).text());
        assertEquals("Prompt", layout.groups().get(0).title());
        assertEquals(460, layout.groups().get(0).width());
        assertSameJson(SYNTHETIC_V1, ComfyUiFormat.write(wf, registry));

        // edits: move a node, un-bypass it, retitle it, drop the custom node, add a sampler wired to the text node
        Workflow edited = wf.withNode(text.withMode(NodeMode.NORMAL))
                .withoutNode("5")
                .withNode(NodeInstance.of("9", "KSampler", Map.of("positive", Link.of("3", 0),
                        "model", Link.of("1", 0), "seed", Literal.of(5L))));
        edited = edited.withLayout(edited.layout().withNode("3",
                new NodeLayout(10, 20, 400, 200, false, "Prompt+", Map.of())));
        JsonNode out = MAPPER.readTree(ComfyUiFormat.write(edited, registry));
        JsonNode n3 = find(out, 3);
        assertEquals(0, n3.path("mode").asInt());
        assertEquals("Prompt+", n3.path("title").asText());
        assertEquals(10, n3.path("pos").path(0).asInt());
        assertFalse(n3.path("flags").path("collapsed").asBoolean());
        assertTrue(n3.path("future_field").path("kept").asBoolean(), "unknown node fields survive edits");
        assertEquals(2, n3.path("inputs").path(0).path("link").asInt(), "the reroute chain is kept");
        assertTrue(find(out, 5).isMissingNode());
        JsonNode n9 = find(out, 9);
        assertEquals(List.of(5L, "fixed", 20L, 8.0, "euler", "normal", 1.0),
                MAPPER.convertValue(n9.get("widgets_values"), List.class).stream()
                        .map(v -> v instanceof Integer i ? (Object) i.longValue() : v).toList());
        List<JsonNode> links = ComfyUiJsonLists.of(out.get("links"));
        assertEquals(List.of(1, 2, 4, 5), links.stream().map(l -> l.path("id").asInt()).toList());
        assertTrue(links.get(2).isObject(), "a v1 file keeps object links");
        assertEquals(5, out.path("state").path("lastLinkId").asInt());
        assertEquals(9, out.path("state").path("lastNodeId").asInt());
        assertEquals(1, find(out, 3).path("outputs").path(0).path("links").size(), "wired to the new sampler");
        assertEquals(1, find(out, 1).path("outputs").path(1).path("links").size(), "the custom node's link is gone");
        Workflow back = json.parse(out.toString(), "edited.json");
        assertEquals(Link.of("3", 0), back.node("9").input("positive"));
        assertEquals(new Literal(5L), back.node("9").input("seed"));
    }

    @Test
    void withoutRegistryWidgetValuesStayInTheOriginals() throws IOException {
        Workflow wf = WorkflowJson.parse(resource("default_graph.json"), "default_graph.json");
        assertNull(wf.node("3").input("steps"));
        assertEquals(Link.of("6", 0), wf.node("3").input("positive"));
        assertSameJson(resource("default_graph.json"), ComfyUiFormat.write(wf, null));
    }

    @Test
    void workflowJsonDetectsAllThreeFormats() throws IOException {
        Workflow ui = read("default_graph.json");
        Workflow fromApi = json.parse(ComfyApiFormat.write(ui), "p.json");
        Workflow fromNoodle = json.parse(json.write(ui), "n.json");
        assertEquals(ui.nodes(), fromNoodle.nodes());
        assertEquals(ui.node("3").inputs(), fromApi.node("3").inputs());
        assertNotEquals(ui.extra(), fromApi.extra());
    }

    private static JsonNode find(JsonNode wf, int id) {
        for (JsonNode n : wf.path("nodes")) {
            if (n.path("id").asInt() == id) {
                return n;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }
}
