package dev.noodle.nodes.utils;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.noodle.engine.model.DemoCheckpoint;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.validate.ValidationCode;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import dev.noodle.nodes.values.ConditioningValue;
import dev.noodle.nodes.values.LatentValue;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The utility nodes in real runs with the standard registry: values reach the pipeline and PreviewAny shows them. */
class UtilityNodesRunTest {
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

    static RunResult run(String nodesJson) {
        Workflow wf = WorkflowJson.parse("{\"format\": 1, \"name\": \"t\", \"nodes\": {" + nodesJson + "}}", "t",
                nodes.registry());
        return executor.run(wf, new RunOptions(Set.copyOf(wf.nodes().keySet()), "t"), e -> { },
                new CancellationToken());
    }

    static RunResult ok(String nodesJson) {
        RunResult r = run(nodesJson);
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
        return r;
    }

    static Object out(RunResult r, String node) {
        return r.outputs().get(node).value(0);
    }

    @Test
    void primitiveIntSetsTheLatentWidthAndPreviewDescribesTheLatent() {
        RunResult r = ok("""
                "1": {"type": "PrimitiveInt", "inputs": {"value": 96}},
                "2": {"type": "EmptyLatentImage", "inputs": {"width": ["1", 0], "height": 64, "batch_size": 1}},
                "3": {"type": "PreviewAny", "inputs": {"source": ["2", 0]}}
                """);
        LatentValue latent = (LatentValue) out(r, "2");
        assertArrayEquals(new long[] {1, 4, 8, 12}, latent.samples().shape());
        assertEquals(96L, out(r, "1"));
        assertEquals(latent.toString(), out(r, "3"));
        assertEquals(Map.of("text", List.of(latent.toString())), r.outputs().get("3").ui());
    }

    @Test
    void concatenatedPromptEncodesLikeTheSameTypedPrompt() {
        String ckpt = "\"4\": {\"type\": \"CheckpointLoaderSimple\", \"inputs\": {\"ckpt_name\": \""
                + DemoCheckpoint.FILE_NAME + "\"}},";
        RunResult r = ok(ckpt + """
                "1": {"type": "PrimitiveString", "inputs": {"value": "a red"}},
                "2": {"type": "PrimitiveStringMultiline", "inputs": {"value": "cat\\non a mat"}},
                "3": {"type": "StringConcatenate", "inputs": {"string_a": ["1", 0], "string_b": ["2", 0],
                      "delimiter": ", "}},
                "5": {"type": "StringReplace", "inputs": {"string": ["3", 0], "find": "mat", "replace": "rug"}},
                "6": {"type": "CLIPTextEncode", "inputs": {"text": ["5", 0], "clip": ["4", 1]}},
                "7": {"type": "CLIPTextEncode", "inputs": {"text": "a red, cat\\non a rug", "clip": ["4", 1]}},
                "8": {"type": "PreviewAny", "inputs": {"source": ["5", 0]}}
                """);
        assertEquals("a red, cat\non a mat", out(r, "3"));
        assertEquals("a red, cat\non a rug", out(r, "8"));
        assertEquals(Map.of("text", List.of("a red, cat\non a rug")), r.outputs().get("8").ui());
        var wired = ((ConditioningValue) out(r, "6")).entries().get(0).context();
        var typed = ((ConditioningValue) out(r, "7")).entries().get(0).context();
        assertArrayEquals(typed.shape(), wired.shape());
        assertArrayEquals(typed.data(), wired.data());
    }

    @Test
    void numbersAndBooleansPreviewAsPythonPrintsThem() {
        RunResult r = ok("""
                "1": {"type": "PrimitiveFloat", "inputs": {"value": 0.5}},
                "2": {"type": "PrimitiveBoolean", "inputs": {"value": true}},
                "3": {"type": "StringLength", "inputs": {"string": "猫 cat 🐈"}},
                "4": {"type": "StringCompare", "inputs": {"string_a": "Noodle", "string_b": "NOO", "mode": "Starts With",
                      "case_sensitive": false}},
                "5": {"type": "CaseConverter", "inputs": {"string": "  hello WORLD ", "mode": "Title Case"}},
                "6": {"type": "StringTrim", "inputs": {"string": ["5", 0], "mode": "Both"}},
                "7": {"type": "StringContains", "inputs": {"string": ["6", 0], "substring": "world",
                      "case_sensitive": true}},
                "p1": {"type": "PreviewAny", "inputs": {"source": ["1", 0]}},
                "p2": {"type": "PreviewAny", "inputs": {"source": ["2", 0]}},
                "p3": {"type": "PreviewAny", "inputs": {"source": ["3", 0]}},
                "p4": {"type": "PreviewAny", "inputs": {"source": ["4", 0]}},
                "p6": {"type": "PreviewAny", "inputs": {"source": ["6", 0]}},
                "p7": {"type": "PreviewAny", "inputs": {"source": ["7", 0]}}
                """);
        assertEquals("0.5", out(r, "p1"));
        assertEquals("True", out(r, "p2"));
        assertEquals("7", out(r, "p3"));
        assertEquals("True", out(r, "p4"));
        assertEquals("Hello World", out(r, "p6"));
        assertEquals("False", out(r, "p7"), "case sensitive: World is not world");
    }

    @Test
    void uiWorkflowWidgetsSkipPrimitiveIntsControlSlot() {
        String ui = """
                {"last_node_id": 2, "last_link_id": 1, "nodes": [
                  {"id": 1, "type": "PrimitiveInt", "pos": [0, 0], "size": [270, 82], "flags": {}, "order": 0,
                   "mode": 0, "inputs": [], "outputs": [{"name": "INT", "type": "INT", "links": [1]}],
                   "properties": {"Node name for S&R": "PrimitiveInt"}, "widgets_values": [96, "increment"]},
                  {"id": 2, "type": "EmptyLatentImage", "pos": [300, 0], "size": [270, 106], "flags": {}, "order": 1,
                   "mode": 0, "inputs": [{"name": "width", "type": "INT", "widget": {"name": "width"}, "link": 1}],
                   "outputs": [{"name": "LATENT", "type": "LATENT", "links": null}],
                   "properties": {"Node name for S&R": "EmptyLatentImage"}, "widgets_values": [96, 64, 1]}],
                 "links": [[1, 1, 0, 2, 0, "INT"]], "groups": [], "config": {}, "extra": {}, "version": 0.4}
                """;
        Workflow wf = WorkflowJson.parse(ui, "ui.json", nodes.registry());
        assertEquals(new dev.noodle.graph.model.Literal(96L), wf.node("1").input("value"));
        assertEquals(dev.noodle.graph.model.Link.of("1", 0), wf.node("2").input("width"));
        RunResult r = executor.run(wf, new RunOptions(Set.of("2"), "t"), e -> { }, new CancellationToken());
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
        assertArrayEquals(new long[] {1, 4, 8, 12}, ((LatentValue) out(r, "2")).samples().shape());
    }

    @Test
    void aBadModeIsNamedBeforeTheRun() {
        RunResult r = run("""
                "1": {"type": "StringTrim", "inputs": {"string": "x", "mode": "Middle"}}
                """);
        assertEquals(RunResult.Status.INVALID, r.status());
        assertFalse(r.errors().isEmpty());
        assertEquals(ValidationCode.VALUE_NOT_IN_LIST, r.errors().get(0).code());
        assertEquals("mode", r.errors().get(0).input());
    }
}
