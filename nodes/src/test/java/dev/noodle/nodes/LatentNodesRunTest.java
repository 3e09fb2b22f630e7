package dev.noodle.nodes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.engine.io.LatentFile;
import dev.noodle.engine.io.SafetensorsFile;
import dev.noodle.engine.model.DemoCheckpoint;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunListener;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.NodeMode;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The latent nodes in real runs on the demo checkpoint: a latent taken out of a batch with LatentFromBatch samples to
 * exactly what it became in the whole batch (its noise row travels as ComfyUI's batch_index), SaveLatent writes
 * {@code .latent} files with SaveImage's counters and the run's workflow, LoadLatent reads them back from the input
 * folder, and a damaged file fails the run naming it.
 */
class LatentNodesRunTest {
    @TempDir
    static Path dir;

    static NoodleNodes nodes;
    static GraphExecutor executor;
    static NodeEnvironment env;

    @BeforeAll
    static void setUp() {
        env = NodeEnvironment.of(dir.resolve("models"), dir.resolve("output"));
        nodes = NoodleNodes.create(env);
        executor = new GraphExecutor(nodes.registry(), new ResultCache(1L << 28), nodes.services());
    }

    @AfterAll
    static void tearDown() {
        nodes.close();
    }

    private static void put(Map<String, NodeInstance> n, String id, String type, Map<String, InputValue> inputs) {
        n.put(id, new NodeInstance(id, type, new LinkedHashMap<>(inputs), NodeMode.NORMAL, Map.of()));
    }

    private static Map<String, InputValue> ksampler(String latent) {
        Map<String, InputValue> in = new LinkedHashMap<>();
        in.put("model", new Link("4", 0));
        in.put("seed", new Literal(11L));
        in.put("steps", new Literal(2L));
        in.put("cfg", new Literal(7.0));
        in.put("sampler_name", new Literal("euler"));
        in.put("scheduler", new Literal("normal"));
        in.put("positive", new Link("6", 0));
        in.put("negative", new Link("7", 0));
        in.put("latent_image", new Link(latent, 0));
        in.put("denoise", new Literal(1.0));
        return in;
    }

    static RunResult run(Map<String, NodeInstance> n) {
        return executor.run(new Workflow(1, "latent", n, null, Map.of()),
                new RunOptions(Set.of(), "t" + System.nanoTime()), RunListener.none(), new CancellationToken());
    }

    @Test
    void latentFromBatchSamplesAsInTheWholeBatchAndSaveLatentKeepsIt() throws Exception {
        Map<String, NodeInstance> n = new LinkedHashMap<>();
        put(n, "4", "CheckpointLoaderSimple", Map.of("ckpt_name", new Literal(DemoCheckpoint.FILE_NAME)));
        put(n, "6", "CLIPTextEncode", Map.of("text", new Literal("a glass bottle"), "clip", new Link("4", 1)));
        put(n, "7", "CLIPTextEncode", Map.of("text", new Literal(""), "clip", new Link("4", 1)));
        put(n, "5", "EmptyLatentImage", Map.of("width", new Literal(64L), "height", new Literal(64L),
                "batch_size", new Literal(3L)));
        put(n, "3", "KSampler", ksampler("5"));
        put(n, "10", "SaveLatent", Map.of("samples", new Link("3", 0), "filename_prefix",
                new Literal("latents/full")));
        put(n, "11", "LatentFromBatch", Map.of("samples", new Link("5", 0), "batch_index", new Literal(1L),
                "length", new Literal(1L)));
        put(n, "12", "KSampler", ksampler("11"));
        put(n, "13", "SaveLatent", Map.of("samples", new Link("12", 0), "filename_prefix",
                new Literal("latents/one")));
        RunResult r = run(n);
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message());

        Path out = env.outputDir().resolve("latents");
        LatentFile.Latent full = LatentFile.read(out.resolve("full_00001_.latent"));
        LatentFile.Latent one = LatentFile.read(out.resolve("one_00001_.latent"));
        assertArrayEquals(new long[] {3, 4, 8, 8}, full.shape());
        assertArrayEquals(new long[] {1, 4, 8, 8}, one.shape());
        int per = 4 * 8 * 8;
        float[] row0 = Arrays.copyOfRange(full.data(), 0, per);
        float[] row1 = Arrays.copyOfRange(full.data(), per, 2 * per);
        // the same initial noise as row 1 of the batch, so the same result (euler adds no noise of its own, which
        // ComfyUI draws for the whole batch shape); the rows differ from each other
        // (batched and single UNet passes round differently: a float tolerance relative to the latent's scale)
        double scale = 0;
        for (float v : row1) {
            scale = Math.max(scale, Math.abs(v));
        }
        assertTrue(maxDiff(row1, one.data()) <= 2e-5 * scale, maxDiff(row1, one.data()) + " of " + scale);
        assertTrue(maxDiff(row0, row1) > 0.01 * scale, "the batch rows have their own noise");
        assertTrue(maxDiff(row0, one.data()) > 0.01 * scale, "the single latent did not get row 0's noise");
        try (SafetensorsFile f = SafetensorsFile.open(out.resolve("one_00001_.latent"))) {
            assertTrue(f.metadata().get("prompt").contains("LatentFromBatch"), f.metadata().toString());
            assertTrue(f.metadata().containsKey("workflow"));
        }

        // the saved file loads back from the input folder as it was; counters count up
        Files.createDirectories(env.inputDir());
        Files.copy(out.resolve("full_00001_.latent"), env.inputDir().resolve("full.latent"));
        for (double m : new double[] {2, -0.5}) {
            Map<String, NodeInstance> load = new LinkedHashMap<>();
            put(load, "1", "LoadLatent", Map.of("latent", new Literal("full.latent")));
            put(load, "2", "LatentMultiply", Map.of("samples", new Link("1", 0), "multiplier", new Literal(m)));
            put(load, "3", "SaveLatent", Map.of("samples", new Link("2", 0), "filename_prefix",
                    new Literal("latents/again")));
            RunResult loaded = run(load);
            assertEquals(RunResult.Status.SUCCESS, loaded.status(), loaded.message());
        }
        float[] twice = LatentFile.read(out.resolve("again_00001_.latent")).data();
        float[] half = LatentFile.read(out.resolve("again_00002_.latent")).data();
        for (int i = 0; i < twice.length; i++) {
            assertEquals(full.data()[i] * 2, twice[i]);
            assertEquals(full.data()[i] * -0.5f, half[i]);
        }
    }

    @Test
    void aDamagedLatentFileFailsTheRunNamingIt() throws Exception {
        Files.createDirectories(env.inputDir());
        Files.writeString(env.inputDir().resolve("broken.latent"), "not a latent");
        Map<String, NodeInstance> load = new LinkedHashMap<>();
        put(load, "1", "LoadLatent", Map.of("latent", new Literal("broken.latent")));
        put(load, "2", "SaveLatent", Map.of("samples", new Link("1", 0), "filename_prefix",
                new Literal("latents/broken")));
        RunResult r = run(load);
        assertEquals(RunResult.Status.FAILED, r.status());
        assertTrue(r.message().contains("broken.latent"), r.message());
        // a file that is not there is not one of LoadLatent's options: the workflow is refused before running
        Map<String, NodeInstance> gone = new LinkedHashMap<>(load);
        put(gone, "1", "LoadLatent", Map.of("latent", new Literal("gone.latent")));
        RunResult g = run(gone);
        assertEquals(RunResult.Status.INVALID, g.status());
        assertTrue(g.message().contains("gone.latent"), g.message());
    }

    @Test
    void channelMismatchFailsTheRunNamingTheNode() {
        Map<String, NodeInstance> n = new LinkedHashMap<>();
        put(n, "1", "EmptyLatentImage", Map.of("width", new Literal(64L), "height", new Literal(64L),
                "batch_size", new Literal(2L)));
        put(n, "2", "EmptyLatentImage", Map.of("width", new Literal(64L), "height", new Literal(64L),
                "batch_size", new Literal(3L)));
        put(n, "3", "LatentComposite", Map.of("samples_to", new Link("1", 0), "samples_from", new Link("2", 0),
                "x", new Literal(0L), "y", new Literal(0L), "feather", new Literal(0L)));
        put(n, "4", "SaveLatent", Map.of("samples", new Link("3", 0), "filename_prefix", new Literal("x")));
        RunResult r = run(n);
        assertEquals(RunResult.Status.FAILED, r.status());
        assertTrue(r.message().contains("Latent Composite") && r.message().contains("samples_from"), r.message());
    }

    private static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
