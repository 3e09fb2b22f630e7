package dev.noodle.nodes;

import dev.noodle.nodes.host.DemoAddons;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.noodle.engine.io.SafetensorsFile;
import dev.noodle.engine.text.ClipTextModel;
import dev.noodle.engine.text.PromptTokens;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunEvent;
import dev.noodle.graph.exec.RunListener;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.nodes.values.ClipValue;
import dev.noodle.nodes.values.ConditioningValue;
import dev.noodle.nodes.values.ImageValue;
import dev.noodle.nodes.values.LatentValue;
import dev.noodle.nodes.values.ModelValue;
import dev.noodle.nodes.values.VaeValue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoRA and textual-inversion embedding on the full-size random SD 1.5 checkpoint with the LoRA and embedding that
 * ../shared/tools/make_random_sd15.py writes next to it (skipped where they are absent). The checkpoint is loaded
 * once, in one run of all the nodes; every expected number is computed here from the raw tensors of the files.
 */
class FullSizeAddonsTest {
    @TempDir static Path dir;

    static NoodleNodes nodes;
    static RunResult run;

    static final String LORA = "rnd-lora.safetensors";
    static final String EMB = "rndemb";
    static final String CKPT_UNET = "model.diffusion_model.";

    /** UNet weights (LDM names) and the diffusers-named kohya modules of rnd-lora that patch them. */
    static final String[][] UNET = {
        {"input_blocks.1.1.transformer_blocks.0.attn1.to_q.weight",
            "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q"},
        {"output_blocks.11.1.transformer_blocks.0.attn2.to_v.weight",
            "lora_unet_up_blocks_3_attentions_2_transformer_blocks_0_attn2_to_v"},
        {"middle_block.1.transformer_blocks.0.ff.net.2.weight",
            "lora_unet_mid_block_attentions_0_transformer_blocks_0_ff_net_2"},
    };

    /** Text-encoder weights and their kohya modules. */
    static final String[][] TEXT = {
        {"encoder.layers.0.self_attn.q_proj.weight", "lora_te_text_model_encoder_layers_0_self_attn_q_proj"},
        {"encoder.layers.11.mlp.fc1.weight", "lora_te_text_model_encoder_layers_11_mlp_fc1"},
    };

    static Path bench(String name) {
        Path p = Path.of(System.getProperty("noodle.benchModels", "bench-models"), name);
        assumeTrue(Files.isRegularFile(p), "no " + p + " (make it with python3 ../shared/tools/make_random_sd15.py"
                + " --out bench-models)");
        return p.toAbsolutePath();
    }

    static String lora(String id, String from, double strength) {
        return "\"" + id + "\": {\"type\": \"LoraLoader\", \"inputs\": {\"model\": [\"" + from + "\", 0], \"clip\": [\""
                + from + "\", 1], \"lora_name\": \"" + LORA + "\", \"strength_model\": " + strength
                + ", \"strength_clip\": " + strength + "}}";
    }

    static String encode(String id, String clipFrom, String text) {
        return "\"" + id + "\": {\"type\": \"CLIPTextEncode\", \"inputs\": {\"text\": \"" + text + "\", \"clip\": [\""
                + clipFrom + "\", 1]}}";
    }

    static final String VAE = "rnd-vae.safetensors";
    static final String HN = "rnd-hypernetwork-768.pt";

    /** One euler step at 64² from the fixed latent 31 with the prompts 20 (positive) and 21 (negative). */
    static String sample(String id, String model) {
        return "\"" + id + "\": {\"type\": \"KSampler\", \"inputs\": {\"model\": [\"" + model + "\", 0],"
                + " \"seed\": 3, \"steps\": 1, \"cfg\": 7.0, \"sampler_name\": \"euler\", \"scheduler\": \"normal\","
                + " \"positive\": [\"20\", 0], \"negative\": [\"21\", 0], \"latent_image\": [\"31\", 0],"
                + " \"denoise\": 1.0}}";
    }

    static String decode(String id, String samples, String vaeNode, int vaeOutput) {
        return "\"" + id + "\": {\"type\": \"VAEDecode\", \"inputs\": {\"samples\": [\"" + samples + "\", 0],"
                + " \"vae\": [\"" + vaeNode + "\", " + vaeOutput + "]}}";
    }

    static String hypernetwork(String id, double strength) {
        return "\"" + id + "\": {\"type\": \"HypernetworkLoader\", \"inputs\": {\"model\": [\"4\", 0],"
                + " \"hypernetwork_name\": \"" + HN + "\", \"strength\": " + strength + "}}";
    }

    @BeforeAll
    static void runOnce() throws IOException {
        Path ckpt = bench("rnd-sd15.safetensors");
        Path lora = bench("loras/" + LORA);
        Path emb = bench("embeddings/" + EMB + ".safetensors");
        Path models = dir.resolve("models");
        for (String f : List.of("checkpoints", "loras", "embeddings", "tokenizers")) {
            Files.createDirectories(models.resolve(f));
        }
        Files.createSymbolicLink(models.resolve("checkpoints/rnd-sd15.safetensors"), ckpt);
        Files.createSymbolicLink(models.resolve("loras/" + LORA), lora);
        Files.createSymbolicLink(models.resolve("embeddings/" + EMB + ".safetensors"), emb);
        Files.copy(FullSizeCheckpointTest.vocabulary(), models.resolve("tokenizers/bpe_simple_vocab_16e6.txt.gz"));
        Files.createDirectories(models.resolve("vae"));
        Files.createSymbolicLink(models.resolve("vae/" + VAE), bench(VAE));
        DemoAddons.ensureHypernetwork(models.resolve("hypernetworks/" + HN), 768);
        nodes = NoodleNodes.create(NodeEnvironment.of(models, dir.resolve("out")));
        String json = "{\"format\": 1, \"name\": \"full-addons\", \"nodes\": {"
                + "\"4\": {\"type\": \"CheckpointLoaderSimple\", \"inputs\": {\"ckpt_name\":"
                + " \"rnd-sd15.safetensors\"}}, "
                + lora("10", "4", 0) + ", " + lora("11", "4", 0.5) + ", " + lora("12", "11", 0.5) + ", "
                + lora("13", "4", 1.0) + ", " + encode("20", "4", "a cat") + ", " + encode("21", "10", "a cat") + ", "
                + encode("22", "4", "a embedding:" + EMB + " cat") + ", "
                + "\"30\": {\"type\": \"VAELoader\", \"inputs\": {\"vae_name\": \"" + VAE + "\"}}, "
                + "\"31\": {\"type\": \"EmptyLatentImage\", \"inputs\": {\"width\": 64, \"height\": 64,"
                + " \"batch_size\": 1}}, "
                + sample("32", "4") + ", " + decode("33", "32", "4", 2) + ", " + decode("34", "32", "30", 0) + ", "
                + hypernetwork("40", 1.0) + ", " + hypernetwork("41", 0.0) + ", "
                + sample("42", "40") + ", " + sample("43", "41") + "}}";
        var wf = WorkflowJson.parse(json, "test", nodes.registry());
        GraphExecutor ex = new GraphExecutor(nodes.registry(), new ResultCache(dev.noodle.nodes.host.MemoryBudget.resultCacheBytes()), nodes.services());
        StringBuilder times = new StringBuilder("FullSizeAddonsTest node times:");
        RunListener timing = e -> {
            if (e instanceof RunEvent.NodeFinished f) {
                times.append(' ').append(f.nodeId()).append('=').append(f.nanos() / 1_000_000).append("ms");
            }
        };
        run = ex.run(wf, new RunOptions(Set.copyOf(wf.nodes().keySet()), "full-addons"), timing,
                new CancellationToken());
        System.out.println(times);
        assertEquals(RunResult.Status.SUCCESS, run.status(), run.message() + " " + run.errors());
    }

    @AfterAll
    static void close() {
        if (nodes != null) {
            nodes.close();
        }
    }

    static ModelValue model(String node) {
        return (ModelValue) run.outputs().get(node).value(0);
    }

    static ClipValue clip(String node) {
        return (ClipValue) run.outputs().get(node).value(1);
    }

    static float[] unet(String node, String key) {
        return model(node).unet().weights().get(key).toFloatArray();
    }

    static float[] text(String node, String key) {
        return clip(node).clip().parameter(key).toFloatArray();
    }

    static float[] context(String node) {
        return ((ConditioningValue) run.outputs().get(node).value(0)).entries().get(0).context().data();
    }

    static double maxDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs((double) a[i] - b[i]));
        }
        return max;
    }

    @Test
    void strengthZeroIsNoLora() {
        for (String[] k : UNET) {
            assertArrayEquals(unet("4", k[0]), unet("10", k[0]), k[0]);
        }
        for (String[] k : TEXT) {
            assertArrayEquals(text("4", k[0]), text("10", k[0]), k[0]);
        }
        assertArrayEquals(context("20"), context("21"), "same conditioning with the LoRA at 0");
    }

    @Test
    void twoHalvesEqualOneWhole() {
        for (String[][] group : new String[][][] {UNET, TEXT}) {
            for (String[] k : group) {
                boolean isUnet = group == UNET;
                float[] base = isUnet ? unet("4", k[0]) : text("4", k[0]);
                float[] halves = isUnet ? unet("12", k[0]) : text("12", k[0]);
                float[] whole = isUnet ? unet("13", k[0]) : text("13", k[0]);
                double patch = maxDiff(base, whole);
                assertTrue(patch > 1e-4, k[0] + " is patched: " + patch);
                assertTrue(maxDiff(halves, whole) <= 1e-5 * Math.max(1, patch), k[0] + ": " + maxDiff(halves, whole));
            }
        }
    }

    /** W + strength·(alpha/rank)·(up @ down), in double, from the raw tensors of the checkpoint and LoRA files. */
    static float[] expectedPatch(SafetensorsFile ckpt, SafetensorsFile lora, String weightKey, String module,
            double strength) {
        float[] w = ckpt.loadFloats(weightKey);
        float[] up = lora.loadFloats(module + ".lora_up.weight");
        float[] down = lora.loadFloats(module + ".lora_down.weight");
        long[] upShape = lora.info(module + ".lora_up.weight").shape();
        long[] downShape = lora.info(module + ".lora_down.weight").shape();
        int out = (int) upShape[0];
        int rank = (int) upShape[1];
        int in = (int) downShape[1];
        assertEquals(rank, downShape[0], module);
        assertEquals((long) out * in, w.length, weightKey);
        double alpha = lora.keys().contains(module + ".alpha") ? lora.loadFloats(module + ".alpha")[0] : rank;
        double scale = strength * alpha / rank;
        float[] expected = new float[w.length];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                double s = 0;
                for (int r = 0; r < rank; r++) {
                    s += (double) up[o * rank + r] * down[r * in + i];
                }
                expected[o * in + i] = (float) (w[o * in + i] + scale * s);
            }
        }
        return expected;
    }

    @Test
    void patchedWeightsEqualTheFormulaOnTheRawTensors() {
        try (SafetensorsFile ckpt = SafetensorsFile.open(bench("rnd-sd15.safetensors"));
                SafetensorsFile lora = SafetensorsFile.open(bench("loras/" + LORA))) {
            for (String[] k : UNET) {
                assertArrayEquals(ckpt.loadFloats(CKPT_UNET + k[0]), unet("4", k[0]), "loaded as in the file");
                float[] expected = expectedPatch(ckpt, lora, CKPT_UNET + k[0], k[1], 1.0);
                double patch = maxDiff(unet("4", k[0]), expected);
                assertTrue(patch > 1e-4, k[0] + " is patched: " + patch);
                double err = maxDiff(expected, unet("13", k[0]));
                assertTrue(err <= 1e-6 + 1e-5 * patch, k[0] + ": " + err + " (patch " + patch + ")");
                assertTrue(maxDiff(expectedPatch(ckpt, lora, CKPT_UNET + k[0], k[1], 0.5), unet("11", k[0]))
                        <= 1e-6 + 1e-5 * patch, k[0] + " at 0.5");
            }
            for (String[] k : TEXT) {
                String fileKey = ClipTextModel.SD1_PREFIX + k[0];
                assertArrayEquals(ckpt.loadFloats(fileKey), text("4", k[0]), "loaded as in the file");
                float[] expected = expectedPatch(ckpt, lora, fileKey, k[1], 1.0);
                double patch = maxDiff(text("4", k[0]), expected);
                assertTrue(patch > 1e-4, k[0] + " is patched: " + patch);
                double err = maxDiff(expected, text("13", k[0]));
                assertTrue(err <= 1e-6 + 1e-5 * patch, k[0] + ": " + err + " (patch " + patch + ")");
            }
        }
    }

    /** Start, "a" (320), {@code first}, {@code second}, "cat" (2368), end, padded with the end id (as SD1). */
    static int[][] ids(int first, int second) {
        int[] ids = new int[PromptTokens.CHUNK_LENGTH];
        Arrays.fill(ids, 49407);
        ids[0] = 49406;
        ids[1] = 320;
        ids[2] = first;
        ids[3] = second;
        ids[4] = 2368;
        return new int[][] {ids};
    }

    @Test
    void anEmbeddingChangesTheConditioningAtItsTokenPositions() {
        float[] plain = context("20");
        float[] withEmb = context("22");
        int d = 768;
        assertEquals(PromptTokens.CHUNK_LENGTH * d, withEmb.length);
        // the text model is causal: positions before the embedding (start, "a") are untouched, all after change
        for (int pos = 0; pos < 4; pos++) {
            double diff = maxDiff(Arrays.copyOfRange(plain, pos * d, pos * d + d),
                    Arrays.copyOfRange(withEmb, pos * d, pos * d + d));
            if (pos < 2) {
                assertTrue(diff <= 1e-5, "position " + pos + " unchanged: " + diff);
            } else {
                assertTrue(diff > 1e-3, "position " + pos + " changed: " + diff);
            }
        }
        // the same as encoding start, "a", the file's two vectors, "cat", end
        float[][] vectors = new float[2][d];
        try (SafetensorsFile f = SafetensorsFile.open(bench("embeddings/" + EMB + ".safetensors"))) {
            float[] v = f.loadFloats("emb_params");
            assertEquals(2 * d, v.length);
            vectors[0] = Arrays.copyOfRange(v, 0, d);
            vectors[1] = Arrays.copyOfRange(v, d, 2 * d);
        }
        // independently of how the encoder injects embeddings: put the file's vectors in the token table as the rows
        // of two spare ids, and encode plain ids
        ClipTextModel model = clip("4").clip();
        String table = "embeddings.token_embedding.weight";
        NDArray rows = model.parameter(table);
        float[] tokens = rows.toFloatArray();
        int a = 1000;
        int b = 2000;
        System.arraycopy(vectors[0], 0, tokens, a * d, d);
        System.arraycopy(vectors[1], 0, tokens, b * d, d);
        try (NDManager m = NDManager.newBaseManager(rows.getDevice())) {
            ClipTextModel withRows = model.withParameters(Map.of(table, m.create(tokens, rows.getShape())), m);
            float[] expected = withRows.encode(m, ids(a, b), -1, true).hidden().toFloatArray();
            assertTrue(maxDiff(expected, withEmb) <= 1e-5, "vectors at positions 2 and 3: "
                    + maxDiff(expected, withEmb));
            float[] swapped = withRows.encode(m, ids(b, a), -1, true).hidden().toFloatArray();
            assertTrue(maxDiff(swapped, withEmb) > 1e-3, "the order of the vectors matters");
        }
    }

    static float[] latent(String node) {
        return ((LatentValue) run.outputs().get(node).value(0)).samples().data();
    }

    static float[] pixels(String node) {
        return ((ImageValue) run.outputs().get(node).value(0)).pixels().data();
    }

    /**
     * VAELoader swaps the decoder: its weights are the standalone file's, and the same latent decodes to another
     * image than with the checkpoint's own VAE.
     */
    @Test
    void aStandaloneVaeReplacesTheCheckpointsDecoder() {
        try (SafetensorsFile vae = SafetensorsFile.open(bench(VAE))) {
            VaeValue swapped = (VaeValue) run.outputs().get("30").value(0);
            for (String k : List.of("decoder.conv_in.weight", "decoder.up.0.block.0.conv1.weight", "post_quant_conv.bias")) {
                assertArrayEquals(vae.loadFloats(k), swapped.autoencoderKL("test").parameter(k).toFloatArray(), k);
            }
        }
        double d = maxDiff(pixels("33"), pixels("34"));
        assertTrue(d > 1e-2, "the swapped VAE decodes the same latent differently: " + d);
    }

    /** A 768-wide A1111 hypernetwork binds to the full-size UNet: strength 0 is no hypernetwork, 1 changes the sample. */
    @Test
    void aHypernetworkChangesTheSampleAndStrengthZeroDoesNot() {
        assertArrayEquals(latent("32"), latent("43"), "strength 0 equals the plain model");
        double d = maxDiff(latent("32"), latent("42"));
        assertTrue(d > 1e-3, "the hypernetwork changes the cross-attention keys/values: " + d);
    }
}
