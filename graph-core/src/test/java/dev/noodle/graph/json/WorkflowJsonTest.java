package dev.noodle.graph.json;

import static dev.noodle.graph.testing.FakeNodes.link;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeMode;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.testing.FakeNodes;
import dev.noodle.graph.validate.Validator;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkflowJsonTest {
    private static final String NOODLE = """
            {
              "format": 1,
              "name": "demo",
              "nodes": {
                "1": {"type": "Source", "inputs": {"seed": 18446744073709551615, "size": 100}, "mode": "normal",
                      "color": "#f00"},
                "2": {"type": "Process", "inputs": {"latent": ["1", 0], "strength": 0.5}, "mode": "bypassed"},
                "12:3": {"type": "ToImage", "inputs": {"latent": [2, 0]}, "mode": 2},
                "4": {"type": "Save", "inputs": {"images": ["12:3", 0], "prefix": "p", "format": "png",
                      "weird": {"__value__": [1, 2]}, "bad": ["3"]}}
              },
              "layout": {
                "nodes": {"1": {"x": 10.5, "y": 20, "width": 300, "height": 120, "collapsed": false,
                                "title": "Seed", "pinned": true}},
                "groups": [{"title": "G", "x": 0, "y": 0, "width": 400, "height": 300, "color": "#333"}],
                "notes": [{"id": "n1", "text": "hello", "x": 1, "y": 2, "width": 3, "height": 4}],
                "reroutes": [],
                "canvas": {"offset": [1, 2], "zoom": 0.8}
              },
              "app": {"version": "0.9", "future": [1, {"x": null}]}
            }
            """;


    @Test
    void readsNoodleFormat() throws Exception {
        Workflow wf = WorkflowJson.parse(NOODLE, "demo.json");
        assertEquals("demo", wf.name());
        assertEquals(List.of("1", "2", "12:3", "4"), List.copyOf(wf.nodes().keySet()));
        assertEquals(new Literal(new BigInteger("18446744073709551615")), wf.node("1").input("seed"));
        assertEquals(new Literal(100L), wf.node("1").input("size"));
        assertEquals(link("1", 0), wf.node("2").input("latent"));
        assertEquals(new Link("2", 0), wf.node("12:3").input("latent"));
        assertEquals(NodeMode.BYPASSED, wf.node("2").mode());
        assertEquals(NodeMode.MUTED, wf.node("12:3").mode());
        assertEquals(new Literal(List.of("3")), wf.node("4").input("bad"));
        assertEquals("#f00", wf.node("1").extra().get("color"));
        assertEquals("Seed", wf.layout().nodes().get("1").title());
        assertEquals(true, wf.layout().nodes().get("1").extra().get("pinned"));
        assertEquals(1, wf.layout().groups().size());
        assertEquals(Map.of("version", "0.9", "future", List.of(1L, java.util.Collections.singletonMap("x", null))),
                wf.extra().get("app"));
    }

    @Test
    void roundTripPreservesEverythingIncludingUnknownFields() throws Exception {
        Workflow wf = WorkflowJson.parse(NOODLE, "demo.json");
        String written = WorkflowJson.write(wf);
        Workflow again = WorkflowJson.parse(written, "again.json");
        assertEquals(wf, again);
        assertEquals(written, WorkflowJson.write(again));
        assertTrue(written.contains("\"canvas\""), written);
        assertTrue(written.contains("\"pinned\""), written);
    }

    @Test
    void badJsonNamesFileLineColumnAndWhatToDo() {
        WorkflowFormatException e = assertThrows(WorkflowFormatException.class,
                () -> WorkflowJson.parse("{\n  \"format\": 1,\n  \"nodes\": {,}\n}", "broken.json"));
        assertEquals(3, e.line());
        assertTrue(e.column() > 0);
        assertTrue(e.getMessage().startsWith("Cannot read workflow broken.json at line 3, column "), e.getMessage());
        assertTrue(e.getMessage().contains("Fix the JSON"), e.getMessage());
    }

    @Test
    void badJsonIsDescribedInPlainWordsWithoutParserInternals() {
        java.util.Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("{\"3\": {\"seed\": 1,, }}", "an extra comma");
        cases.put("{\"a\": [1, 2}", "'}' closes a bracket that needs ']' (the list '[' opened at line 1, column 7)");
        cases.put("{\"a\": 1 \"b\": 2}", "a comma is missing between two entries");
        cases.put("{\"a\": [1 2]}", "a comma is missing between two entries");
        cases.put("{\"a\" 1}", "a colon is missing");
        cases.put("{\"a\": abc}", "'abc' is not a JSON value: text needs double quotes");
        cases.put("{\"a\": 'x'}", "text needs double quotes");
        cases.put("{\"a\": [1,]}", "an extra comma before ']'");
        cases.put("{\"3\": { \"class_type\": ", "the file ends too early");
        cases.put("{\"a\": \"x", "its closing \" is missing");
        cases.put("{\"a\": 1, \"a\": 2}", "the name \"a\" appears twice");
        for (var c : cases.entrySet()) {
            WorkflowFormatException e = assertThrows(WorkflowFormatException.class,
                    () -> WorkflowJson.parse(c.getKey(), "w.json"), c.getKey());
            String m = e.getMessage();
            assertTrue(m.startsWith("Cannot read workflow w.json at line "), m);
            assertTrue(m.contains(c.getValue()), c.getKey() + " -> " + m);
            for (String internal : new String[] {"Source:", "REDACTED", "code 4", "StreamReadFeature", "Unexpected"}) {
                assertFalse(m.contains(internal), c.getKey() + " -> " + m);
            }
        }
    }

    @Test
    void wrongShapesAreClearErrors() {
        assertTrue(assertThrows(WorkflowFormatException.class, () -> WorkflowJson.parse("[1,2]", "a.json"))
                .getMessage().contains("not a JSON object"));
        assertTrue(assertThrows(WorkflowFormatException.class,
                () -> WorkflowJson.parse("{\"format\":1,\"nodes\":{\"1\":{\"inputs\":{}}}}", "b.json"))
                .getMessage().contains("node 1 has no \"type\""));
        assertTrue(assertThrows(WorkflowFormatException.class, () -> WorkflowJson.parse("{\"format\":99}", "c.json"))
                .getMessage().contains("Update Noodle"));
        assertTrue(assertThrows(WorkflowFormatException.class,
                () -> WorkflowJson.parse("{\"nodes\":[{\"id\": 1}], \"links\":[]}", "ui.json")).getMessage()
                .contains("node #0 in \"nodes\" has no \"type\""));
        String deep = "[".repeat(5000) + "]".repeat(5000);
        assertTrue(assertThrows(WorkflowFormatException.class, () -> WorkflowJson.parse(deep, "deep.json"))
                .getMessage().contains("deep.json"));
    }

    @Test
    void readsComfyApiPromptAndValidatesIt() throws Exception {
        String api = """
                {"1": {"inputs": {"seed": 5, "size": 8}, "class_type": "Source", "_meta": {"title": "Src"}},
                 "2": {"inputs": {"latent": ["1", 0], "strength": 1}, "class_type": "Process"},
                 "3": {"inputs": {"latent": ["2", 0]}, "class_type": "ToImage"},
                 "4": {"inputs": {"images": ["3", 0], "prefix": "x", "format": "jpg"}, "class_type": "Save"}}
                """;
        Workflow wf = WorkflowJson.parse(api, "prompt.json");
        assertEquals("prompt", wf.name());
        assertEquals(Map.of("title", "Src"), wf.node("1").extra().get("_meta"));
        FakeNodes fake = new FakeNodes();
        assertEquals(List.of(), new Validator(fake.registry).validate(wf));
        Workflow again = ComfyApiFormat.read(ComfyApiFormat.write(wf), "prompt.json");
        assertEquals(wf.nodes(), again.nodes());
    }

    @Test
    void apiWriteKeepsModesAndExecutionFormResolvesThem() throws Exception {
        Workflow wf = FakeNodes.pipeline(1);
        wf = wf.withNode(wf.node("2").withMode(NodeMode.BYPASSED));
        Workflow again = ComfyApiFormat.read(ComfyApiFormat.write(wf), "p.json");
        assertEquals(NodeMode.BYPASSED, again.node("2").mode());
        String exec = ComfyApiFormat.writeForExecution(wf, new FakeNodes().registry);
        Workflow executed = ComfyApiFormat.read(exec, "e.json");
        assertEquals(List.of("1", "3", "4"), List.copyOf(executed.nodes().keySet()));
        assertEquals(link("1", 0), executed.node("3").input("latent"));
    }

    @Test
    void saveIsAtomicAndReadable(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("w.json");
        Workflow wf = FakeNodes.pipeline(3);
        WorkflowJson.save(wf, file);
        assertEquals(wf.nodes(), WorkflowJson.read(file).nodes());
        WorkflowJson.save(wf.withName("second"), file);
        assertEquals("second", WorkflowJson.read(file).name());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void failingWriteLeavesOldFileIntact(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("w.json");
        WorkflowJson.save(FakeNodes.pipeline(3), file);
        byte[] before = Files.readAllBytes(file);
        WorkflowJson.ChannelWriter failing = (ch, bytes) -> {
            ch.write(java.nio.ByteBuffer.wrap(bytes, 0, bytes.length / 2));
            throw new IOException("disk full");
        };
        IOException e = assertThrows(IOException.class, () -> WorkflowJson.save(FakeNodes.pipeline(4), file, failing));
        assertEquals("disk full", e.getMessage());
        assertEquals(new String(before, StandardCharsets.UTF_8), Files.readString(file));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "temp file must be removed");
        }
    }

    @Test
    void missingFileIsAClearError(@TempDir Path dir) {
        WorkflowFormatException e = assertThrows(WorkflowFormatException.class,
                () -> WorkflowJson.read(dir.resolve("nope.json")));
        assertTrue(e.getMessage().contains("nope.json") && e.getMessage().contains("does not exist"));
    }

    @Test
    void readsLinkWithIntegerNodeId() throws Exception {
        Workflow wf = WorkflowJson.parse("{\"format\":1,\"nodes\":{\"2\":{\"type\":\"X\",\"inputs\":{\"a\":[1,0]}}}}", "x");
        assertInstanceOf(Link.class, wf.node("2").input("a"));
    }
}
