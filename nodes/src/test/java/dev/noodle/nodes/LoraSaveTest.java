package dev.noodle.nodes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.engine.adapters.Lora;
import dev.noodle.engine.adapters.LoraExtraction;
import dev.noodle.engine.adapters.LoraMatch;
import dev.noodle.engine.adapters.LoraPatcher;
import dev.noodle.engine.adapters.TinyLoras;
import dev.noodle.engine.io.DType;
import dev.noodle.engine.io.SafetensorsFile;
import dev.noodle.engine.model.DemoCheckpoint;
import dev.noodle.engine.text.ClipTextModel;
import dev.noodle.engine.unet.UNetConfig;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunListener;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.nodes.host.DemoAddons;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import dev.noodle.nodes.values.LatentValue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoraSave on the demo model, as ComfyUI's extraction workflow runs it: a fine-tune F = B + a known rank-2 change
 * in the UNet (a rank-2 LoRA baked in with CheckpointSave) and a rank-4 one in the text encoder (the demo LoRA), then CheckpointLoader ×2 → ModelMergeSubtract / CLIPMergeSubtract →
 * LoraSave. The file carries ComfyUI's names and the factors the (numpy-checked) extraction computes, and B plus the
 * extracted LoRA samples close to F. The output folder is the models root, so saved files are in the loaders' lists.
 */
class LoraSaveTest {
    @TempDir
    static Path tmp;

    static Path models;
    static NoodleNodes nodes;
    static GraphExecutor executor;

    @BeforeAll
    static void setUp() throws Exception {
        models = tmp.resolve("models");
        DemoAddons.ensure(models);
        Files.createDirectories(models.resolve("loras"));
        TinyLoras.write(models.resolve("loras/known_rank2.safetensors"), DemoCheckpoint.unetConfig(),
                TinyLoras.Layout.KOHYA_DIFFUSERS, 2, 2f);
        nodes = NoodleNodes.create(NodeEnvironment.of(models, models));
        executor = new GraphExecutor(nodes.registry(), new ResultCache(1L << 30), nodes.services());
        run("\"1\": {\"type\": \"CheckpointLoaderSimple\", \"inputs\": {\"ckpt_name\": \"" + BASE + "\"}},"
                + " \"2\": {\"type\": \"LoraLoader\", \"inputs\": {\"model\": [\"1\", 0], \"clip\": [\"1\", 1],"
                + " \"lora_name\": \"known_rank2.safetensors\", \"strength_model\": 1.0, \"strength_clip\": 1.0}},"
                + " \"4\": {\"type\": \"LoraLoader\", \"inputs\": {\"model\": [\"2\", 0], \"clip\": [\"2\", 1],"
                + " \"lora_name\": \"noodle-demo-lora.safetensors\", \"strength_model\": 0.0, \"strength_clip\": 1.0}},"
                + " \"3\": {\"type\": \"CheckpointSave\", \"inputs\": {\"model\": [\"2\", 0], \"clip\": [\"4\", 1],"
                + " \"vae\": [\"1\", 2], \"filename_prefix\": \"checkpoints/fine\"}}");
        assertTrue(Files.isRegularFile(models.resolve("checkpoints/" + FINE)));
    }

    static final String BASE = "noodle-demo-tiny-sd15.safetensors";
    static final String FINE = "fine_00001_.safetensors";

    @AfterAll
    static void tearDown() {
        nodes.close();
    }

    static RunResult run(String body) {
        var wf = WorkflowJson.parse("{\"format\": 1, \"name\": \"t\", \"nodes\": {" + body + "}}", "test",
                nodes.registry());
        RunResult r = executor.run(wf, new RunOptions(Set.copyOf(wf.nodes().keySet()), "lora-save-test"),
                RunListener.none(), new CancellationToken());
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
        return r;
    }

    /** ComfyUI's extraction workflow: both checkpoints, their differences, LoraSave. */
    static void extract(String prefix, int rank, String type) {
        run("\"1\": {\"type\": \"CheckpointLoaderSimple\", \"inputs\": {\"ckpt_name\": \"" + FINE + "\"}},"
                + " \"2\": {\"type\": \"CheckpointLoaderSimple\", \"inputs\": {\"ckpt_name\": \"" + BASE + "\"}},"
                + " \"3\": {\"type\": \"ModelMergeSubtract\", \"inputs\": {\"model1\": [\"1\", 0], \"model2\":"
                + " [\"2\", 0], \"multiplier\": 1.0}},"
                + " \"4\": {\"type\": \"CLIPMergeSubtract\", \"inputs\": {\"clip1\": [\"1\", 1], \"clip2\": [\"2\", 1],"
                + " \"multiplier\": 1.0}},"
                + " \"5\": {\"type\": \"LoraSave\", \"inputs\": {\"filename_prefix\": \"loras/" + prefix + "\","
                + " \"rank\": " + rank + ", \"lora_type\": \"" + type + "\", \"bias_diff\": true,"
                + " \"model_diff\": [\"3\", 0], \"text_encoder_diff\": [\"4\", 0]}}");
    }

    /** A 2-step euler sample of a 64² latent with the given MODEL output and the base's CLIP. */
    static float[] sample(String loaders, String model) {
        RunResult r = run(loaders
                + ", \"9\": {\"type\": \"CheckpointLoaderSimple\", \"inputs\": {\"ckpt_name\": \"" + BASE + "\"}},"
                + " \"5\": {\"type\": \"EmptyLatentImage\", \"inputs\": {\"width\": 64, \"height\": 64, \"batch_size\": 1}},"
                + " \"6\": {\"type\": \"CLIPTextEncode\", \"inputs\": {\"text\": \"a red cat\", \"clip\": [\"9\", 1]}},"
                + " \"7\": {\"type\": \"CLIPTextEncode\", \"inputs\": {\"text\": \"blurry\", \"clip\": [\"9\", 1]}},"
                + " \"3\": {\"type\": \"KSampler\", \"inputs\": {\"seed\": 5, \"steps\": 2, \"cfg\": 6.0,"
                + " \"sampler_name\": \"euler\", \"scheduler\": \"normal\", \"positive\": [\"6\", 0], \"negative\":"
                + " [\"7\", 0], \"latent_image\": [\"5\", 0], \"denoise\": 1.0, \"model\": " + model + "}}");
        return ((LatentValue) r.outputs().get("3").value(0)).samples().data();
    }

    static float[] sampleWithLora(String lora) {
        return sample("\"1\": {\"type\": \"CheckpointLoaderSimple\", \"inputs\": {\"ckpt_name\": \"" + BASE + "\"}},"
                + " \"2\": {\"type\": \"LoraLoaderModelOnly\", \"inputs\": {\"model\": [\"1\", 0],"
                + " \"lora_name\": \"" + lora + "\", \"strength_model\": 1.0}}", "[\"2\", 0]");
    }

    static float[] sampleCheckpoint(String ckpt) {
        return sample("\"1\": {\"type\": \"CheckpointLoaderSimple\", \"inputs\": {\"ckpt_name\": \"" + ckpt
                + "\"}}", "[\"1\", 0]");
    }

    @Test
    void extractedLoraHasKohyaNamesAndTheExtractionsFactors() throws Exception {
        extract("extracted", 4, "standard");
        Path file = models.resolve("loras/extracted_00001_.safetensors");
        int pairs = 0;
        int changed = 0;
        int textChanged = 0;
        try (SafetensorsFile lora = SafetensorsFile.open(file);
                SafetensorsFile fine = SafetensorsFile.open(models.resolve("checkpoints/" + FINE));
                SafetensorsFile base = SafetensorsFile.open(models.resolve("checkpoints/" + BASE))) {
            // kohya's names: A1111 splits a key at its first dot and maps lora_unet_X onto its diffusion_model_X
            // module and lora_te_text_model_X onto transformer_text_model_X; the module name is the checkpoint
            // path with _ for dots
            Map<String, String> weightOf = new LinkedHashMap<>();
            for (String k : base.keys()) {
                if (k.startsWith("model.diffusion_model.") && k.endsWith(".weight")) {
                    String path = k.substring("model.diffusion_model.".length(), k.length() - ".weight".length());
                    weightOf.put("lora_unet_" + path.replace('.', '_'), k);
                } else if (k.startsWith("cond_stage_model.transformer.text_model.") && k.endsWith(".weight")) {
                    String path = k.substring("cond_stage_model.transformer.".length(), k.length() - 7);
                    weightOf.put("lora_te_" + path.replace('.', '_'), k);
                }
            }
            for (String k : lora.keys()) {
                assertTrue(k.matches("lora_(unet|te)_[A-Za-z0-9_]+\\.(lora_up\\.weight|lora_down\\.weight|alpha|diff"
                        + "|diff_b)"), k);
                String module = k.substring(0, k.indexOf('.'));
                assertTrue(weightOf.containsKey(module), "names a checkpoint module: " + k);
                assertEquals(DType.F16, lora.info(k).dtype(), "float16, as ComfyUI writes: " + k);
            }
            assertTrue(lora.keys().contains("lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight"));
            assertEquals(4f, lora.loadFloats("lora_te_text_model_encoder_layers_0_self_attn_q_proj.alpha")[0],
                    "α = rank: scale 1");
            assertEquals("networks.lora", lora.metadata().get("ss_network_module"));
            assertEquals("4", lora.metadata().get("ss_network_dim"));
            assertEquals("sd_v1", lora.metadata().get("ss_base_model_version"));
            String text = "lora_te_";
            for (String k : lora.keys()) {
                if (!k.endsWith(".lora_up.weight")) {
                    continue;
                }
                String module = k.substring(0, k.length() - ".lora_up.weight".length());
                String weight = weightOf.get(module);
                float[] f = fine.loadFloats(weight);
                float[] b = base.loadFloats(weight);
                float[] diff = new float[f.length];
                for (int i = 0; i < f.length; i++) {
                    diff[i] = f[i] - b[i];
                }
                long[] shape = fine.info(weight).shape();
                LoraExtraction.Pair p = LoraExtraction.extract(diff, shape, 4, LoraExtraction.COMFY_CLAMP_QUANTILE);
                assertArrayEquals(p.upShape(), lora.info(k).shape(), k);
                String down = module + ".lora_down.weight";
                assertArrayEquals(p.downShape(), lora.info(down).shape(), down);
                assertClose(p.up(), lora.loadFloats(k), 1e-3, k);
                assertClose(p.down(), lora.loadFloats(down), 1e-3, down);
                if (p.singularValues()[0] > 1e-4) {
                    // the changes have rank 2 (UNet) and 4 (text): nothing above that rank but float32 noise
                    int k2 = module.startsWith(text) ? 4 : 2;
                    if (k2 < p.rank()) {
                        assertTrue(p.singularValues()[k2] < 1e-5 * p.singularValues()[0], module);
                    }
                    if (module.startsWith(text)) {
                        textChanged++;
                    } else {
                        changed++;
                    }
                }
                pairs++;
            }
        }
        assertTrue(pairs > 20, "every 2-D and conv UNet weight has a pair: " + pairs);
        assertEveryFactorPairMatches(file);
        assertTrue(changed > 10, "the LoRA's modules are among them: " + changed);
        assertTrue(textChanged >= 4, "the text encoder's changed projections too: " + textChanged);

        // B + the extracted LoRA samples close to F (ComfyUI's clamp makes it approximate), far closer than B alone
        float[] fine = sampleCheckpoint(FINE);
        float[] base = sampleCheckpoint(BASE);
        float[] rebuilt = sampleWithLora("extracted_00001_.safetensors");
        double gap = distance(base, fine);
        double left = distance(rebuilt, fine);
        assertTrue(gap > 1e-3, "the fine-tune changes the sample: " + gap);
        assertTrue(left < 0.2 * gap, "the LoRA recovers most of the change: " + left + " of " + gap);
    }

    @Test
    void fullDiffLoraRebuildsTheFineTune() {
        extract("full", 4, "full_diff");
        float[] fine = sampleCheckpoint(FINE);
        float[] rebuilt = sampleWithLora("full_00001_.safetensors");
        double gap = distance(sampleCheckpoint(BASE), fine);
        assertTrue(distance(rebuilt, fine) < 2e-3 * gap + 1e-4, "float16 differences: " + distance(rebuilt, fine)
                + " of " + gap);
    }

    /** Noodle's LoRA loader finds a weight (or bias) of the right size for every module of the file. */
    static void assertEveryFactorPairMatches(Path file) throws Exception {
        Map<String, long[]> unet = new LinkedHashMap<>();
        Map<String, long[]> text = new LinkedHashMap<>();
        try (SafetensorsFile base = SafetensorsFile.open(models.resolve("checkpoints/" + BASE));
                Lora lora = Lora.load(file)) {
            for (String k : base.keys()) {
                if (k.startsWith(UNetConfig.PREFIX)) {
                    unet.put(k.substring(UNetConfig.PREFIX.length()), base.info(k).shape());
                } else if (k.startsWith(ClipTextModel.SD1_PREFIX)) {
                    text.put(k.substring(ClipTextModel.SD1_PREFIX.length()), base.info(k).shape());
                }
            }
            LoraMatch m = LoraPatcher.match(lora, LoraPatcher.Targets.fromShapes(unet,
                    LoraPatcher.naming(DemoCheckpoint.unetConfig()), text, Map.of(), null));
            assertTrue(m.matched() > 40, m.toString());
            assertEquals(List.of(), m.unmatched(), "factor pairs, .diff and .diff_b all find their weight or bias");
            assertTrue(lora.modules().containsKey("lora_unet_out_2.bias"), "a .diff_b module");
        }
    }

    static double distance(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - b[i]) * (double) (a[i] - b[i]);
        }
        return Math.sqrt(s);
    }

    static void assertClose(float[] expected, float[] got, double relative, String what) {
        assertEquals(expected.length, got.length, what);
        double max = 0;
        for (float v : expected) {
            max = Math.max(max, Math.abs(v));
        }
        for (int i = 0; i < got.length; i++) {
            assertEquals(expected[i], got[i], relative * max + 1e-7, what + " [" + i + "]");
        }
    }
}
