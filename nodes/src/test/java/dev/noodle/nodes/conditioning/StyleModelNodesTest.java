package dev.noodle.nodes.conditioning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.noodle.engine.model.DemoCheckpoint;
import dev.noodle.engine.text.ClipConfig.Activation;
import dev.noodle.engine.vision.ClipVisionConfig;
import dev.noodle.engine.vision.ClipVisionLayout;
import dev.noodle.engine.vision.ClipVisionWriter;
import dev.noodle.engine.vision.StyleAdapter;
import dev.noodle.engine.vision.StyleAdapterWriter;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunListener;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.nodes.host.AddonFiles;
import dev.noodle.nodes.host.DemoAddons;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import dev.noodle.nodes.values.ClipVisionOutputValue;
import dev.noodle.nodes.values.ClipVisionValue;
import dev.noodle.nodes.values.ConditioningValue;
import dev.noodle.nodes.values.StyleModelValue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CLIPVisionLoader → CLIPVisionEncode → StyleModelApply on the demo checkpoint's text conditioning, with random
 * towers and adapters written in the real layouts: tokens appended after the text, scaled by strength
 * ("multiply") or not ("attn_bias"), one load per file, clear errors for wrong files and widths.
 */
class StyleModelNodesTest {
    static final ClipVisionConfig TOWER = new ClipVisionConfig(32, 2, 16, 64, 4, 16, 24, Activation.GELU, 1e-5f);
    static final int TEXT_WIDTH = DemoCheckpoint.clipConfig().width();

    @TempDir
    static Path tmp;

    static NoodleNodes nodes;
    static GraphExecutor executor;

    @BeforeAll
    static void setUp() throws Exception {
        Path models = tmp.resolve("models");
        DemoAddons.ensure(models);
        Files.createDirectories(models.resolve("clip_vision"));
        Files.createDirectories(models.resolve("style_models"));
        ClipVisionWriter.write(models.resolve("clip_vision/tower_hf.safetensors"), ClipVisionLayout.HF, TOWER, 11);
        ClipVisionWriter.write(models.resolve("clip_vision/tower_oc.safetensors"), ClipVisionLayout.OPEN_CLIP, TOWER,
                11);
        StyleAdapterWriter.write(models.resolve("style_models/style.safetensors"),
                new StyleAdapter.Config(32, TEXT_WIDTH, 2, 4), 5);
        StyleAdapterWriter.write(models.resolve("style_models/style_768.safetensors"),
                new StyleAdapter.Config(32, 768, 1, 4), 5);
        Files.write(models.resolve("clip_vision/broken.safetensors"), new byte[] {1, 2, 3});
        nodes = NoodleNodes.create(NodeEnvironment.of(models, tmp.resolve("out")));
        executor = new GraphExecutor(nodes.registry(), new ResultCache(1L << 30), nodes.services());
    }

    @AfterAll
    static void tearDown() {
        nodes.close();
    }

    static RunResult run(String body) {
        var wf = WorkflowJson.parse("{\"format\": 1, \"name\": \"t\", \"nodes\": {" + body + "}}", "test",
                nodes.registry());
        return executor.run(wf, new RunOptions(Set.copyOf(wf.nodes().keySet()), "t"), RunListener.none(),
                new CancellationToken());
    }

    static RunResult ok(String body) {
        RunResult r = run(body);
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
        return r;
    }

    static String graph(String tower, String style, double strength, String type, String crop) {
        return "\"1\": {\"type\": \"CheckpointLoaderSimple\", \"inputs\": {\"ckpt_name\": \"" + DemoCheckpoint.FILE_NAME
                + "\"}},"
                + " \"2\": {\"type\": \"CLIPTextEncode\", \"inputs\": {\"text\": \"a cat\", \"clip\": [\"1\", 1]}},"
                + " \"3\": {\"type\": \"EmptyLatentImage\", \"inputs\": {\"width\": 64, \"height\": 48,"
                + " \"batch_size\": 2}},"
                + " \"4\": {\"type\": \"VAEDecode\", \"inputs\": {\"samples\": [\"3\", 0], \"vae\": [\"1\", 2]}},"
                + " \"5\": {\"type\": \"CLIPVisionLoader\", \"inputs\": {\"clip_name\": \"" + tower + "\"}},"
                + " \"6\": {\"type\": \"CLIPVisionEncode\", \"inputs\": {\"clip_vision\": [\"5\", 0],"
                + " \"image\": [\"4\", 0], \"crop\": \"" + crop + "\"}},"
                + " \"7\": {\"type\": \"StyleModelLoader\", \"inputs\": {\"style_model_name\": \"" + style + "\"}},"
                + " \"8\": {\"type\": \"StyleModelApply\", \"inputs\": {\"conditioning\": [\"2\", 0],"
                + " \"style_model\": [\"7\", 0], \"clip_vision_output\": [\"6\", 0], \"strength\": " + strength
                + ", \"strength_type\": \"" + type + "\"}}";
    }

    @Test
    void styleTokensAreAppendedAfterTheTextScaledByStrength() {
        RunResult r = ok(graph("tower_hf.safetensors", "style.safetensors", 0.5, "multiply", "center"));
        ConditioningValue text = (ConditioningValue) r.outputs().get("2").value(0);
        ClipVisionOutputValue vision = (ClipVisionOutputValue) r.outputs().get("6").value(0);
        StyleModelValue style = (StyleModelValue) r.outputs().get("7").value(0);
        ConditioningValue out = (ConditioningValue) r.outputs().get("8").value(0);
        assertArrayEquals(new long[] {2, 17, 32}, vision.lastHiddenState().shape());
        assertArrayEquals(new long[] {2, 24}, vision.imageEmbeds().shape());
        float[] t = text.entries().get(0).context().data();
        float[] o = out.entries().get(0).context().data();
        assertArrayEquals(new long[] {1, 77 + 2 * 4, TEXT_WIDTH}, out.entries().get(0).context().shape());
        for (int i = 0; i < t.length; i++) {
            assertEquals(t[i], o[i], "text tokens kept");
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray tokens = style.adapter().tokens(vision.lastHiddenState().toNd(m), m); // [2, 4, W]
            float[] want = tokens.mul(0.5f).toFloatArray();
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], o[t.length + i], 1e-6, "style token value " + i);
            }
        }
        RunResult bias = ok(graph("tower_hf.safetensors", "style.safetensors", 0.5, "attn_bias", "center"));
        float[] b = ((ConditioningValue) bias.outputs().get("8").value(0)).entries().get(0).context().data();
        for (int i = t.length; i < b.length; i++) {
            assertEquals(2 * o[i], b[i], 1e-5, "attn_bias appends the tokens unscaled");
        }
    }

    @Test
    void bothLayoutsShareNothingButEncodeAlikeAndEachFileLoadsOnce() {
        RunResult x = ok(graph("tower_hf.safetensors", "style.safetensors", 1.0, "multiply", "none"));
        RunResult y = ok(graph("tower_oc.safetensors", "style.safetensors", 1.0, "multiply", "none"));
        float[] a = ((ClipVisionOutputValue) x.outputs().get("6").value(0)).imageEmbeds().data();
        float[] b = ((ClipVisionOutputValue) y.outputs().get("6").value(0)).imageEmbeds().data();
        assertArrayEquals(a, b, 1e-5f);
        ClipVisionValue hf = (ClipVisionValue) x.outputs().get("5").value(0);
        ClipVisionValue oc = (ClipVisionValue) y.outputs().get("5").value(0);
        assertNotEquals(hf.encoder(), oc.encoder());
        assertSame(x.outputs().get("7").value(0), y.outputs().get("7").value(0), "one style model value, cached");
        assertTrue(hf.sizeBytes() > 0);
        AddonFiles files = nodes.services().get(AddonFiles.class);
        int reads = files.fileReads();
        RunResult z = ok(graph("tower_hf.safetensors", "style.safetensors", 1.0, "multiply", "center"));
        assertSame(hf.encoder(), ((ClipVisionValue) z.outputs().get("5").value(0)).encoder(), "tower loaded once");
        assertEquals(reads, files.fileReads(), "no file read again");
    }

    @Test
    void wrongFilesAndWidthsAreClearErrors() {
        RunResult broken = run(graph("broken.safetensors", "style.safetensors", 1.0, "multiply", "center"));
        assertNotEquals(RunResult.Status.SUCCESS, broken.status());
        assertTrue((broken.message() + broken.errors()).contains("broken.safetensors"), broken.errors().toString());
        RunResult wide = run(graph("tower_hf.safetensors", "style_768.safetensors", 1.0, "multiply", "center"));
        assertNotEquals(RunResult.Status.SUCCESS, wide.status());
        String msg = wide.message() + wide.errors();
        assertTrue(msg.contains("768") && msg.contains(String.valueOf(TEXT_WIDTH)), msg);
    }

    /** A KSampler step whose positive has the style tokens (85 tokens) and whose negative has none (77). */
    static String sampled(String positive, long seed) {
        return graph("tower_hf.safetensors", "style.safetensors", 1.0, "multiply", "center")
                + ", \"9\": {\"type\": \"CLIPTextEncode\", \"inputs\": {\"text\": \"blurry\", \"clip\": [\"1\", 1]}},"
                + " \"10\": {\"type\": \"EmptyLatentImage\", \"inputs\": {\"width\": 64, \"height\": 64,"
                + " \"batch_size\": 1}},"
                + " \"11\": {\"type\": \"KSampler\", \"inputs\": {\"model\": [\"1\", 0], \"seed\": " + seed
                + ", \"steps\": 1, \"cfg\": 5.0, \"sampler_name\": \"euler\", \"scheduler\": \"normal\","
                + " \"positive\": [\"" + positive + "\", 0], \"negative\": [\"9\", 0], \"latent_image\": [\"10\", 0],"
                + " \"denoise\": 1.0}}";
    }

    @Test
    void aKSamplerStepTakesStyledAndPlainConditioningsOfDifferentLengths() {
        float[] styled = ((dev.noodle.nodes.values.LatentValue) ok(sampled("8", 3)).outputs().get("11").value(0))
                .samples().data();
        float[] plain = ((dev.noodle.nodes.values.LatentValue) ok(sampled("2", 3)).outputs().get("11").value(0))
                .samples().data();
        assertEquals(plain.length, styled.length);
        double diff = 0;
        for (int i = 0; i < plain.length; i++) {
            assertTrue(Float.isFinite(styled[i]));
            diff = Math.max(diff, Math.abs(plain[i] - styled[i]));
        }
        assertTrue(diff > 1e-4, "the style tokens change the picture: " + diff);
    }

    @Test
    void theDemoTowerAndStyleModelWorkWithTheDemoCheckpoint() {
        RunResult r = ok(graph(DemoAddons.CLIP_VISION, DemoAddons.STYLE_MODEL, 1.0, "multiply", "none"));
        ClipVisionOutputValue vision = (ClipVisionOutputValue) r.outputs().get("6").value(0);
        assertArrayEquals(new long[] {2, 17, 64}, vision.lastHiddenState().shape());
        ConditioningValue out = (ConditioningValue) r.outputs().get("8").value(0);
        assertArrayEquals(new long[] {1, 77 + 2 * 8, TEXT_WIDTH}, out.entries().get(0).context().shape());
    }
}
