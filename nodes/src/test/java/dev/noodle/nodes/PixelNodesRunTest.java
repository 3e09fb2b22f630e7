package dev.noodle.nodes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.json.ComfyApiFormat;
import dev.noodle.graph.json.ComfyUiFormat;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Subgraph;
import dev.noodle.graph.model.SubgraphInput;
import dev.noodle.graph.model.SubgraphOutput;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.subgraph.SubgraphSchemas;
import dev.noodle.graph.validate.ValidationCode;
import dev.noodle.graph.validate.ValidationError;
import dev.noodle.nodes.host.DemoInputs;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import dev.noodle.nodes.values.ImageValue;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ImageInvert, ImageBlend, ImageStitch and CustomCombo in real runs with the standard registry: ComfyUI API prompts
 * and UI workflows run, and bad values are refused naming the node and input.
 */
class PixelNodesRunTest {
    @TempDir
    static Path dir;

    static NoodleNodes nodes;
    static GraphExecutor executor;

    @BeforeAll
    static void setUp() {
        nodes = NoodleNodes.create(NodeEnvironment.of(dir.resolve("models"), dir.resolve("output")));
        executor = new GraphExecutor(nodes.registry(), new ResultCache(1L << 28), nodes.services());
    }

    @AfterAll
    static void tearDown() {
        nodes.close();
    }

    static RunResult run(Workflow wf) {
        return executor.run(wf, new RunOptions(Set.copyOf(wf.nodes().keySet()), "t"), e -> { },
                new CancellationToken());
    }

    static RunResult runApi(String prompt) {
        return run(ComfyApiFormat.read("{" + prompt + "}", "prompt.json"));
    }

    static Object out(RunResult r, String node, int index) {
        return r.outputs().get(node).value(index);
    }

    @Test
    void aComfyUiPromptInvertsStitchesAndBlends() {
        RunResult r = runApi("""
                "1": {"class_type": "LoadImage", "inputs": {"image": "%s"}},
                "2": {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}},
                "3": {"class_type": "ImageStitch", "inputs": {"image1": ["1", 0], "direction": "down",
                      "match_image_size": true, "spacing_width": 4, "spacing_color": "red", "image2": ["2", 0]}},
                "4": {"class_type": "ImageBlend", "inputs": {"image1": ["1", 0], "image2": ["2", 0],
                      "blend_factor": 1.0, "blend_mode": "screen"}},
                "5": {"class_type": "ImageStitch", "inputs": {"image1": ["1", 0], "direction": "left",
                      "match_image_size": false, "spacing_width": 0, "spacing_color": "white"}}
                """.formatted(DemoInputs.INPAINT_EXAMPLE));
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
        ImageValue src = (ImageValue) out(r, "1", 0);
        ImageValue inv = (ImageValue) out(r, "2", 0);
        ImageValue stitched = (ImageValue) out(r, "3", 0);
        ImageValue blended = (ImageValue) out(r, "4", 0);
        int h = src.height();
        int w = src.width();
        assertArrayEquals(new long[] {1, 2L * h + 4, w, 3}, stitched.pixels().shape());
        float[] s = src.pixels().data();
        float[] i = inv.pixels().data();
        float[] st = stitched.pixels().data();
        float[] b = blended.pixels().data();
        for (int p = 0; p < s.length; p++) {
            assertEquals(1f - s[p], i[p], 0f);
            assertEquals(s[p], st[p], 0f); // image1 on top, as it was
            assertEquals(Math.min(1f, 1 - (1 - s[p]) * s[p]), b[p], 1e-6f); // screen of x and 1 - x
        }
        int strip = (h * w + w) * 3; // row h + 1, the second of the red strip
        assertArrayEquals(new float[] {1, 0, 0}, java.util.Arrays.copyOfRange(st, strip, strip + 3));
        assertEquals(src, out(r, "5", 0), "without image2 the node returns image1");
    }

    @Test
    void customComboGivesTheChoiceAndTheIndexFromAComfyUiPrompt() {
        RunResult r = runApi("""
                "1": {"class_type": "CustomCombo", "inputs": {"choice": "Text to Video", "index": 2,
                      "option0": "Default", "option1": "Text to Image", "option2": "Text to Video", "option3": ""}},
                "2": {"class_type": "StringConcatenate", "inputs": {"string_a": ["1", 0], "string_b": "!",
                      "delimiter": ""}},
                "3": {"class_type": "PreviewAny", "inputs": {"source": ["1", 1]}}
                """);
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
        assertEquals("Text to Video", out(r, "1", 0));
        assertEquals(2L, out(r, "1", 1));
        assertEquals("Text to Video!", out(r, "2", 0));
        assertEquals("2", out(r, "3", 0));
        // without the frontend's index (a hand-written prompt) INDEX is 0, as ComfyUI's default
        RunResult bare = runApi("""
                "1": {"class_type": "CustomCombo", "inputs": {"choice": "anything at all"}}
                """);
        assertEquals(RunResult.Status.SUCCESS, bare.status(), bare.message() + " " + bare.errors());
        assertEquals("anything at all", out(bare, "1", 0));
        assertEquals(0L, out(bare, "1", 1));
    }

    @Test
    void customComboReadsItsWidgetsFromAComfyUiWorkflow() {
        String ui = """
                {"last_node_id": 4, "last_link_id": 1, "version": 0.4,
                 "nodes": [
                  {"id": 4, "type": "CustomCombo", "pos": [0, 0], "size": [225, 286], "flags": {}, "order": 0,
                   "mode": 0, "inputs": [],
                   "outputs": [{"name": "STRING", "type": "STRING", "links": [1]},
                               {"name": "INDEX", "type": "INT", "links": null}],
                   "properties": {"Node name for S&R": "CustomCombo"},
                   "widgets_values": ["Image Editing", 3, "Default", "Text to Image", "Text to Video",
                                      "Image Editing", "Subject to Image", ""]},
                  {"id": 5, "type": "PreviewAny", "pos": [300, 0], "size": [225, 162], "flags": {}, "order": 1,
                   "mode": 0, "inputs": [{"name": "source", "type": "*", "link": 1}],
                   "outputs": [{"name": "STRING", "type": "STRING", "links": null}],
                   "properties": {}, "widgets_values": []}],
                 "links": [[1, 4, 0, 5, 0, "STRING"]], "groups": [], "config": {}, "extra": {}}
                """;
        Workflow wf = ComfyUiFormat.read(ui, "custom-combo.json", nodes.registry());
        RunResult r = run(wf);
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
        assertEquals("Image Editing", out(r, "4", 0));
        assertEquals(3L, out(r, "4", 1));
        assertEquals("Image Editing", out(r, "5", 0));
    }

    @Test
    void customComboChoicePromotedToASubgraphHostTakesTheHostsValue() {
        // the shape of the ComfyUI frontend's subgraph-custom-combo-promoted-choice fixture: the inner CustomCombo's
        // choice is fed by the subgraph's "choice" input, and the host card holds "two"
        Workflow body = Workflow.empty("Custom Combo Subgraph")
                .withNode(NodeInstance.of("1", "CustomCombo", Map.of("choice", Link.of(Subgraph.INPUT_NODE, 0),
                        "index", Literal.of(0L))));
        Subgraph def = new Subgraph("bf3ce08d", "Custom Combo Subgraph", null,
                List.of(new SubgraphInput("in-0", "choice", "COMBO", null, Map.of())),
                List.of(new SubgraphOutput("out-0", "STRING", "STRING", null, Link.of("1", 0), Map.of()),
                        new SubgraphOutput("out-1", "INDEX", "INT", null, Link.of("1", 1), Map.of())),
                body, null, Map.of());
        Workflow wf = Workflow.empty("t").withSubgraph(def)
                .withNode(NodeInstance.of("5", "bf3ce08d", Map.of("choice", Literal.of("two"))))
                .withNode(NodeInstance.of("4", "PreviewAny", Map.of("source", Link.of("5", 0))));
        InputSpec promoted = SubgraphSchemas.schemaOf(wf, nodes.registry(), "bf3ce08d").orElseThrow()
                .input("choice").orElseThrow();
        assertTrue(promoted instanceof ComboInput c && c.isUserDefined(), promoted.toString());
        RunResult r = executor.run(wf, new RunOptions(Set.of("4"), "t"), e -> { }, new CancellationToken());
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
        assertEquals("two", out(r, "4", 0));
    }

    @Test
    void badValuesAreRefusedNamingTheNodeAndInput() {
        RunResult r = runApi("""
                "1": {"class_type": "LoadImage", "inputs": {"image": "%s"}},
                "2": {"class_type": "ImageBlend", "inputs": {"image1": ["1", 0], "image2": ["1", 0],
                      "blend_factor": 0.5, "blend_mode": "darken"}},
                "3": {"class_type": "ImageStitch", "inputs": {"image1": ["1", 0], "direction": "sideways",
                      "match_image_size": true, "spacing_width": 2000, "spacing_color": "white"}},
                "4": {"class_type": "ImageBlend", "inputs": {"image1": ["1", 0], "image2": ["1", 0],
                      "blend_factor": 1.5, "blend_mode": "normal"}},
                "5": {"class_type": "CustomCombo", "inputs": {"choice": 5}},
                "6": {"class_type": "ImageInvert", "inputs": {}}
                """.formatted(DemoInputs.INPAINT_EXAMPLE));
        assertEquals(RunResult.Status.INVALID, r.status());
        List<String> got = r.errors().stream().map(PixelNodesRunTest::describe).sorted().toList();
        assertEquals(List.of(
                "2 blend_mode value_not_in_list", "3 direction value_not_in_list",
                "3 spacing_width value_bigger_than_max", "4 blend_factor value_bigger_than_max",
                "5 choice invalid_input_type", "6 image required_input_missing"), got);
        ValidationError mode = r.errors().stream().filter(e -> "blend_mode".equals(e.input())).findFirst()
                .orElseThrow();
        assertTrue(mode.message().contains("'darken'") && mode.message().contains("soft_light"), mode.message());
        ValidationError choice = r.errors().stream().filter(e -> "choice".equals(e.input())).findFirst()
                .orElseThrow();
        assertEquals(ValidationCode.INVALID_INPUT_TYPE, choice.code());
        assertTrue(choice.message().contains("text") && choice.message().contains("5"), choice.message());
    }

    private static String describe(ValidationError e) {
        return e.nodeId() + " " + e.input() + " " + e.code();
    }
}
