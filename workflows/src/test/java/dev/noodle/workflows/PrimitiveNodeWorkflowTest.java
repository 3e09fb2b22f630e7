package dev.noodle.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noodle.engine.image.PngText;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunListener;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.json.ComfyUiFormat;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.Note;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.validate.Validator;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A ComfyUI UI workflow whose legacy {@code PrimitiveNode}s feed KSampler's seed and steps, with a Note and a
 * MarkdownNote: it opens with the primitives' values on their targets, runs on the demo model, and saves back with
 * the frontend-only nodes unchanged (they never reach the prompt).
 */
class PrimitiveNodeWorkflowTest {
    static final String FILE = "comfyui_primitive_nodes_and_notes.json";
    static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    static Path tmp;

    static NoodleNodes nodes;

    @BeforeAll
    static void setUp() {
        nodes = NoodleNodes.create(NodeEnvironment.of(tmp.resolve("models"), tmp.resolve("output")));
    }

    @AfterAll
    static void tearDown() {
        if (nodes != null) {
            nodes.close();
        }
    }

    static String resource() throws IOException {
        try (InputStream in = PrimitiveNodeWorkflowTest.class.getResourceAsStream(FILE)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The node object with this id in a UI workflow. */
    static JsonNode node(JsonNode ui, int id) {
        for (JsonNode n : ui.path("nodes")) {
            if (n.path("id").asInt() == id) {
                return n;
            }
        }
        throw new AssertionError("no node " + id + " in " + ui);
    }

    @Test
    void opensWithThePrimitiveValuesOnTheirTargets() throws IOException {
        Workflow wf = WorkflowJson.parse(resource(), FILE, nodes.registry());
        assertEquals(Set.of("3", "4", "5", "6", "7", "8", "9"), wf.nodes().keySet(), "only nodes that run");
        assertEquals(new Literal(42L), wf.node("3").input("seed"));
        assertEquals(new Literal(3L), wf.node("3").input("steps"));
        assertEquals(new Literal(8L), wf.node("3").input("cfg"));
        assertEquals(List.of("The seed and the steps come from the two primitives above the sampler.",
                        "## Shared workflow\n\n* **seed** fixed at 42\n* **steps**: 3 on the demo model"),
                wf.layout().notes().stream().map(Note::text).toList());
        assertEquals(List.of(), new Validator(nodes.registry()).validate(wf));
        JsonNode api = MAPPER.readTree(ComfyUiFormat.writeApi(wf));
        assertEquals(Set.of("3", "4", "5", "6", "7", "8", "9"), Set.copyOf(iterable(api.fieldNames())));
        assertEquals(42, api.path("3").path("inputs").path("seed").asLong());
        assertEquals(3, api.path("3").path("inputs").path("steps").asInt());
    }

    @Test
    void thePrimitiveWinsOverItsTargetsWidgetAndSavingMirrorsIt() throws IOException {
        // as ComfyUI's frontend applies a primitive's value to the widgets it feeds when the graph is configured
        com.fasterxml.jackson.databind.node.ObjectNode ui =
                (com.fasterxml.jackson.databind.node.ObjectNode) MAPPER.readTree(resource());
        ((com.fasterxml.jackson.databind.node.ArrayNode) node(ui, 10).path("widgets_values")).set(0, 7);
        Workflow wf = WorkflowJson.parse(ui.toString(), "edited.json", nodes.registry());
        assertEquals(new Literal(7L), wf.node("3").input("seed"), "the primitive's value, not the target's widget");
        JsonNode saved = MAPPER.readTree(ComfyUiFormat.write(wf, nodes.registry()));
        assertEquals(7, node(saved, 10).path("widgets_values").path(0).asInt());
        assertEquals(7, node(saved, 3).path("widgets_values").path(0).asInt(), "the target's widget mirrors it");
        assertEquals(10, node(saved, 3).path("inputs").path(4).path("link").asInt(), "still linked");
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    @Test
    void runsAndSavesBackWithThePrimitivesAndNotesUnchanged() throws Exception {
        String original = resource();
        Workflow wf = WorkflowJson.parse(original, FILE, nodes.registry());
        GraphExecutor executor = new GraphExecutor(nodes.registry(), new ResultCache(1L << 28), nodes.services());
        RunResult r = executor.run(wf, new RunOptions(Set.of(), FILE), RunListener.none(), new CancellationToken());
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
        @SuppressWarnings("unchecked")
        List<Path> images = (List<Path>) r.outputs().get("9").ui().get("images");
        Map<String, String> text = PngText.read(images.get(0));
        JsonNode prompt = MAPPER.readTree(text.get("prompt"));
        assertEquals(42, prompt.path("3").path("inputs").path("seed").asLong(), "the seed that ran");
        assertEquals(3, prompt.path("3").path("inputs").path("steps").asInt(), "the steps that ran");
        assertFalse(prompt.has("10") || prompt.has("12"), "frontend-only nodes never reach the prompt");

        JsonNode source = MAPPER.readTree(original);
        // saved unchanged: the whole file, and the copy embedded in the PNG
        assertEquals(source, MAPPER.readTree(ComfyUiFormat.write(wf, nodes.registry())));
        JsonNode embedded = MAPPER.readTree(text.get("workflow"));
        for (int id : new int[] {10, 11, 12, 13}) {
            assertEquals(node(source, id), node(embedded, id), "node " + id + " in the PNG's workflow");
        }

        // an edit elsewhere keeps the primitives, their links and the notes as they were
        Workflow edited = wf.withNode(wf.node("6").withInput("text", Literal.of("a red bottle")));
        JsonNode saved = MAPPER.readTree(ComfyUiFormat.write(edited, nodes.registry()));
        for (int id : new int[] {10, 11, 12, 13}) {
            assertEquals(node(source, id), node(saved, id), "node " + id + " after an edit elsewhere");
        }
        assertEquals(node(source, 3), node(saved, 3), "the sampler's linked seed and steps stay linked");
        assertEquals("a red bottle", node(saved, 6).path("widgets_values").path(0).asText());
        assertEquals(source.path("links"), saved.path("links"));
        Workflow reopened = WorkflowJson.parse(saved.toString(), "saved.json", nodes.registry());
        assertEquals(new Literal(42L), reopened.node("3").input("seed"));
        assertEquals(new Literal(3L), reopened.node("3").input("steps"));
        assertEquals(2, reopened.layout().notes().size());
        assertTrue(saved.path("nodes").size() == source.path("nodes").size());
    }
}
