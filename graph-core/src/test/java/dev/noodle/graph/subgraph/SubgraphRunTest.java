package dev.noodle.graph.subgraph;

import static dev.noodle.graph.testing.FakeNodes.link;
import static dev.noodle.graph.testing.FakeNodes.n;
import static dev.noodle.graph.testing.FakeNodes.pipeline;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.exec.ServiceLookup;
import dev.noodle.graph.json.ComfyApiFormat;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.model.Layout;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.NodeLayout;
import dev.noodle.graph.model.NodeMode;
import dev.noodle.graph.model.Subgraph;
import dev.noodle.graph.model.SubgraphInput;
import dev.noodle.graph.model.SubgraphOutput;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.graph.testing.FakeNodes;
import dev.noodle.graph.validate.ValidationCode;
import dev.noodle.graph.validate.ValidationError;
import dev.noodle.graph.validate.Validator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Subgraph hosts run as their inner nodes, cache by inputs, nest, and name inner problems by their path. */
class SubgraphRunTest {
    static final String PASS = "9f1c-upscale-pass";
    static final String OUTER = "aa00-outer";

    private final FakeNodes fake = new FakeNodes();
    private final GraphExecutor executor =
            new GraphExecutor(fake.registry, new ResultCache(1L << 30), ServiceLookup.none());

    /** "Upscale pass": latent + strength (a promoted widget) → Process → ToImage → image. */
    static Subgraph pass() {
        Workflow body = Workflow.empty("Upscale pass")
                .withNode(n("1", "Process", "latent", link(Subgraph.INPUT_NODE, 0),
                        "strength", link(Subgraph.INPUT_NODE, 1)))
                .withNode(n("2", "ToImage", "latent", link("1", 0)));
        body = body.withLayout(Layout.empty().withNode("1", new NodeLayout(0, 0, 200, 100, false, "Sharpen")));
        return new Subgraph(PASS, "Upscale pass", "sharpens and decodes",
                List.of(new SubgraphInput("in-0", "latent", "LATENT", null, Map.of()),
                        new SubgraphInput("in-1", "strength", "FLOAT", null, Map.of())),
                List.of(new SubgraphOutput("out-0", "image", "IMAGE", null, link("2", 0), Map.of())),
                body, null, Map.of());
    }

    static Workflow withPass(double strength) {
        return Workflow.empty("t").withSubgraph(pass())
                .withNode(n("1", "Source", "seed", 7L, "size", 100L))
                .withNode(n("83", PASS, "latent", link("1", 0), "strength", strength))
                .withNode(n("4", "Save", "images", link("83", 0), "prefix", "p", "format", "png"));
    }

    private RunResult run(Workflow w) {
        fake.executed.clear();
        return executor.run(w, RunOptions.defaults(), e -> {}, new CancellationToken());
    }

    @Test
    void hostRunsItsInnerNodesWithTheHostsInputsAndGivesThePlainPipelinesResult() {
        RunResult plain = new GraphExecutor(new FakeNodes().registry, new ResultCache(1L << 30),
                ServiceLookup.none()).run(pipeline(7), RunOptions.defaults(), e -> {}, new CancellationToken());
        RunResult r = run(withPass(0.5));
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message());
        assertEquals(List.of("1", "83:1", "83:2", "4"), fake.executed);
        assertEquals(plain.outputs().get("4").ui(), r.outputs().get("4").ui());
    }

    @Test
    void changingAPromotedValueReRunsOnlyTheInnerNodesThatUseIt() {
        run(withPass(0.5));
        run(withPass(0.25));
        assertEquals(List.of("83:1", "83:2", "4"), fake.executed);
        run(withPass(0.25));
        assertEquals(List.of(), fake.executed);
    }

    @Test
    void twoHostsOfOneDefinitionShareTheCacheWhenTheirInputsMatch() {
        Workflow w = withPass(0.5)
                .withNode(n("90", PASS, "latent", link("1", 0), "strength", 0.5))
                .withNode(n("5", "Save", "images", link("90", 0), "prefix", "q", "format", "png"));
        RunResult r = run(w);
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message());
        assertEquals(List.of("1", "83:1", "83:2", "4", "5"), fake.executed);
    }

    @Test
    void nestedDefinitionsFlattenToColonPathsAndPassValuesThroughEveryLevel() {
        Workflow body = Workflow.empty("Outer")
                .withNode(n("7", PASS, "latent", link(Subgraph.INPUT_NODE, 0), "strength", 0.5));
        Subgraph outer = new Subgraph(OUTER, "Outer", null,
                List.of(new SubgraphInput("o-in", "latent", "LATENT", null, Map.of())),
                List.of(new SubgraphOutput("o-out", "image", "IMAGE", null, link("7", 0), Map.of())),
                body, null, Map.of());
        Workflow w = Workflow.empty("t").withSubgraph(pass()).withSubgraph(outer)
                .withNode(n("1", "Source", "seed", 7L, "size", 100L))
                .withNode(n("12", OUTER, "latent", link("1", 0)))
                .withNode(n("4", "Save", "images", link("12", 0), "prefix", "p", "format", "png"));
        RunResult r = run(w);
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message());
        assertEquals(List.of("1", "12:7:1", "12:7:2", "4"), fake.executed);
        assertEquals(List.of("p_img(src7*0.5).png"), r.outputs().get("4").ui().get("images"));

        Workflow bad = w.withSubgraph(outer.withBody(body.withNode(
                n("7", PASS, "latent", link(Subgraph.INPUT_NODE, 0), "strength", 99.0))));
        List<ValidationError> errors = new Validator(fake.registry).validate(bad);
        assertEquals(1, errors.size(), errors.toString());
        assertEquals("12:7:1", errors.get(0).nodeId());
        assertTrue(errors.get(0).toLine().startsWith(
                "node 12:7:1 (Sharpen inside \"Upscale pass\" inside \"Outer\" inside node 12) input 'strength'"),
                errors.get(0).toLine());
    }

    @Test
    void validationNamesThePathThroughTheSubgraphs() {
        List<ValidationError> errors = new Validator(fake.registry).validate(withPass(99.0));
        assertEquals(1, errors.size(), errors.toString());
        assertEquals(ValidationCode.VALUE_BIGGER_THAN_MAX, errors.get(0).code());
        assertEquals("Sharpen inside \"Upscale pass\" inside node 83", errors.get(0).details().get("path"));
        Workflow unwired = withPass(0.5).withNode(n("83", PASS, "strength", 0.5));
        errors = new Validator(fake.registry).validate(unwired);
        assertEquals(ValidationCode.REQUIRED_INPUT_MISSING, errors.get(0).code());
        assertEquals("83:1", errors.get(0).nodeId());
    }

    @Test
    void aDefinitionThatContainsItselfIsAnErrorNotAHang() {
        Subgraph loop = pass().withBody(pass().body().withNode(n("3", PASS, "latent", link("1", 0))));
        Workflow w = withPass(0.5).withSubgraph(loop);
        List<ValidationError> errors = new Validator(fake.registry).validate(w);
        assertTrue(errors.stream().anyMatch(e -> e.code() == ValidationCode.INVALID_SUBGRAPH
                && e.nodeId().equals("83:3") && e.message().contains("contains itself")), errors.toString());
        assertEquals(RunResult.Status.INVALID, run(w).status());
    }

    @Test
    void nestedCopiesThatMultiplyPastTheLimitAreRefusedNotExpanded() throws Exception {
        String json;
        try (var in = getClass().getResourceAsStream(
                "/dev/noodle/graph/json/WorkflowFuzzTestInputs/parseAndValidate/subgraph_explosion.json")) {
            json = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        Workflow w = WorkflowJson.parse(json, "explode.json"); // 8 levels of 10 copies: 10^8 inner nodes
        List<ValidationError> errors = new Validator(fake.registry).validate(w);
        assertTrue(errors.stream().anyMatch(e -> e.code() == ValidationCode.INVALID_SUBGRAPH && "1".equals(e.nodeId())
                && e.message().contains("more than 100000 nodes")), errors.toString());
    }

    @Test
    void mutedHostMutesItsInsideAndBypassedHostPassesItsInputsThrough() {
        Workflow muted = withPass(0.5).withNode(n("83", PASS, "latent", link("1", 0), "strength", 0.5)
                .withMode(NodeMode.MUTED));
        RunResult r = run(muted.withNode(n("6", "Preview", "latent", link("1", 0))));
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message());
        assertEquals(List.of("1", "6"), fake.executed);

        // "Sharpen" as a subgraph of LATENT → LATENT: bypassing the host hands its latent straight through
        Subgraph sharpen = new Subgraph("sharpen", "Sharpen", null,
                List.of(new SubgraphInput("i", "latent", "LATENT", null, Map.of()),
                        new SubgraphInput("s", "strength", "FLOAT", null, Map.of())),
                List.of(new SubgraphOutput("o", "latent", "LATENT", null, link("1", 0), Map.of())),
                Workflow.empty("Sharpen").withNode(n("1", "Process", "latent", link(Subgraph.INPUT_NODE, 0),
                        "strength", link(Subgraph.INPUT_NODE, 1))), null, Map.of());
        Workflow w = Workflow.empty("t").withSubgraph(sharpen)
                .withNode(n("1", "Source", "seed", 7L, "size", 100L))
                .withNode(n("2", "sharpen", "latent", link("1", 0), "strength", 0.5).withMode(NodeMode.BYPASSED))
                .withNode(n("3", "ToImage", "latent", link("2", 0)))
                .withNode(n("4", "Save", "images", link("3", 0), "prefix", "p", "format", "png"));
        r = run(w);
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message());
        assertEquals(List.of("3", "4"), fake.executed); // the Source ran (and was cached) above
        assertEquals(List.of("p_img(src7).png"), r.outputs().get("4").ui().get("images"));
        // bypassed and muted nodes inside a subgraph behave as at the top level
        Workflow inner = w.withNode(n("2", "sharpen", "latent", link("1", 0), "strength", 0.5))
                .withSubgraph(sharpen.withBody(sharpen.body().withNode(sharpen.body().node("1")
                        .withMode(NodeMode.BYPASSED))));
        r = run(inner);
        assertEquals(List.of("p_img(src7).png"), r.outputs().get("4").ui().get("images"));
    }

    @Test
    void noodleFormatKeepsDefinitionsAndApiExportUsesHostColonInnerIds() throws Exception {
        Workflow w = withPass(0.5);
        Workflow back = WorkflowJson.parse(WorkflowJson.write(w), "t.json");
        assertEquals(w.subgraphs(), back.subgraphs());
        assertEquals(w.nodes(), back.nodes());
        JsonNode api = new ObjectMapper().readTree(ComfyApiFormat.write(w));
        assertEquals(List.of("1", "83:1", "83:2", "4"), iterable(api.fieldNames()));
        assertEquals("[\"1\",0]", api.get("83:1").get("inputs").get("latent").toString());
        assertEquals(0.5, api.get("83:1").get("inputs").get("strength").asDouble());
        assertEquals("[\"83:2\",0]", api.get("4").get("inputs").get("images").toString());
        // the export runs as the original does
        RunResult fromApi = run(WorkflowJson.parse(ComfyApiFormat.write(w), "api.json"));
        assertEquals(List.of("p_img(src7*0.5).png"), fromApi.outputs().get("4").ui().get("images"));
    }

    @Test
    void hostSchemaPromotesTheInnerWidgetsSpecUnderTheInterfaceName() {
        NodeSchema s = SubgraphSchemas.hostSchema(withPass(0.5), fake.registry, pass());
        assertEquals("Upscale pass", s.displayName());
        assertTrue(s.inputs().get(0) instanceof SocketInput<?> in && in.type().name().equals("LATENT"));
        FloatInput strength = (FloatInput) s.inputs().get(1);
        assertEquals("strength", strength.name());
        assertEquals(10.0, strength.max());
        assertEquals("IMAGE", s.outputs().get(0).type().name());
        assertTrue(!s.outputNode());
        assertEquals(new Link("2", 0), pass().outputs().get(0).source());
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
