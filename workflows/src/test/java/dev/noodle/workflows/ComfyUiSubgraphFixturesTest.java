package dev.noodle.workflows;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunListener;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.json.ComfyApiFormat;
import dev.noodle.graph.json.ComfyUiFormat;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Subgraph;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.subgraph.SubgraphFlattener;
import dev.noodle.graph.validate.ValidationCode;
import dev.noodle.graph.validate.ValidationError;
import dev.noodle.graph.validate.Validator;
import dev.noodle.nodes.host.DemoAddons;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * ComfyUI's own subgraph test workflows (the frontend's {@code browser_tests/assets/subgraphs/}, in
 * resources/comfyui_subgraphs): every one opens and saves back as the same JSON; every one whose node types Noodle
 * knows and that has an output runs on the demo model, and runs the same from its API export (inner nodes as
 * {@code host:inner}); the others name their unknown inner nodes by path.
 */
class ComfyUiSubgraphFixturesTest {
    @TempDir
    static Path tmp;

    static NoodleNodes nodes;
    static final ObjectMapper JSON = new ObjectMapper();

    /** Fixtures with an output node that cannot run as authored, and why (each asserted). */
    static final Map<String, String> INVALID_AS_AUTHORED = Map.of(
            "subgraph-with-live-sampler-and-committed-output.json",
            "PreviewImage inside \"Sampler And Preview Subgraph\" inside node 1");

    @BeforeAll
    static void setUp() throws Exception {
        Path models = tmp.resolve("models");
        DemoAddons.ensure(models);
        Path ck = models.resolve("checkpoints");
        Files.copy(ck.resolve(dev.noodle.engine.model.DemoCheckpoint.FILE_NAME),
                ck.resolve("v1-5-pruned-emaonly-fp16.safetensors"));
        NodeEnvironment env = NodeEnvironment.of(models, tmp.resolve("output"));
        Files.createDirectories(env.inputDir());
        BufferedImage img = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 48; y++) {
            for (int x = 0; x < 64; x++) {
                img.setRGB(x, y, (x * 4) << 16 | (y * 5) << 8 | ((x + y) & 0xff));
            }
        }
        ImageIO.write(img, "png", env.inputDir().resolve("example.png").toFile());
        nodes = NoodleNodes.create(env);
    }

    @AfterAll
    static void tearDown() {
        if (nodes != null) {
            nodes.close();
        }
    }

    static List<Path> fixtures() throws Exception {
        Path dir = Path.of(ComfyUiSubgraphFixturesTest.class.getResource("/comfyui_subgraphs").toURI());
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
        }
    }

    @TestFactory
    Stream<DynamicTest> everyFixtureSavesBackAsTheSameJsonAndReopensAsTheSameGraph() throws Exception {
        List<Path> files = fixtures();
        assertEquals(49, files.size(), "fixtures: " + files);
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            Workflow wf = WorkflowJson.read(f, nodes.registry());
            String saved = ComfyUiFormat.write(wf, nodes.registry());
            assertEquals(JSON.readTree(Files.readString(f)), JSON.readTree(saved), f + " saved back differs");
            Workflow again = WorkflowJson.parse(saved, f.toString(), nodes.registry());
            assertEquals(graph(wf), graph(again));
            // and the Noodle format keeps the same graph too
            Workflow noodle = WorkflowJson.parse(WorkflowJson.write(wf), "n.json", nodes.registry());
            assertEquals(graph(wf), graph(noodle));
        }));
    }

    @TestFactory
    Stream<DynamicTest> fixturesWithKnownNodesAndAnOutputRunAndTheirApiExportRunsTheSame() throws Exception {
        List<Path> runnable = new ArrayList<>();
        for (Path f : fixtures()) {
            Workflow wf = WorkflowJson.read(f, nodes.registry());
            Workflow flat = SubgraphFlattener.flatten(wf).workflow();
            boolean known = flat.nodes().values().stream().allMatch(n -> nodes.registry().find(n.type()).isPresent());
            boolean output = flat.nodes().values().stream().anyMatch(n -> n.mode() == dev.noodle.graph.model.NodeMode.NORMAL
                    && nodes.registry().find(n.type()).map(d -> d.schema().outputNode()).orElse(false));
            if (known && output && !INVALID_AS_AUTHORED.containsKey(f.getFileName().toString())) {
                runnable.add(f);
            }
        }
        List<String> names = runnable.stream().map(p -> p.getFileName().toString()).toList();
        assertTrue(names.containsAll(List.of("link-seed.json", "proxy-seed.json", "zit-seed.json",
                "nested-subgraph-stale-proxy-widgets.json", "nested-subgraph-legacy-prefixed-proxy-widgets.json",
                "subgraph-nested-promotion.json", "subgraph-nested-duplicate-ids.json",
                "subgraph-with-preview-node.json", "promoted-primitive-node-sparse-override.json",
                "subgraph-custom-combo-promoted-choice.json", "subgraph-with-multiple-promoted-previews.json")),
                names.toString());
        return runnable.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            Workflow wf = small(WorkflowJson.read(f, nodes.registry()));
            assertEquals(List.of(), new Validator(nodes.registry()).validate(wf));
            RunResult ui = run(wf);
            Workflow api = WorkflowJson.parse(ComfyApiFormat.write(wf), "api.json", nodes.registry());
            assertTrue(api.nodes().keySet().stream().anyMatch(id -> id.contains(":")), api.nodes().keySet().toString());
            RunResult fromApi = run(api);
            assertEquals(ui.outputs().keySet(), fromApi.outputs().keySet());
            for (String id : ui.outputs().keySet()) {
                Map<String, Object> a = ui.outputs().get(id).ui();
                Map<String, Object> b = fromApi.outputs().get(id).ui();
                if (a.get("images") instanceof List<?> imgs) {
                    List<?> other = (List<?>) b.get("images");
                    assertEquals(imgs.size(), other.size());
                    for (int i = 0; i < imgs.size(); i++) {
                        assertArrayEquals(pixels((Path) imgs.get(i)), pixels((Path) other.get(i)), id);
                    }
                } else {
                    assertEquals(a, b, id);
                }
            }
        }));
    }

    @Test
    void nestedStringSubgraphsConcatenateThroughEveryLevel() throws Exception {
        // Outer: string_a (from the root's "Outer\n") + "Inner 1\n" → Inner: + "Inner 2\n" → Innermost: + "Inner 3\n"
        for (String f : List.of("nested-subgraph-legacy-prefixed-proxy-widgets.json",
                "subgraph-nested-duplicate-ids.json", "subgraph-nested-promotion.json")) {
            RunResult r = run(WorkflowJson.read(fixture(f), nodes.registry()));
            assertEquals(RunResult.Status.SUCCESS, r.status(), f + ": " + r.message());
            assertEquals(List.of("Outer\nInner 1\nInner 2\nInner 3\n"), r.outputs().get("2").ui().get("text"), f);
        }
    }

    @Test
    void aCustomComboChoicePromotedToItsHostGivesTheHostsValue() throws Exception {
        // inner CustomCombo: widgets_values ["one", 0, "one", "two", "three", "four", ""]; the host holds "two"
        RunResult r = run(WorkflowJson.read(fixture("subgraph-custom-combo-promoted-choice.json"), nodes.registry()));
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message());
        assertEquals(List.of("two"), r.outputs().get("4").ui().get("text"));
    }

    @Test
    void hostsOfOneDefinitionKeepTheirOwnPromotedValues() throws Exception {
        Workflow wf = WorkflowJson.read(fixture("subgraph-multi-instance-promoted-text-values.json"),
                nodes.registry());
        Workflow flat = SubgraphFlattener.flatten(wf).workflow();
        assertEquals(Literal.of("Alpha\n"), flat.node("11:10").input("text"));
        assertEquals(Literal.of("Beta\n"), flat.node("12:10").input("text"));
        assertEquals(Literal.of("Gamma\n"), flat.node("13:10").input("text"));
    }

    @Test
    void proxyWidgetsOfInnerWidgetsNoInputFeedsKeepPerHostValues() throws Exception {
        // the host stores "exterior" for its proxy of an inner PrimitiveNode (which feeds node 1's value): it runs
        RunResult r = run(WorkflowJson.read(fixture("promoted-primitive-node-sparse-override.json"),
                nodes.registry()));
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message());
        assertEquals(List.of("exterior"), r.outputs().get("3").ui().get("text"));
        // two hosts of one definition, each with its own values for the same two proxies
        Workflow fanout = SubgraphFlattener.flatten(WorkflowJson.read(
                fixture("subgraph-primitive-fanout-multi-host.json"), nodes.registry())).workflow();
        assertEquals(Literal.of("first-host"), fanout.node("2:1").input("value"));
        assertEquals(Literal.of(11L), fanout.node("2:3").input("value"));
        assertEquals(Literal.of("second-host"), fanout.node("12:1").input("value"));
        assertEquals(Literal.of(22L), fanout.node("12:3").input("value"));
    }

    @Test
    void proxyWidgetValuesFollowTheProxyListNotTheInterfaceOrder() throws Exception {
        // interface: width, batch_size; proxyWidgets: batch_size, width; widgets_values [1, 512]
        Workflow wf = WorkflowJson.read(fixture("subgraph-with-legacy-reordered-links.json"), nodes.registry());
        NodeInstance inner = SubgraphFlattener.flatten(wf).workflow().node("2:1");
        assertEquals(Literal.of(512L), inner.input("width"));
        assertEquals(Literal.of(1L), inner.input("batch_size"));
        // a host storing no values shows (and runs) the inner widgets' values
        Workflow pack = WorkflowJson.read(fixture("nested-pack-promoted-values.json"), nodes.registry());
        NodeInstance steps = SubgraphFlattener.flatten(pack).workflow().node("57:3");
        assertEquals(Literal.of(8L), steps.input("steps"));
    }

    @Test
    void innerNodesNestFlattenToColonPaths() throws Exception {
        Workflow wf = WorkflowJson.read(fixture("subgraph-nested-host-execution-path.json"), nodes.registry());
        JsonNode api = JSON.readTree(ComfyApiFormat.write(wf));
        List<String> ids = new ArrayList<>();
        api.fieldNames().forEachRemaining(ids::add);
        assertEquals(List.of("1:3", "9:10:11"), ids);
    }

    @Test
    void unknownInnerNodesAreNamedByTheirPathAndTheFileStillSavesBack() throws Exception {
        Path f = fixture("nested-pack-promoted-values.json");
        Workflow wf = WorkflowJson.read(f, nodes.registry());
        List<ValidationError> errors = new Validator(nodes.registry()).validate(wf);
        List<String> lines = errors.stream().map(ValidationError::toLine).toList();
        assertTrue(lines.contains("node 57:30 (CLIPLoader inside \"Text to Image (Z-Image-Turbo)\" inside node 57):"
                + " Node type 'CLIPLoader' does not exist; install the node pack that provides it or remove the node"
                + " [unknown_node_type]"), lines.toString());
        RunResult r = run(wf);
        assertEquals(RunResult.Status.INVALID, r.status());
        assertEquals(JSON.readTree(Files.readString(f)), JSON.readTree(ComfyUiFormat.write(wf, nodes.registry())));
        for (var e : INVALID_AS_AUTHORED.entrySet()) {
            List<ValidationError> errs = new Validator(nodes.registry()).validate(
                    WorkflowJson.read(fixture(e.getKey()), nodes.registry()));
            assertTrue(errs.stream().anyMatch(x -> x.code() == ValidationCode.REQUIRED_INPUT_MISSING
                    && e.getValue().equals(x.details().get("path"))), errs.toString());
        }
    }

    @Test
    void editsMadeInNoodleAreSavedIntoTheComfyUiFileAndReopen() throws Exception {
        Path f = fixture("link-seed.json");
        Workflow wf = WorkflowJson.read(f, nodes.registry());
        NodeInstance host = wf.node("10");
        Subgraph def = wf.subgraphOf(host);
        Workflow edited = wf.withNode(host.withInput("seed", Literal.of(77L)))
                .withSubgraph(def.withName("Sampler pass", null)
                        .withBody(def.body().withNode(def.body().node("3").withInput("steps", Literal.of(9L)))));
        String saved = ComfyUiFormat.write(edited, nodes.registry());
        JsonNode tree = JSON.readTree(saved);
        assertEquals("Sampler pass", tree.at("/definitions/subgraphs/0/name").asText());
        Workflow back = WorkflowJson.parse(saved, "back.json", nodes.registry());
        assertEquals(graph(edited), graph(back));
        NodeInstance sampler = SubgraphFlattener.flatten(back).workflow().node("10:3");
        assertEquals(Literal.of(77L), sampler.input("seed"));
        assertEquals(Literal.of(9L), sampler.input("steps"));
    }

    // ---- helpers ----

    static Path fixture(String name) throws Exception {
        return Path.of(ComfyUiSubgraphFixturesTest.class.getResource("/comfyui_subgraphs/" + name).toURI());
    }

    private RunResult run(Workflow wf) {
        GraphExecutor executor = new GraphExecutor(nodes.registry(), new ResultCache(1L << 30), nodes.services());
        return executor.run(wf, new RunOptions(Set.of(), "fixture"), RunListener.none(), new CancellationToken());
    }

    /** The graph users see: nodes (type, inputs, mode), layout positions and definitions, without kept JSON. */
    static Map<String, Object> graph(Workflow wf) {
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("nodes", strip(wf));
        g.put("layout", wf.layout().nodes());
        for (Subgraph d : wf.subgraphs().values()) {
            g.put(d.id(), List.of(d.name(), String.valueOf(d.description()), String.valueOf(d.component()),
                    d.inputs(), d.outputs(), strip(d.body()), d.body().layout().nodes()));
        }
        return g;
    }

    private static Map<String, List<Object>> strip(Workflow wf) {
        Map<String, List<Object>> out = new LinkedHashMap<>();
        for (NodeInstance n : wf.nodes().values()) {
            out.put(n.id(), List.of(n.type(), n.inputs(), n.mode()));
        }
        return out;
    }

    /** The workflow with every empty latent at 64² and every sampler at 2 steps, inside subgraphs too. */
    static Workflow small(Workflow wf) {
        Workflow out = wf.withNodes(small(wf.nodes()));
        for (Subgraph d : wf.subgraphs().values()) {
            out = out.withSubgraph(d.withBody(d.body().withNodes(small(d.body().nodes()))));
        }
        return out;
    }

    private static Map<String, NodeInstance> small(Map<String, NodeInstance> nodes) {
        Map<String, NodeInstance> out = new LinkedHashMap<>();
        for (NodeInstance n : nodes.values()) {
            NodeInstance m = n;
            if (n.type().equals("EmptyLatentImage")) {
                m = m.withInput("width", Literal.of(64L)).withInput("height", Literal.of(64L));
            }
            if (n.type().startsWith("KSampler") && n.input("steps") instanceof Literal) {
                m = m.withInput("steps", Literal.of(2L));
            }
            out.put(m.id(), m);
        }
        return out;
    }

    private static int[] pixels(Path png) throws Exception {
        BufferedImage img = ImageIO.read(png.toFile());
        return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
    }
}
