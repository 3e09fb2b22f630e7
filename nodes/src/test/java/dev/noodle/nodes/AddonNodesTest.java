package dev.noodle.nodes;

import dev.noodle.nodes.host.AddonFiles;
import dev.noodle.nodes.host.DemoAddons;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunEvent;
import dev.noodle.graph.exec.RunListener;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.node.MessageLevel;
import dev.noodle.nodes.values.ConditioningValue;
import dev.noodle.nodes.values.ImageValue;
import dev.noodle.nodes.values.LatentValue;
import dev.noodle.nodes.values.ModelValue;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
        return run(body, new ArrayList<>());
    }

    /** Runs the checkpoint plus {@code body}, adding the run's events to {@code events}; expects success. */
    static RunResult run(String body, List<RunEvent> events) {
        RunResult r = runRaw(body, events);
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
        return r;
    }

    /** Runs the checkpoint plus {@code body} whatever the outcome. */
    static RunResult runRaw(String body, List<RunEvent> events) {
        String json = "{\"format\": 1, \"name\": \"t\", \"nodes\": {" + CKPT + ", " + body + "}}";
        var wf = WorkflowJson.parse(json, "test", nodes.registry());
        RunListener listener = events::add;
        return executor.run(wf, new RunOptions(Set.copyOf(wf.nodes().keySet()), "t"), listener,
                new CancellationToken());
    }

    /** The texts of the messages node {@code node} reported at {@code level}. */
    static List<String> messages(List<RunEvent> events, String node, MessageLevel level) {
        List<String> out = new ArrayList<>();
        for (RunEvent e : events) {
            if (e instanceof RunEvent.NodeMessage m && m.nodeId().equals(node) && m.level() == level) {
                out.add(m.text());
            }
        }
        return out;
    }

    static boolean started(List<RunEvent> events, String node) {
        return events.stream().anyMatch(e -> e instanceof RunEvent.NodeStarted s && s.nodeId().equals(node));
    }

    static boolean cached(List<RunEvent> events, String node) {
        return events.stream().anyMatch(e -> e instanceof RunEvent.NodeCached c && c.nodeId().equals(node));
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
        List<RunEvent> events = new ArrayList<>();
        RunResult r = run(lora("10", "4", 0.3, 0.7), events);
        assertEquals(loads, nodes.models().loadCount());
        assertEquals(reads, ((AddonFiles) nodes.services().get(AddonFiles.class)).fileReads());
        assertTrue(((ModelValue) out(r, "10", 0)).patches().get(0).contains("0.3"));
        // the run's events say so: the checkpoint came from the cache, only the LoRA node ran
        assertTrue(cached(events, "4"), "checkpoint reported cached: " + events);
        assertFalse(started(events, "4"), "checkpoint not started again: " + events);
        assertTrue(started(events, "10"), "LoRA node re-ran: " + events);
        assertFalse(cached(events, "10"), "LoRA node not cached after a strength change: " + events);
        List<String> info = messages(events, "10", MessageLevel.INFO);
        assertEquals(1, info.size(), "one LoRA message: " + events);
        Matcher m = Pattern.compile("(\\d+) of (\\d+) modules matched").matcher(info.get(0));
        assertTrue(m.find(), info.get(0));
        assertTrue(Integer.parseInt(m.group(1)) > 0, info.get(0));
        assertEquals(m.group(2), m.group(1), "the demo LoRA fits the demo model fully: " + info.get(0));
        assertTrue(info.get(0).contains("checkpoint not re-read") && info.get(0).contains("0.3"), info.get(0));
        assertTrue(messages(events, "10", MessageLevel.WARNING).isEmpty(), events.toString());
    }

    @Test
    void aLoraForAnotherFamilyIsWarnedAboutOnTheNode() throws Exception {
        Path loras = tmp.resolve("models/loras");
        Files.createDirectories(loras);
        try (InputStream in = AddonNodesTest.class.getResourceAsStream(
                "/dev/noodle/engine/adapters/lora_sdxl.safetensors")) {
            Files.copy(in, loras.resolve("fixture-sdxl-lora.safetensors"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        List<RunEvent> events = new ArrayList<>();
        RunResult r = run("\"10\": {\"type\": \"LoraLoader\", \"inputs\": {\"model\": [\"4\", 0], \"clip\": [\"4\", 1],"
                + " \"lora_name\": \"fixture-sdxl-lora.safetensors\", \"strength_model\": 1.0,"
                + " \"strength_clip\": 1.0}}", events);
        List<String> warnings = messages(events, "10", MessageLevel.WARNING);
        assertEquals(1, warnings.size(), "one warning on the LoRA node: " + events);
        String w = warnings.get(0);
        assertTrue(w.contains("made for SDXL") && w.contains("this checkpoint is SD 1.x"), w);
        assertTrue(w.contains("fixture-sdxl-lora"), "names the LoRA: " + w);
        // nothing of it fits, so the model's weights are the checkpoint's
        assertArrayEquals(weight(out(r, "4", 0)), weight(out(r, "10", 0)));
    }

    static String encode(String id, String text, String style) {
        return "\"" + id + "\": {\"type\": \"CLIPTextEncode\", \"inputs\": {\"text\": \"" + text
                + "\", \"clip\": [\"4\", 1]" + (style == null ? "" : ", \"prompt_style\": \"" + style + "\"")
                + "}}";
    }

    @Test
    void theEncodeNodeReportsTheEmbeddingsItApplied() {
        List<RunEvent> events = new ArrayList<>();
        run(encode("10", "a castle embedding:noodle-demo-embedding", null) + ", "
                + encode("11", "embedding:noodle-demo-embedding, a castle, embedding:noodle-demo-embedding", "comfy")
                + ", " + encode("12", "a castle noodle-demo-embedding", "a1111") + ", "
                + encode("13", "a castle", null), events);
        // the demo embedding has 2 vectors; each use fills 2 prompt tokens
        assertEquals(List.of("embedding applied: noodle-demo-embedding (2 vectors, 2 tokens)"),
                messages(events, "10", MessageLevel.INFO));
        assertEquals(List.of("embedding applied: noodle-demo-embedding (2 vectors, 4 tokens)"),
                messages(events, "11", MessageLevel.INFO));
        assertEquals(List.of("embedding applied: noodle-demo-embedding (2 vectors, 2 tokens)"),
                messages(events, "12", MessageLevel.INFO), "A1111 style finds it by file name");
        assertEquals(List.of(), messages(events, "13", MessageLevel.INFO), "no embedding, nothing to report");
        for (String node : List.of("10", "11", "12", "13")) {
            assertEquals(List.of(), messages(events, node, MessageLevel.WARNING), node);
        }
    }

    @Test
    void anUnknownEmbeddingIsWarnedAboutAndNotReportedAsApplied() {
        List<RunEvent> events = new ArrayList<>();
        run(encode("10", "a castle embedding:no-such-embedding", null), events);
        assertEquals(List.of(), messages(events, "10", MessageLevel.INFO));
        List<String> warnings = messages(events, "10", MessageLevel.WARNING);
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("no-such-embedding"), warnings.get(0));
    }

    static String hypernetwork(String id, double strength) {
        return "\"" + id + "\": {\"type\": \"HypernetworkLoader\", \"inputs\": {\"model\": [\"4\", 0],"
                + " \"hypernetwork_name\": \"noodle-demo-hypernetwork.pt\", \"strength\": " + strength + "}}";
    }

    @Test
    void theHypernetworkLoaderReportsTheLayersItPatched() {
        List<RunEvent> events = new ArrayList<>();
        RunResult r = run(hypernetwork("10", 0.7) + ", " + hypernetwork("11", 0.0), events);
        // the demo hypernetwork has modules for width 64: every cross-attention (the demo text width is 64) and
        // the self-attentions of the 64-channel blocks, counted here from the to_k weights [out, in]
        var w = ((ModelValue) out(r, "4", 0)).unet().weights();
        long cross = w.keys().stream().filter(k -> k.endsWith(".attn2.to_k.weight")).count();
        long self64 = w.keys().stream().filter(k -> k.endsWith(".attn1.to_k.weight"))
                .filter(k -> w.get(k).getShape().get(1) == 64).count();
        assertTrue(cross > 0 && self64 > 0, cross + " cross, " + self64 + " self");
        assertEquals(List.of("hypernetwork 'noodle-demo-hypernetwork' applied at strength 0.7: " + (cross + self64)
                + " attention layers patched"), messages(events, "10", MessageLevel.INFO));
        assertEquals(List.of("hypernetwork 'noodle-demo-hypernetwork' applied at strength 0.0: 0 attention layers"
                + " patched"), messages(events, "11", MessageLevel.INFO));
        assertEquals(List.of(), messages(events, "10", MessageLevel.WARNING));
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

    static final String CLIP_KEY = "encoder.layers.0.self_attn.q_proj.weight";

    static float[] clipWeight(Object clip) {
        return ((dev.noodle.nodes.values.ClipValue) clip).clip().parameter(CLIP_KEY).toFloatArray();
    }

    /** A weight the demo LoRA does not touch (so it is the same in every input). */
    static float[] untouched(Object model) {
        return ((ModelValue) model).unet().weights().get("out.2.weight").toFloatArray();
    }

    static float[] combine(float[] a, float[] b, float[] c, java.util.function.DoubleBinaryOperator ab, double m) {
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = (float) (c == null ? ab.applyAsDouble(a[i], b[i]) : a[i] + m * ((double) b[i] - c[i]));
        }
        return out;
    }

    static void assertDiffers(float[] a, float[] b) {
        double diff = 0;
        for (int i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
        }
        assertTrue(diff > 1e-3, "inputs must differ for the comparison to mean something: " + diff);
    }

    /** Inputs: "4" the checkpoint, "10" with the demo LoRA at 1.0, "14" with it at −0.6 (all UNet and CLIP). */
    static final String MERGE_INPUTS = lora("10", "4", 1, 1) + ", " + lora("14", "4", -0.6, -0.6);

    @Test
    void modelMergeSubtractAndAddAsComfyUi() {
        // ComfyUI: Subtract = model1 + patches of model2 at −m with model1 scaled by m → (model1 − model2)·m;
        // Add = model1 + model2
        RunResult r = run(MERGE_INPUTS + ", \"20\": {\"type\": \"ModelMergeSubtract\", \"inputs\": {\"model1\":"
                + " [\"10\", 0], \"model2\": [\"14\", 0], \"multiplier\": 0.7}}, \"21\": {\"type\":"
                + " \"ModelMergeAdd\", \"inputs\": {\"model1\": [\"4\", 0], \"model2\": [\"20\", 0]}}");
        float[] a = weight(out(r, "10", 0));
        float[] b = weight(out(r, "14", 0));
        float[] base = weight(out(r, "4", 0));
        assertDiffers(a, b);
        float[] diff = weight(out(r, "20", 0));
        assertClose(combine(a, b, null, (x, y) -> (x - y) * 0.7, 0), diff, 1e-6);
        assertClose(combine(base, diff, null, (x, y) -> x + y, 0), weight(out(r, "21", 0)), 1e-6);
        // a weight equal in both inputs: its difference is zero, and adding it gives the base back
        float[] same = untouched(out(r, "4", 0));
        assertArrayEquals(new float[same.length], untouched(out(r, "20", 0)));
        assertArrayEquals(same, untouched(out(r, "21", 0)));
        // the inputs are not modified
        assertArrayEquals(a, weight(out(r, "10", 0)));
        assertArrayEquals(base, weight(out(run(lora("10", "4", 0, 0)), "4", 0)));
    }

    @Test
    void clipMergeSimpleRatioWeighsClip1() {
        RunResult r = run(MERGE_INPUTS + ", \"20\": {\"type\": \"CLIPMergeSimple\", \"inputs\": {\"clip1\":"
                + " [\"10\", 1], \"clip2\": [\"14\", 1], \"ratio\": 0.3}}");
        float[] c1 = clipWeight(out(r, "10", 1));
        float[] c2 = clipWeight(out(r, "14", 1));
        assertDiffers(c1, c2);
        // ComfyUI: clip1 cloned, clip2's weights added at 1 − ratio with clip1 scaled by ratio
        assertClose(combine(c1, c2, null, (x, y) -> x * 0.3 + y * 0.7, 0), clipWeight(out(r, "20", 0)), 1e-6);
        // the merged CLIP encodes differently from both inputs
        RunResult e = run(MERGE_INPUTS + ", \"20\": {\"type\": \"CLIPMergeSimple\", \"inputs\": {\"clip1\":"
                + " [\"10\", 1], \"clip2\": [\"14\", 1], \"ratio\": 0.3}}, \"21\": {\"type\": \"CLIPTextEncode\","
                + " \"inputs\": {\"text\": \"a cat\", \"clip\": [\"20\", 0]}}, \"22\": {\"type\": \"CLIPTextEncode\","
                + " \"inputs\": {\"text\": \"a cat\", \"clip\": [\"10\", 1]}}");
        assertDiffers(context(out(e, "21", 0)), context(out(e, "22", 0)));
    }

    static String merger(String id, String method, double m, boolean withC) {
        return "\"" + id + "\": {\"type\": \"NoodleCheckpointMerger\", \"inputs\": {\"model_a\": [\"4\", 0],"
                + " \"clip_a\": [\"4\", 1], \"model_b\": [\"10\", 0], \"clip_b\": [\"10\", 1], \"interp_method\": \""
                + method + "\", \"multiplier\": " + m
                + (withC ? ", \"model_c\": [\"14\", 0], \"clip_c\": [\"14\", 1]" : "") + "}}";
    }

    @Test
    void checkpointMergerAddDifference() {
        RunResult r = run(MERGE_INPUTS + ", " + merger("20", "add_difference", 0.4, true));
        float[] a = weight(out(r, "4", 0));
        float[] b = weight(out(r, "10", 0));
        float[] c = weight(out(r, "14", 0));
        assertDiffers(b, c);
        // A1111: A + M·(B − C)
        assertClose(combine(a, b, c, null, 0.4), weight(out(r, "20", 0)), 1e-6);
        float[] ca = clipWeight(out(r, "4", 1));
        float[] cb = clipWeight(out(r, "10", 1));
        float[] cc = clipWeight(out(r, "14", 1));
        assertDiffers(cb, cc);
        assertClose(combine(ca, cb, cc, null, 0.4), clipWeight(out(r, "20", 1)), 1e-6);
    }

    @Test
    void addDifferenceWithoutModelCIsAClearError() {
        List<RunEvent> events = new ArrayList<>();
        RunResult r = runRaw(MERGE_INPUTS + ", " + merger("20", "add_difference", 0.4, false), events);
        assertEquals(RunResult.Status.FAILED, r.status(), r.message());
        assertEquals("20", r.failedNode());
        assertTrue(r.message().contains("add_difference needs model_c and clip_c"), r.message());
        assertTrue(events.stream().anyMatch(e -> e instanceof RunEvent.NodeFailed f && f.nodeId().equals("20")
                && f.message().contains("model_c")), events.toString());
    }

    @Test
    void clipSkipOneEqualsLastLayer() {
        RunResult r = run("\"10\": {\"type\": \"CLIPSetLastLayer\", \"inputs\": {\"clip\": [\"4\", 1],"
                + " \"stop_at_clip_layer\": -1}}, \"11\": {\"type\": \"CLIPTextEncode\", \"inputs\": {\"text\": \"a cat\","
                + " \"clip\": [\"10\", 0]}}, \"12\": {\"type\": \"NoodleCLIPTextEncodeClipSkip\", \"inputs\": {\"text\":"
                + " \"a cat\", \"clip\": [\"4\", 1], \"clip_skip\": 1}}, \"13\": {\"type\": \"CLIPTextEncode\","
                + " \"inputs\": {\"text\": \"a cat\", \"clip\": [\"4\", 1]}}, \"14\": {\"type\":"
                + " \"NoodleCLIPTextEncodeClipSkip\", \"inputs\": {\"text\": \"a cat\", \"clip\": [\"4\", 1],"
                + " \"clip_skip\": 2}}");
        float[] plain = context(out(r, "13", 0));
        assertArrayEquals(plain, context(out(r, "11", 0)), "CLIPSetLastLayer −1 = no clip skip");
        assertArrayEquals(plain, context(out(r, "12", 0)), "clip_skip 1 = no clip skip");
        // and the comparison can fail: clip skip 2 gives other numbers
        float[] skip2 = context(out(r, "14", 0));
        assertEquals(plain.length, skip2.length);
        double diff = 0;
        for (int i = 0; i < plain.length; i++) {
            diff = Math.max(diff, Math.abs(plain[i] - skip2[i]));
        }
        assertTrue(diff > 1e-3, "clip skip 2 differs: " + diff);
    }

    static float[] context(Object conditioning) {
        return ((ConditioningValue) conditioning).entries().get(0).context().data();
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
