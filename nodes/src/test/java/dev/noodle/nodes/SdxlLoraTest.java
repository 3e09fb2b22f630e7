package dev.noodle.nodes;

import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.engine.adapters.Lora;
import dev.noodle.engine.adapters.LoraMatch;
import dev.noodle.engine.adapters.LoraPatcher;
import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.engine.model.CheckpointLoader;
import dev.noodle.engine.model.LoadedCheckpoint;
import dev.noodle.engine.model.TinyCheckpoints;
import dev.noodle.engine.runtime.Devices;
import dev.noodle.engine.text.ClipTextModel;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunEvent;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.NodeMode;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.node.MessageLevel;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SDXL LoRAs patch both text encoders: {@code lora_te1_} modules CLIP-L, {@code lora_te2_} modules OpenCLIP bigG,
 * with ΔW = strength·(alpha/rank)·up·down checked against a plain-Java product of the file's own numbers.
 */
class SdxlLoraTest {
    private static final int RANK = 4;
    private static final float ALPHA = 2f;
    private static final String TE1 = "lora_te1_text_model_encoder_layers_0_self_attn_q_proj";
    private static final String TE2 = "lora_te2_text_model_encoder_layers_1_mlp_fc1";

    @TempDir
    static Path dir;

    static LoadedCheckpoint xl;
    static Path loraFile;
    static Map<String, float[]> tensors = new LinkedHashMap<>();

    @BeforeAll
    static void setUp() throws Exception {
        Path ckpt = TinyCheckpoints.write(dir.resolve("models/checkpoints/xl.safetensors"), TinyCheckpoints.Kind.SDXL);
        xl = CheckpointLoader.load(ckpt, dir.resolve("models"), Devices.Target.cpu(), s -> { });
        long[] q = xl.clip().parameter("encoder.layers.0.self_attn.q_proj.weight").getShape().getShape();
        long[] fc1 = xl.clip2().parameter("encoder.layers.1.mlp.fc1.weight").getShape().getShape();
        Random r = new Random(11);
        SafetensorsWriter w = new SafetensorsWriter().metadata("ss_base_model_version", "sdxl_base_v1-0");
        for (Object[] m : new Object[][] {{TE1, q}, {TE2, fc1}}) {
            String name = (String) m[0];
            long[] shape = (long[]) m[1];
            add(w, name + ".lora_down.weight", new long[] {RANK, shape[1]}, r);
            add(w, name + ".lora_up.weight", new long[] {shape[0], RANK}, r);
            w.addF32(name + ".alpha", new long[0], new float[] {ALPHA});
        }
        loraFile = java.nio.file.Files.createDirectories(dir.resolve("models/loras")).resolve("xl-lora.safetensors");
        w.write(loraFile);
    }

    private static void add(SafetensorsWriter w, String key, long[] shape, Random r) {
        float[] v = new float[(int) (shape[0] * shape[1])];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextGaussian() * 0.1);
        }
        tensors.put(key, v);
        w.addF32(key, shape, v);
    }

    @AfterAll
    static void tearDown() {
        xl.close();
    }

    /** W + s·(alpha/rank)·up·down, in double precision from the raw numbers. */
    private static float[] expected(float[] base, String module, int out, int in, float strength) {
        float[] up = tensors.get(module + ".lora_up.weight");
        float[] down = tensors.get(module + ".lora_down.weight");
        float[] e = new float[out * in];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                double d = 0;
                for (int k = 0; k < RANK; k++) {
                    d += (double) up[o * RANK + k] * down[k * in + i];
                }
                e[o * in + i] = (float) (base[o * in + i] + strength * (ALPHA / RANK) * d);
            }
        }
        return e;
    }

    private static void assertClose(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-5 * Math.max(1, Math.abs(want[i])), what + " [" + i + "]");
        }
    }

    @Test
    void te1PatchesClipLAndTe2PatchesBigG() {
        try (Lora lora = Lora.load(loraFile)) {
            LoraPatcher.Targets targets = LoraPatcher.Targets.of(xl.unet().weights(), xl.clip(), xl.clip2(),
                    xl.info().family());
            LoraMatch match = LoraPatcher.match(lora, targets);
            assertEquals(2, match.matched(), match.toString());
            assertTrue(match.complete() && match.warning().isEmpty(), match.toString());

            String qKey = "encoder.layers.0.self_attn.q_proj.weight";
            String fcKey = "encoder.layers.1.mlp.fc1.weight";
            long[] q = xl.clip().parameter(qKey).getShape().getShape();
            long[] fc = xl.clip2().parameter(fcKey).getShape().getShape();
            ClipTextModel[] patched = LoraPatcher.applyToTexts(xl.clip(), xl.clip2(),
                    List.of(new LoraPatcher.Applied(lora, 1f, 0.75f)));
            try (ClipTextModel l = patched[0]; ClipTextModel g = patched[1]) {
                assertClose(expected(xl.clip().parameter(qKey).toFloatArray(), TE1, (int) q[0], (int) q[1], 0.75f),
                        l.parameter(qKey).toFloatArray(), "CLIP-L q_proj");
                assertClose(expected(xl.clip2().parameter(fcKey).toFloatArray(), TE2, (int) fc[0], (int) fc[1], 0.75f),
                        g.parameter(fcKey).toFloatArray(), "bigG fc1");
                assertSame(xl.clip().parameter("encoder.layers.1.mlp.fc1.weight"),
                        l.parameter("encoder.layers.1.mlp.fc1.weight"), "te2 modules never touch CLIP-L");
                assertSame(xl.clip2().parameter(qKey), g.parameter(qKey), "te1 modules never touch bigG");
            }
        }
    }

    @Test
    void loraLoaderOnSdxlAppliesTheTextPatchesAndSaysAllMatched() throws Exception {
        try (NoodleNodes nodes = NoodleNodes.create(NodeEnvironment.of(dir.resolve("models"), dir.resolve("out")))) {
            GraphExecutor ex = new GraphExecutor(nodes.registry(), new ResultCache(dev.noodle.nodes.host.MemoryBudget.resultCacheBytes()),
                    nodes.services());
            List<RunEvent> events = new ArrayList<>();
            int[] plain = pixels(nodes, ex, 0f, "plain", events);
            events.clear();
            int[] withLora = pixels(nodes, ex, 1f, "lora", events);
            List<String> messages = events.stream().filter(e -> e instanceof RunEvent.NodeMessage m
                    && m.nodeId().equals("10")).map(e -> ((RunEvent.NodeMessage) e).level() + " "
                    + ((RunEvent.NodeMessage) e).text()).toList();
            assertTrue(messages.stream().anyMatch(m -> m.startsWith(MessageLevel.INFO + " ")
                    && m.contains("2 of 2 modules matched")), messages.toString());
            assertTrue(messages.stream().noneMatch(m -> m.startsWith(MessageLevel.WARNING + " ")), messages.toString());
            assertFalse(java.util.Arrays.equals(plain, withLora), "the clip patches change the image");
        }
    }

    @Test
    void sdxlEncodeNodesReportAnEmbeddingOfBothEncodersOnce() throws Exception {
        int wl = xl.clip().config().width();
        int wg = xl.clip2().config().width();
        float[] l = new float[3 * wl];
        float[] g = new float[3 * wg];
        java.util.Arrays.fill(l, 0.1f);
        java.util.Arrays.fill(g, -0.1f);
        new SafetensorsWriter().addF32("clip_l", new long[] {3, wl}, l).addF32("clip_g", new long[] {3, wg}, g)
                .write(java.nio.file.Files.createDirectories(dir.resolve("models/embeddings"))
                        .resolve("xl-style.safetensors"));
        try (NoodleNodes nodes = NoodleNodes.create(NodeEnvironment.of(dir.resolve("models"), dir.resolve("out")))) {
            GraphExecutor ex = new GraphExecutor(nodes.registry(),
                    new ResultCache(dev.noodle.nodes.host.MemoryBudget.resultCacheBytes()), nodes.services());
            Map<String, NodeInstance> n = new LinkedHashMap<>();
            put(n, "4", "CheckpointLoaderSimple", Map.of("ckpt_name", new Literal("xl.safetensors")));
            put(n, "6", "CLIPTextEncode", Map.of("text", new Literal("a fox, embedding:xl-style"),
                    "clip", new Link("4", 1)));
            put(n, "7", "CLIPTextEncodeSDXL", Map.of("clip", new Link("4", 1), "width", new Literal(1024L),
                    "height", new Literal(1024L), "crop_w", new Literal(0L), "crop_h", new Literal(0L),
                    "target_width", new Literal(1024L), "target_height", new Literal(1024L),
                    "text_g", new Literal("a fox embedding:xl-style"), "text_l", new Literal("a fox")));
            List<RunEvent> events = new ArrayList<>();
            RunResult r = ex.run(new Workflow(1, "emb", n, null, Map.of()), new RunOptions(Set.of("6", "7"), "emb"),
                    events::add, new CancellationToken());
            assertEquals(RunResult.Status.SUCCESS, r.status(), r.message());
            // node 6 gives the embedding to CLIP-L and bigG: named once; node 7 only to bigG (text_g)
            assertEquals(List.of("INFO embedding applied: xl-style (3 vectors, 3 tokens)"), messages(events, "6"));
            assertEquals(List.of("INFO embedding applied: xl-style (3 vectors, 3 tokens)"), messages(events, "7"));
        }
    }

    private static List<String> messages(List<RunEvent> events, String node) {
        return events.stream().filter(e -> e instanceof RunEvent.NodeMessage m && m.nodeId().equals(node))
                .map(e -> ((RunEvent.NodeMessage) e).level() + " " + ((RunEvent.NodeMessage) e).text()).toList();
    }

    private static int[] pixels(NoodleNodes nodes, GraphExecutor ex, float strengthClip, String prefix,
            List<RunEvent> events) throws Exception {
        Map<String, NodeInstance> n = new LinkedHashMap<>();
        put(n, "4", "CheckpointLoaderSimple", Map.of("ckpt_name", new Literal("xl.safetensors")));
        put(n, "10", "LoraLoader", Map.of("model", new Link("4", 0), "clip", new Link("4", 1),
                "lora_name", new Literal("xl-lora.safetensors"), "strength_model", new Literal(0.0),
                "strength_clip", new Literal((double) strengthClip)));
        put(n, "6", "CLIPTextEncode", Map.of("text", new Literal("a red fox"), "clip", new Link("10", 1)));
        put(n, "7", "CLIPTextEncode", Map.of("text", new Literal(""), "clip", new Link("10", 1)));
        put(n, "5", "EmptyLatentImage", Map.of("width", new Literal(64L), "height", new Literal(64L),
                "batch_size", new Literal(1L)));
        put(n, "3", "KSampler", Map.of("seed", new Literal(1L), "steps", new Literal(1L), "cfg", new Literal(5.0),
                "sampler_name", new Literal("euler"), "scheduler", new Literal("normal"),
                "positive", new Link("6", 0), "negative", new Link("7", 0), "latent_image", new Link("5", 0),
                "denoise", new Literal(1.0), "model", new Link("10", 0)));
        put(n, "8", "VAEDecode", Map.of("samples", new Link("3", 0), "vae", new Link("4", 2)));
        put(n, "9", "SaveImage", Map.of("filename_prefix", new Literal(prefix), "images", new Link("8", 0)));
        RunResult r = ex.run(new Workflow(1, prefix, n, null, Map.of()),
                new RunOptions(Set.of(), prefix), events::add, new CancellationToken());
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message());
        BufferedImage img = ImageIO.read(dir.resolve("out/" + prefix + "_00001_.png").toFile());
        return img.getRGB(0, 0, 64, 64, null, 0, 64);
    }

    private static void put(Map<String, NodeInstance> n, String id, String type,
            Map<String, ? extends dev.noodle.graph.model.InputValue> inputs) {
        n.put(id, new NodeInstance(id, type, new LinkedHashMap<>(inputs), NodeMode.NORMAL, Map.of()));
    }
}
