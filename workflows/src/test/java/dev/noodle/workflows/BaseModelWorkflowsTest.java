package dev.noodle.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.engine.model.TinyCheckpoints;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunEvent;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
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
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SDXL, SD 2.x and Pony example workflows run unchanged through the standard nodes on tiny generated checkpoints
 * saved under the names the workflows reference (only the image size and step count are made small).
 */
class BaseModelWorkflowsTest {
    @TempDir
    static Path dir;

    static NoodleNodes nodes;
    static GraphExecutor executor;

    @BeforeAll
    static void setUp() throws Exception {
        writeTinyCheckpoints(dir.resolve("models/checkpoints"));
        nodes = NoodleNodes.create(NodeEnvironment.of(dir.resolve("models"), dir.resolve("output")));
        executor = new GraphExecutor(nodes.registry(), new ResultCache(dev.noodle.nodes.host.MemoryBudget.resultCacheBytes()), nodes.services());
    }

    @AfterAll
    static void tearDown() {
        nodes.close();
    }

    /** Tiny checkpoints of each family under the file names the SDXL (base, refiner), SD 2.x and Pony examples use. */
    static void writeTinyCheckpoints(Path ckpts) throws java.io.IOException {
        TinyCheckpoints.write(ckpts.resolve("sd_xl_base_1.0.safetensors"), TinyCheckpoints.Kind.SDXL);
        TinyCheckpoints.write(ckpts.resolve("sd_xl_refiner_1.0.safetensors"), TinyCheckpoints.Kind.SDXL_REFINER);
        TinyCheckpoints.write(ckpts.resolve("ponyDiffusionV6XL.safetensors"), TinyCheckpoints.Kind.SDXL);
        TinyCheckpoints.write(ckpts.resolve("v2-1_768-ema-pruned.safetensors"), TinyCheckpoints.Kind.SD2_V);
    }

    private static Path workflowFile(String name) {
        Path p = Path.of(name);
        return Files.isRegularFile(p) ? p : Path.of("workflows").resolve(name); // module dir or repository root
    }

    // 64×64, 2 steps: the same graph, small enough for a test
    private static Workflow small(Workflow wf) {
        for (NodeInstance n : List.copyOf(wf.nodes().values())) {
            Map<String, InputValue> in = new LinkedHashMap<>(n.inputs());
            switch (n.type()) {
                case "EmptyLatentImage" -> {
                    in.put("width", new Literal(64L));
                    in.put("height", new Literal(64L));
                }
                case "KSampler" -> in.put("steps", new Literal(2L));
                default -> {
                    continue;
                }
            }
            wf = wf.withNode(new NodeInstance(n.id(), n.type(), in, n.mode(), n.extra()));
        }
        return wf;
    }

    @ParameterizedTest
    @CsvSource({"sdxl-txt2img.json, sdxl-txt2img", "sd2-txt2img.json, sd2-txt2img", "pony-txt2img.json, pony-txt2img"})
    void runsOnTheTinyModel(String file, String prefix) throws Exception {
        Workflow wf = small(WorkflowJson.read(workflowFile(file), nodes.registry()));
        List<RunEvent> events = new ArrayList<>();
        RunResult r = executor.run(wf, new RunOptions(Set.of(), "t" + System.nanoTime()), events::add,
                new CancellationToken());
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message());
        BufferedImage img = ImageIO.read(dir.resolve("output/" + prefix + "_00001_.png").toFile());
        assertEquals(64, img.getWidth());
        assertEquals(64, img.getHeight());
        // not a flat image: the decode of a sampled latent varies
        int first = img.getRGB(0, 0);
        boolean varies = false;
        for (int y = 0; y < 64 && !varies; y++) {
            for (int x = 0; x < 64; x++) {
                varies |= img.getRGB(x, y) != first;
            }
        }
        assertTrue(varies, "image is flat");
    }

    /**
     * The base → refiner hand-over at 3 steps (base 0–2 with leftover noise, refiner 2–3 without new noise): the
     * refiner stage samples with its aesthetic-score conditioning, so another ascore on the positive prompt changes
     * the image, and a refiner that starts at the end of the schedule passes the base latent through unchanged.
     */
    @org.junit.jupiter.api.Test
    void refinerFinishesTheBaseLatentWithItsAestheticScore() throws Exception {
        Workflow wf = WorkflowJson.read(workflowFile("sdxl-refiner.json"), nodes.registry());
        wf = with(wf, "5", Map.of("width", 64L, "height", 64L));
        wf = with(wf, "10", Map.of("steps", 3L, "end_at_step", 2L));
        wf = with(wf, "11", Map.of("steps", 3L, "start_at_step", 2L));
        int[] refined = run(wf, "refined");
        int[] otherScore = run(with(wf, "15", Map.of("ascore", 1.0)), "ascore1");
        int[] passThrough = run(with(wf, "11", Map.of("start_at_step", 3L)), "passthrough");
        assertTrue(!java.util.Arrays.equals(refined, otherScore), "the aesthetic score reaches the refiner's UNet");
        assertTrue(!java.util.Arrays.equals(refined, passThrough), "the refiner stage changed the base latent");
    }

    private static Workflow with(Workflow wf, String id, Map<String, Object> literals) {
        NodeInstance n = wf.nodes().get(id);
        Map<String, InputValue> in = new LinkedHashMap<>(n.inputs());
        literals.forEach((k, v) -> in.put(k, new Literal(v)));
        return wf.withNode(new NodeInstance(n.id(), n.type(), in, n.mode(), n.extra()));
    }

    private static int[] run(Workflow wf, String prefix) throws Exception {
        wf = with(wf, "19", Map.of("filename_prefix", prefix));
        RunResult r = executor.run(wf, new RunOptions(Set.of(), "r" + System.nanoTime()), e -> { },
                new CancellationToken());
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message());
        BufferedImage img = ImageIO.read(dir.resolve("output/" + prefix + "_00001_.png").toFile());
        assertEquals(64, img.getWidth());
        return img.getRGB(0, 0, 64, 64, null, 0, 64);
    }
}
