package dev.noodle.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunListener;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.validate.Validator;
import dev.noodle.nodes.host.DemoAddons;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every example workflow in this folder validates against the real registry and runs at 64² — on the demo model, or
 * for the SD 2.x / SDXL / Pony examples on tiny checkpoints of their family under the names they reference — from an
 * empty input folder (the inpaint example image is generated on first use, as on a fresh clone).
 */
class ExampleWorkflowsTest {
    @TempDir
    static Path tmp;

    static NoodleNodes nodes;
    static GraphExecutor executor;

    @BeforeAll
    static void setUp() throws Exception {
        Path models = tmp.resolve("models");
        DemoAddons.ensure(models);
        BaseModelWorkflowsTest.writeTinyCheckpoints(models.resolve("checkpoints"));
        NodeEnvironment env = NodeEnvironment.of(models, tmp.resolve("output"));
        nodes = NoodleNodes.create(env);
        executor = new GraphExecutor(nodes.registry(), new ResultCache(1L << 30), nodes.services());
    }

    @AfterAll
    static void tearDown() {
        if (nodes != null) {
            nodes.close();
        }
    }

    static List<Path> workflows() throws Exception {
        Path dir = Path.of("").toAbsolutePath();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
        }
    }

    /** The workflow at 64×64 with 2 steps. */
    static Workflow small(Workflow wf) {
        Workflow out = wf;
        for (NodeInstance n : wf.nodes().values()) {
            NodeInstance m = n;
            if (n.type().equals("EmptyLatentImage")) {
                m = m.withInput("width", Literal.of(64L)).withInput("height", Literal.of(64L));
            }
            if (n.type().startsWith("KSampler")) {
                m = m.withInput("steps", Literal.of(2L));
            }
            if (n.type().equals("VAEDecodeTiled")) {
                m = m.withInput("tile_size", Literal.of(64L)).withInput("overlap", Literal.of(16L));
            }
            out = out.withNode(m);
        }
        return out;
    }

    @TestFactory
    Stream<DynamicTest> everyWorkflowValidatesAndRuns() throws Exception {
        List<Path> files = workflows();
        assertTrue(files.size() >= 8, "example workflows found: " + files);
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            Workflow wf = WorkflowJson.read(f, nodes.registry());
            assertEquals(List.of(), new Validator(nodes.registry()).validate(wf), "validation of " + f);
            RunResult r = executor.run(small(wf), new RunOptions(Set.of(), f.getFileName().toString()),
                    RunListener.none(), new CancellationToken());
            assertEquals(RunResult.Status.SUCCESS, r.status(), f + ": " + r.message());
            assertFalse(r.outputs().isEmpty());
            assertSavedImagesCarryTheirWorkflow(small(wf), r, f);
        }));
    }

    /**
     * Every PNG the run saved carries the workflow it came from (ComfyUI's {@code prompt} and {@code workflow}
     * chunks), read from the run's own context: the same node ids and types, and the changed literals.
     */
    static void assertSavedImagesCarryTheirWorkflow(Workflow ran, RunResult r, Path file) throws Exception {
        int pngs = 0;
        for (var out : r.outputs().values()) {
            if (!(out.ui().get("images") instanceof List<?> images)) {
                continue;
            }
            for (Object o : images) {
                Path png = (Path) o;
                if (!png.getFileName().toString().endsWith(".png")) {
                    continue;
                }
                pngs++;
                java.util.Map<String, String> text = dev.noodle.engine.image.PngText.read(png);
                assertTrue(text.containsKey("prompt") && text.containsKey("workflow"),
                        file + ": " + png.getFileName() + " carries " + text.keySet());
                Workflow back = dev.noodle.graph.json.ComfyApiFormat.read(text.get("prompt"), png.toString());
                assertEquals(ran.nodes().keySet(), back.nodes().keySet(), file + ": node ids in " + png);
                for (NodeInstance n : ran.nodes().values()) {
                    assertEquals(n.type(), back.nodes().get(n.id()).type(), file + ": node " + n.id());
                    if (n.type().startsWith("KSampler")) {
                        assertEquals(2L, ((Number) ((Literal) back.nodes().get(n.id()).input("steps")).value())
                                .longValue(), file + ": the steps that ran, not the file's");
                    }
                }
            }
        }
        assertTrue(pngs > 0, file + ": no PNG saved");
    }
}
