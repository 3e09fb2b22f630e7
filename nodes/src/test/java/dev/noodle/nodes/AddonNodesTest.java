package dev.noodle.nodes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunListener;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.nodes.values.ConditioningValue;
import dev.noodle.nodes.values.ImageValue;
import dev.noodle.nodes.values.LatentValue;
import dev.noodle.nodes.values.ModelValue;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The add-on nodes on the demo model, compared by numbers (weights, conditioning, latents, pixels). */
class AddonNodesTest {
    @TempDir
    static Path tmp;

    static NoodleNodes nodes;
    static GraphExecutor executor;
    static final String KEY = "attn2.to_k.weight";
    static final String CKPT = "\"4\": {\"type\": \"CheckpointLoaderSimple\", \"inputs\": {\"ckpt_name\":"
            + " \"noodle-demo-tiny-sd15.safetensors\"}}";

    @BeforeAll
    static void setUp() throws Exception {
        DemoAddons.ensure(tmp.resolve("models"));
        nodes = NoodleNodes.create(NodeEnvironment.of(tmp.resolve("models"), tmp.resolve("out")));
        executor = new GraphExecutor(nodes.registry(), new ResultCache(1L << 30), nodes.services());
    }

    @AfterAll
    static void tearDown() {
        nodes.close();
    }

    static RunResult run(String body) {
        String json = "{\"format\": 1, \"name\": \"t\", \"nodes\": {" + CKPT + ", " + body + "}}";
        var wf = WorkflowJson.parse(json, "test", nodes.registry());
        RunResult r = executor.run(wf, new RunOptions(Set.copyOf(wf.nodes().keySet()), "t"), RunListener.none(),
                new CancellationToken());
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
        return r;
    }

    static Object out(RunResult r, String node, int i) {
        return r.outputs().get(node).value(i);
    }

    static float[] weight(Object model) {
        var w = ((ModelValue) model).unet().weights();
        String key = w.keys().stream().filter(k -> k.endsWith(KEY)).sorted().findFirst().orElseThrow();
        return w.get(key).toFloatArray();
    }

    static String lora(String id, String from, double sm, double sc) {
        return "\"" + id + "\": {\"type\": \"LoraLoader\", \"inputs\": {\"model\": [\"" + from + "\", 0], \"clip\": [\""
                + from + "\", 1], \"lora_name\": \"noodle-demo-lora.safetensors\", \"strength_model\": " + sm
                + ", \"strength_clip\": " + sc + "}}";
    }

    static void assertClose(float[] a, float[] b, double tol) {
        assertEquals(a.length, b.length);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        assertTrue(max <= tol, "max difference " + max + " > " + tol);
    }

    @Test
    void loraStrengthZeroIsNoLoraAndTwoHalvesAreOneWhole() {
        RunResult r = run(lora("10", "4", 0, 0) + ", " + lora("11", "4", 0.5, 0.5) + ", " + lora("12", "11", 0.5, 0.5)
                + ", " + lora("13", "4", 1.0, 1.0));
        float[] base = weight(out(r, "4", 0));
        assertArrayEquals(base, weight(out(r, "10", 0)));
        float[] stacked = weight(out(r, "12", 0));
        float[] whole = weight(out(r, "13", 0));
        assertClose(stacked, whole, 1e-5);
        double diff = 0;
        for (int i = 0; i < base.length; i++) {
            diff = Math.max(diff, Math.abs(whole[i] - base[i]));
        }
        assertTrue(diff > 1e-3, "the LoRA changes the weight: " + diff);
        // the checkpoint's own weights are untouched
        assertArrayEquals(base, weight(out(run(lora("10", "4", 0, 0)), "4", 0)));
    }

    @Test
    void changingOnlyStrengthReadsNoCheckpointBytes() {
        run(lora("10", "4", 0.7, 0.7));
        int loads = nodes.models().loadCount();
        int reads = ((AddonFiles) nodes.services().get(AddonFiles.class)).fileReads();
        RunResult r = run(lora("10", "4", 0.3, 0.7));
        assertEquals(loads, nodes.models().loadCount());
        assertEquals(reads, ((AddonFiles) nodes.services().get(AddonFiles.class)).fileReads());
        assertTrue(((ModelValue) out(r, "10", 0)).patches().get(0).contains("0.3"));
    }

    @Test
    void modelMergeSimpleRatio() {
        RunResult r = run(lora("10", "4", 1, 1) + ", \"11\": {\"type\": \"ModelMergeSimple\", \"inputs\": {\"model1\":"
                + " [\"4\", 0], \"model2\": [\"10\", 0], \"ratio\": 0.25}}, \"12\": {\"type\": \"NoodleCheckpointMerger\","
                + " \"inputs\": {\"model_a\": [\"4\", 0], \"clip_a\": [\"4\", 1], \"model_b\": [\"10\", 0], \"clip_b\":"
                + " [\"10\", 1], \"interp_method\": \"weighted_sum\", \"multiplier\": 0.75}}");
        float[] a = weight(out(r, "4", 0));
        float[] b = weight(out(r, "10", 0));
        float[] m = weight(out(r, "11", 0));
        float[] expected = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            expected[i] = a[i] * 0.25f + b[i] * 0.75f;
        }
        assertClose(expected, m, 1e-6);
        assertClose(expected, weight(out(r, "12", 0)), 1e-6); // A1111 (1 − 0.75)·A + 0.75·B is the same blend
    }

    @Test
    void clipSkipOneEqualsLastLayer() {
        RunResult r = run("\"10\": {\"type\": \"CLIPSetLastLayer\", \"inputs\": {\"clip\": [\"4\", 1],"
                + " \"stop_at_clip_layer\": -1}}, \"11\": {\"type\": \"CLIPTextEncode\", \"inputs\": {\"text\": \"a cat\","
                + " \"clip\": [\"10\", 0]}}, \"12\": {\"type\": \"NoodleCLIPTextEncodeClipSkip\", \"inputs\": {\"text\":"
                + " \"a cat\", \"clip\": [\"4\", 1], \"clip_skip\": 1}}");
        assertArrayEquals(((ConditioningValue) out(r, "11", 0)).entries().get(0).context().data(),
                ((ConditioningValue) out(r, "12", 0)).entries().get(0).context().data());
    }

    @Test
    void tiledDecodeIsCloseToFullDecode() {
        RunResult r = run("\"5\": {\"type\": \"EmptyLatentImage\", \"inputs\": {\"width\": 128, \"height\": 128,"
                + " \"batch_size\": 1}}, \"6\": {\"type\": \"LatentUpscaleBy\", \"inputs\": {\"samples\": [\"5\", 0],"
                + " \"upscale_method\": \"nearest-exact\", \"scale_by\": 1.0}}, \"7\": {\"type\": \"VAEDecode\","
                + " \"inputs\": {\"samples\": [\"6\", 0], \"vae\": [\"4\", 2]}}, \"8\": {\"type\": \"VAEDecodeTiled\","
                + " \"inputs\": {\"samples\": [\"6\", 0], \"vae\": [\"4\", 2], \"tile_size\": 64, \"overlap\": 16}}");
        float[] full = ((ImageValue) out(r, "7", 0)).pixels().data();
        float[] tiled = ((ImageValue) out(r, "8", 0)).pixels().data();
        assertClose(full, tiled, 0.05);
    }

    @Test
    void noiseMaskKeepsUnmaskedLatent() throws Exception {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(64, 64,
                java.awt.image.BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                img.setRGB(x, y, (x >= 32 ? 0 : 0xFF000000) | (x * 4 << 16) | (y * 4 << 8)); // right half transparent
            }
        }
        Path input = nodes.environment().inputDir();
        java.nio.file.Files.createDirectories(input);
        javax.imageio.ImageIO.write(img, "png", input.resolve("half.png").toFile());
        RunResult r = run("\"20\": {\"type\": \"LoadImage\", \"inputs\": {\"image\": \"half.png\"}},"
                + " \"21\": {\"type\": \"VAEEncode\", \"inputs\": {\"pixels\": [\"20\", 0], \"vae\": [\"4\", 2]}},"
                + " \"22\": {\"type\": \"SetLatentNoiseMask\", \"inputs\": {\"samples\": [\"21\", 0], \"mask\":"
                + " [\"20\", 1]}}, \"6\": {\"type\": \"CLIPTextEncode\", \"inputs\": {\"text\": \"x\", \"clip\":"
                + " [\"4\", 1]}}, \"3\": {\"type\": \"KSampler\", \"inputs\": {\"seed\": 1, \"steps\": 2, \"cfg\": 7.0,"
                + " \"sampler_name\": \"euler\", \"scheduler\": \"normal\", \"positive\": [\"6\", 0], \"negative\":"
                + " [\"6\", 0], \"latent_image\": [\"22\", 0], \"denoise\": 1.0, \"model\": [\"4\", 0]}}");
        float[] before = ((LatentValue) out(r, "21", 0)).samples().data();
        float[] after = ((LatentValue) out(r, "3", 0)).samples().data();
        int h = 8;
        int w = 8;
        double leftDiff = 0;
        double rightDiff = 0;
        for (int c = 0; c < 4; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int i = (c * h + y) * w + x;
                    double d = Math.abs(before[i] - after[i]);
                    if (x < 4) {
                        leftDiff = Math.max(leftDiff, d);
                    } else {
                        rightDiff = Math.max(rightDiff, d);
                    }
                }
            }
        }
        assertTrue(leftDiff < 1e-4, "unmasked half kept: " + leftDiff);
        assertTrue(rightDiff > 1e-3, "masked half regenerated: " + rightDiff);
    }

    static float[] halfMask() {
        float[] m = new float[64 * 64];
        for (int y = 0; y < 64; y++) {
            for (int x = 32; x < 64; x++) {
                m[y * 64 + x] = 1f;
            }
        }
        return m;
    }
}
