package dev.noodle.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.app.ui.vm.CanvasEdits;
import dev.noodle.app.ui.vm.GraphEditorViewModel;
import dev.noodle.app.ui.vm.Rect;
import dev.noodle.app.ui.vm.RerouteRoutes;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noodle.graph.json.ComfyUiFormat;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.model.Group;
import dev.noodle.graph.model.NodeLayout;
import dev.noodle.graph.model.Reroute;
import dev.noodle.graph.model.Workflow;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Canvas layout edits (rubber band, groups, reroutes, collapse) through the view-model, without the FX thread. */
class CanvasEditsTest {
    private final GraphEditorViewModel vm = new GraphEditorViewModel(FakeNodes.registry());
    private final CanvasEdits edits = new CanvasEdits(vm);

    private Map<String, Rect> rects(String... ids) {
        Map<String, Rect> out = new java.util.LinkedHashMap<>();
        for (String id : ids) {
            NodeLayout l = vm.workflow().layout().nodes().get(id);
            out.put(id, new Rect(l.x(), l.y(), 280, 120));
        }
        return out;
    }

    @Test
    void rubberBandSelectsEveryTouchedCardThenDeleteAndUndoWorkOnIt() {
        String a = vm.addNode("EmptyLatentImage", 0, 0);
        String b = vm.addNode("VAEDecode", 400, 0);
        String c = vm.addNode("SaveImage", 0, 400);
        Map<String, Rect> cards = rects(a, b, c);
        // touching is enough: the band only grazes b's left edge
        assertEquals(Set.of(a, b), CanvasEdits.touching(cards, Rect.corners(250, 100, 400, 50)));
        edits.selectTouching(cards, Rect.corners(250, 100, 400, 50), false);
        assertEquals(Set.of(a, b), vm.selection());
        edits.selectTouching(cards, Rect.corners(10, 390, 20, 410), true);
        assertEquals(Set.of(a, b, c), vm.selection(), "Shift adds to the selection");
        edits.selectTouching(cards, Rect.corners(10, 390, 20, 410), false);
        assertEquals(Set.of(c), vm.selection(), "Ctrl replaces it");
        edits.selectTouching(cards, Rect.corners(290, 200, 390, 300), false);
        assertTrue(vm.selection().isEmpty(), "a band over empty space selects nothing");

        edits.selectTouching(cards, Rect.corners(-10, -10, 700, 50), false);
        vm.deleteSelection();
        assertEquals(Set.of(c), vm.workflow().nodes().keySet());
        vm.undo();
        assertEquals(Set.of(a, b, c), vm.workflow().nodes().keySet());
    }

    @Test
    void groupWrapsTheSelectionMovesItsNodesRenamesAndDeletesUndoably() {
        String a = vm.addNode("EmptyLatentImage", 100, 100);
        String b = vm.addNode("VAEDecode", 500, 140);
        String outside = vm.addNode("SaveImage", 1200, 100);
        vm.select(Set.of(a, b));
        int index = edits.groupSelection(rects(a, b, outside), "Latents");
        assertEquals(0, index);
        Group g = vm.workflow().layout().groups().get(0);
        assertEquals("Latents", g.title());
        assertEquals(new Group("Latents", 80, 100 - 20 - CanvasEdits.GROUP_TITLE, 720, 160 + 40 + 34,
                CanvasEdits.GROUP_COLOR), g);
        assertEquals(Set.of(a, b), edits.nodesIn(0, rects(a, b, outside)));

        edits.moveGroup(0, 30, -10, rects(a, b, outside));
        assertEquals(110, vm.workflow().layout().groups().get(0).x());
        assertEquals(130, vm.workflow().layout().nodes().get(a).x());
        assertEquals(90, vm.workflow().layout().nodes().get(a).y());
        assertEquals(530, vm.workflow().layout().nodes().get(b).x());
        assertEquals(1200, vm.workflow().layout().nodes().get(outside).x(), "nodes outside stay");
        vm.undo(); // one step: group and nodes
        assertEquals(g, vm.workflow().layout().groups().get(0));
        assertEquals(100, vm.workflow().layout().nodes().get(a).x());

        edits.renameGroup(0, "  Decode  ");
        assertEquals("Decode", vm.workflow().layout().groups().get(0).title());
        edits.renameGroup(0, " ");
        assertEquals("Decode", vm.workflow().layout().groups().get(0).title(), "a blank title is ignored");
        vm.undo();
        assertEquals("Latents", vm.workflow().layout().groups().get(0).title());

        edits.deleteGroup(0);
        assertTrue(vm.workflow().layout().groups().isEmpty());
        assertEquals(3, vm.workflow().nodes().size(), "deleting a group keeps its nodes");
        vm.undo();
        assertEquals(g, vm.workflow().layout().groups().get(0));

        vm.select(Set.of());
        assertEquals(-1, edits.groupSelection(Map.of(), "Nothing"));
    }

    @Test
    void collapseIsTheLayoutFlagAndUndoable() {
        String a = vm.addNode("KSampler", 100, 100);
        String b = vm.addNode("VAEDecode", 500, 100);
        edits.toggleCollapsed(a);
        assertTrue(vm.workflow().layout().nodes().get(a).collapsed());
        assertEquals(100, vm.workflow().layout().nodes().get(a).x(), "collapsing keeps the position");
        vm.undo();
        assertFalse(vm.workflow().layout().nodes().get(a).collapsed());
        vm.redo();
        vm.select(Set.of(a, b));
        edits.toggleCollapsedSelection(); // not all collapsed: collapse all
        assertTrue(edits.isCollapsed(a) && edits.isCollapsed(b));
        edits.toggleCollapsedSelection(); // all collapsed: expand all
        assertFalse(edits.isCollapsed(a) || edits.isCollapsed(b));
        vm.undo();
        assertTrue(edits.isCollapsed(a) && edits.isCollapsed(b));
    }

    @Test
    void reroutesLieOnTheWireTheyFeedMoveUndoablyAndSurviveSaving() throws Exception {
        String ckpt = vm.addNode("CheckpointLoaderSimple", 0, 0);
        String sampler = vm.addNode("KSampler", 800, 0);
        String decode = vm.addNode("VAEDecode", 1200, 0);
        vm.connect(ckpt, 0, sampler, "model");
        vm.connect(sampler, 0, decode, "samples");
        Workflow wf = vm.workflow();
        // ComfyUI: ckpt → R1 → R2 → sampler slot 0 (model); R3 → decode slot 1 (vae) is not wired here
        vm.load(wf.withLayout(wf.layout().withReroutes(List.of(
                new Reroute("r2", 500, 300, sampler + ":0"),
                new Reroute("r1", 300, 200, "r2:0"),
                new Reroute("r3", 900, 300, decode + ":1")))));
        Map<String, List<Reroute>> routes = RerouteRoutes.routes(vm.workflow(), vm::schema);
        assertEquals(Set.of(RerouteRoutes.key(sampler, "model")), routes.keySet());
        assertEquals(List.of("r1", "r2"),
                routes.get(RerouteRoutes.key(sampler, "model")).stream().map(Reroute::id).toList());

        edits.moveReroute("r1", 340, 250);
        assertEquals(new Reroute("r1", 340, 250, "r2:0"), vm.workflow().layout().reroutes().get(1));
        vm.undo();
        assertEquals(new Reroute("r1", 300, 200, "r2:0"), vm.workflow().layout().reroutes().get(1));
        vm.redo();

        Workflow back = WorkflowJson.parse(WorkflowJson.write(vm.workflow()), "saved");
        assertEquals(vm.workflow().layout().reroutes(), back.layout().reroutes());
    }

    @Test
    void reroutePointsAreAddedOnAWireAndRemovedUndoably() {
        String ckpt = vm.addNode("CheckpointLoaderSimple", 0, 0);
        String sampler = vm.addNode("KSampler", 800, 0);
        vm.connect(ckpt, 0, sampler, "model");
        String wire = RerouteRoutes.key(sampler, "model");

        String first = edits.addReroute(sampler, "model", 300, 100);
        String second = edits.addReroute(sampler, "model", 600, 150);
        assertEquals(List.of(first, second),
                RerouteRoutes.routes(vm.workflow(), vm::schema).get(wire).stream().map(Reroute::id).toList(),
                "the wire runs source → first → second → KSampler.model");
        assertTrue(Long.parseLong(second) > Long.parseLong(first) && !vm.workflow().nodes().containsKey(first),
                "reroutes take numbers no node uses, as in ComfyUI");
        assertEquals(null, edits.addReroute(sampler, "positive", 0, 0), "no wire, no reroute");

        edits.removeReroute(first);
        assertEquals(List.of(second),
                RerouteRoutes.routes(vm.workflow(), vm::schema).get(wire).stream().map(Reroute::id).toList());
        vm.undo();
        assertEquals(2, RerouteRoutes.routes(vm.workflow(), vm::schema).get(wire).size());
        vm.undo();
        vm.undo();
        assertTrue(vm.workflow().layout().reroutes().isEmpty(), "every reroute edit undoes");
    }

    private static final String COMFY = """
            {"last_node_id": 3, "last_link_id": 2, "nodes": [
              {"id": 1, "type": "CheckpointLoaderSimple", "pos": [0, 0], "size": [300, 100], "flags": {}, "order": 0,
               "mode": 0, "outputs": [{"name": "MODEL", "type": "MODEL", "links": null},
               {"name": "CLIP", "type": "CLIP", "links": [1]}, {"name": "VAE", "type": "VAE", "links": null}],
               "properties": {}, "widgets_values": ["tiny.safetensors"]},
              {"id": 2, "type": "Reroute", "pos": [350, 40], "size": [75, 26], "flags": {}, "order": 1, "mode": 0,
               "inputs": [{"name": "", "type": "*", "link": 1}],
               "outputs": [{"name": "", "type": "CLIP", "links": [2]}], "properties": {"showOutputText": false}},
              {"id": 3, "type": "CLIPTextEncode", "pos": [500, 0], "size": [400, 200], "flags": {"collapsed": true},
               "order": 2, "mode": 0, "inputs": [{"name": "clip", "type": "CLIP", "link": 2}],
               "outputs": [{"name": "CONDITIONING", "type": "CONDITIONING", "links": null}],
               "properties": {}, "widgets_values": ["a cat"]}
            ],
            "links": [[1, 1, 1, 2, 0, "CLIP"], [2, 2, 0, 3, 0, "CLIP"]],
            "groups": [{"title": "Prompt", "bounding": [480, -40, 460, 280], "color": "#3f789e", "font_size": 24},
                       {"id": 8, "title": "Loader", "bounding": [-20, -40, 340, 200], "font_size": 12}],
            "config": {}, "extra": {}, "version": 0.4}
            """;

    @Test
    void importedComfyUiRerouteGroupAndCollapseAreEditedAndSavedBack() throws Exception {
        vm.load(ComfyUiFormat.read(COMFY, "imported.json", vm.registry()));
        assertTrue(edits.isCollapsed("3"));
        assertEquals("Prompt", vm.workflow().layout().groups().get(0).title());
        // the text encoder's slot 0 is its first socket input (clip), though "text" comes first in its schema
        assertEquals(List.of("2"), RerouteRoutes.routes(vm.workflow(), vm::schema)
                .get(RerouteRoutes.key("3", "clip")).stream().map(Reroute::id).toList());

        edits.moveReroute("2", 380, 60);
        edits.renameGroup(0, "Text");
        edits.toggleCollapsed("3");
        JsonNode out = new ObjectMapper().readTree(ComfyUiFormat.write(vm.workflow(), vm.registry()));
        JsonNode reroute = null;
        JsonNode text = null;
        for (JsonNode n : out.get("nodes")) {
            if (n.path("id").asInt() == 2) {
                reroute = n;
            } else if (n.path("id").asInt() == 3) {
                text = n;
            }
        }
        assertEquals(380, reroute.path("pos").path(0).asDouble());
        assertEquals(60, reroute.path("pos").path(1).asDouble());
        assertEquals(2, text.path("inputs").path(0).path("link").asInt(), "still wired through the reroute");
        assertFalse(text.path("flags").path("collapsed").asBoolean());
        assertEquals("Text", out.path("groups").path(0).path("title").asText());
        assertEquals(24, out.path("groups").path(0).path("font_size").asInt());

        edits.deleteGroup(0); // the remaining group keeps its own id and font size, not the deleted one's
        out = new ObjectMapper().readTree(ComfyUiFormat.write(vm.workflow(), vm.registry()));
        assertEquals(1, out.path("groups").size());
        assertEquals("Loader", out.path("groups").path(0).path("title").asText());
        assertEquals(8, out.path("groups").path(0).path("id").asInt());
        assertEquals(12, out.path("groups").path(0).path("font_size").asInt());
    }
}
