package dev.noodle.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.engine.io.DType;
import dev.noodle.engine.io.SafetensorsFile;
import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.engine.model.TinyCheckpoints;
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
import dev.noodle.nodes.values.ModelRecipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The recipe travels with a saved merge: the sources' names and SHA-256 (hashed here with {@link MessageDigest},
 * independently of Noodle's hash cache), the merge node and its ratios per block read back from the file's
 * metadata. The merges mix precisions (the demo checkpoint in float32 with a float16 copy of it scaled by −1.5), and
 * the merged weights are checked against the blend restated here in plain float arithmetic from the two files'
 * values; models of different families are refused with both files named.
 */
class MergeRecipeTest {
    @TempDir
    static Path tmp;

    static NoodleNodes nodes;
    static Path models;
    static final String DEMO = "noodle-demo-tiny-sd15.safetensors";
    static final String HALF = "half-sd15.safetensors";
    static final String XL = "tiny-sdxl.safetensors";

    @BeforeAll
    static void setUp() throws Exception {
        models = tmp.resolve("models");
        DemoAddons.ensure(models);
        TinyCheckpoints.write(models.resolve("checkpoints/" + XL), TinyCheckpoints.Kind.SDXL);
        // a float16 SD 1.5 checkpoint: the demo's UNet ×(−1.5) in half precision, its CLIP and VAE as they are
        try (SafetensorsFile demo = SafetensorsFile.open(models.resolve("checkpoints/" + DEMO))) {
            SafetensorsWriter w = new SafetensorsWriter();
            demo.metadata().forEach(w::metadata);
            for (String k : demo.keys()) {
                float[] v = demo.loadFloats(k);
                long[] shape = demo.info(k).shape();
                if (k.startsWith("model.diffusion_model.")) {
                    for (int i = 0; i < v.length; i++) {
                        v[i] *= -1.5f;
                    }
                    w.addF16(k, shape, v);
                } else {
                    w.addF32(k, shape, v);
                }
            }
            w.write(models.resolve("checkpoints/" + HALF));
        }
        nodes = NoodleNodes.create(NodeEnvironment.of(models, models));
    }

    @AfterAll
    static void tearDown() {
        nodes.close();
    }

    static RunResult run(String body) {
        var wf = WorkflowJson.parse("{\"format\": 1, \"name\": \"t\", \"nodes\": {" + body + "}}", "test",
                nodes.registry());
        GraphExecutor executor = new GraphExecutor(nodes.registry(), new ResultCache(1L << 30), nodes.services());
        return executor.run(wf, new RunOptions(Set.copyOf(wf.nodes().keySet()), "recipe-test"), RunListener.none(),
                new CancellationToken());
    }

    static String loader(String id, String ckpt) {
        return "\"" + id + "\": {\"type\": \"CheckpointLoaderSimple\", \"inputs\": {\"ckpt_name\": \"" + ckpt + "\"}}";
    }

    static String sha256(String ckpt) throws Exception {
        byte[] d = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(models.resolve("checkpoints/" + ckpt)));
        return HexFormat.of().formatHex(d);
    }

    /** ComfyUI's ModelMergeBlocks rule restated: the longest block name prefixing the key, else the first ratio. */
    static float blockRatio(String key, Map<String, Float> ratios) {
        float r = ratios.values().iterator().next();
        int best = 0;
        for (var e : ratios.entrySet()) {
            if (key.startsWith(e.getKey()) && e.getKey().length() > best) {
                r = e.getValue();
                best = e.getKey().length();
            }
        }
        return r;
    }

    @Test
    void blockMergeOfMixedPrecisionsSavesItsRecipeAndTheBlend() throws Exception {
        RunResult r = run(loader("4", DEMO) + ", " + loader("5", HALF)
                + ", \"10\": {\"type\": \"ModelMergeBlocks\", \"inputs\": {\"model1\": [\"4\", 0], \"model2\": [\"5\", 0],"
                + " \"input\": 0.3, \"middle\": 0.5, \"out\": 0.8}},"
                + " \"11\": {\"type\": \"CLIPMergeSimple\", \"inputs\": {\"clip1\": [\"4\", 1], \"clip2\": [\"5\", 1],"
                + " \"ratio\": 0.25}},"
                + " \"20\": {\"type\": \"CheckpointSave\", \"inputs\": {\"model\": [\"10\", 0], \"clip\": [\"11\", 0],"
                + " \"vae\": [\"4\", 2], \"filename_prefix\": \"checkpoints/merged\"}}");
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
        Path saved = models.resolve("checkpoints/merged_00001_.safetensors");
        Map<String, Float> ratios = new LinkedHashMap<>();
        ratios.put("input", 0.3f);
        ratios.put("middle", 0.5f);
        ratios.put("out", 0.8f);
        try (SafetensorsFile f = SafetensorsFile.open(saved);
                SafetensorsFile a = SafetensorsFile.open(models.resolve("checkpoints/" + DEMO));
                SafetensorsFile b = SafetensorsFile.open(models.resolve("checkpoints/" + HALF))) {
            Map<String, String> meta = f.metadata();
            ModelRecipe sources = ModelRecipe.merge("ModelMergeBlocks",
                    Map.of("input", 0.3, "middle", 0.5, "out", 0.8), List.of(
                            new ModelRecipe(DEMO, sha256(DEMO), null, null, Map.of(), List.of()),
                            new ModelRecipe(HALF, sha256(HALF), null, null, Map.of(), List.of())));
            ModelRecipe model = ModelRecipe.read(meta, "model").orElseThrow(() -> new AssertionError(meta));
            assertEquals(sources.inputs(), model.inputs(), "source names and SHA-256");
            assertEquals("ModelMergeBlocks", model.method());
            assertEquals(List.of("input", "middle", "out"), List.copyOf(model.ratios().keySet()), "in input order");
            assertEquals(sources.ratios(), model.ratios());
            ModelRecipe clip = ModelRecipe.read(meta, "clip").orElseThrow();
            assertEquals("CLIPMergeSimple", clip.method());
            assertEquals(Map.of("ratio", 0.25), clip.ratios());
            assertEquals(sources.inputs(), clip.inputs());
            assertTrue(meta.get("modelspec.description").contains(
                    "ModelMergeBlocks (input 0.3, middle 0.5, out 0.8) of " + DEMO + ", " + HALF),
                    meta.get("modelspec.description"));

            // fp32 model1 with fp16 model2: blended in float32, stored as model1's float32
            int checked = 0;
            for (String k : a.keys()) {
                if (!k.startsWith("model.diffusion_model.")) {
                    continue;
                }
                assertEquals(DType.F32, f.info(k).dtype(), k);
                assertEquals(DType.F16, b.info(k).dtype(), k);
                float ratio = blockRatio(k.substring("model.diffusion_model.".length()), ratios);
                float[] x = a.loadFloats(k);
                float[] y = b.loadFloats(k);
                float[] got = f.loadFloats(k);
                for (int i = 0; i < x.length; i++) {
                    float want = x[i] * ratio + y[i] * (1f - ratio);
                    assertEquals(want, got[i], 1e-6f * Math.max(1f, Math.abs(want)), k + "[" + i + "]");
                }
                checked++;
            }
            assertTrue(checked > 50, "every UNet weight checked: " + checked);
        }

        // the saved merge loads again, and merging it records it as a source with its own hash
        RunResult again = run(loader("4", "merged_00001_.safetensors") + ", " + loader("5", DEMO)
                + ", \"10\": {\"type\": \"ModelMergeSimple\", \"inputs\": {\"model1\": [\"4\", 0], \"model2\": [\"5\", 0],"
                + " \"ratio\": 0.5}},"
                + " \"20\": {\"type\": \"ModelSave\", \"inputs\": {\"model\": [\"10\", 0], \"filename_prefix\":"
                + " \"diffusion_models/remerged\"}}");
        assertEquals(RunResult.Status.SUCCESS, again.status(), again.message() + " " + again.errors());
        try (SafetensorsFile f = SafetensorsFile.open(models.resolve("diffusion_models/remerged_00001_.safetensors"))) {
            ModelRecipe m = ModelRecipe.read(f.metadata(), "model").orElseThrow();
            assertEquals("ModelMergeSimple", m.method());
            assertEquals(Map.of("ratio", 0.5), m.ratios());
            assertEquals("merged_00001_.safetensors", m.inputs().get(0).file());
            assertEquals(sha256("merged_00001_.safetensors"), m.inputs().get(0).sha256());
            assertEquals(sha256(DEMO), m.inputs().get(1).sha256());
        }
    }

    /** Text encoders, an empty 64² latent, 2 euler steps, decode and save, on the model and CLIP of node "m". */
    static String sampleAndSave(String prefix) {
        return ", \"6\": {\"type\": \"CLIPTextEncode\", \"inputs\": {\"text\": \"a lighthouse\", \"clip\": [\"c\", 0]}},"
                + " \"7\": {\"type\": \"CLIPTextEncode\", \"inputs\": {\"text\": \"\", \"clip\": [\"c\", 0]}},"
                + " \"5\": {\"type\": \"EmptyLatentImage\", \"inputs\": {\"width\": 64, \"height\": 64,"
                + " \"batch_size\": 1}},"
                + " \"3\": {\"type\": \"KSampler\", \"inputs\": {\"seed\": 3, \"steps\": 2, \"cfg\": 7.0,"
                + " \"sampler_name\": \"euler\", \"scheduler\": \"normal\", \"denoise\": 1.0, \"model\": [\"m\", 0],"
                + " \"positive\": [\"6\", 0], \"negative\": [\"7\", 0], \"latent_image\": [\"5\", 0]}},"
                + " \"8\": {\"type\": \"VAEDecode\", \"inputs\": {\"samples\": [\"3\", 0], \"vae\": [\"4\", 2]}},"
                + " \"9\": {\"type\": \"SaveImage\", \"inputs\": {\"images\": [\"8\", 0], \"filename_prefix\": \""
                + prefix + "\"}}";
    }

    static int[] pixels(RunResult r) throws Exception {
        Path png = (Path) ((List<?>) r.outputs().get("9").ui().get("images")).get(0);
        java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(png.toFile());
        return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
    }

    @Test
    void aSavedMergeDrawsTheImageOfTheMergeDoneInMemory() throws Exception {
        String merge = loader("4", DEMO) + ", " + loader("2", HALF)
                + ", \"m\": {\"type\": \"ModelMergeBlocks\", \"inputs\": {\"model1\": [\"4\", 0], \"model2\": [\"2\", 0],"
                + " \"input\": 0.3, \"middle\": 0.5, \"out\": 0.8}},"
                + " \"c\": {\"type\": \"CLIPMergeSimple\", \"inputs\": {\"clip1\": [\"4\", 1], \"clip2\": [\"2\", 1],"
                + " \"ratio\": 0.25}}";
        RunResult inMemory = run(merge + sampleAndSave("in-memory")
                + ", \"20\": {\"type\": \"CheckpointSave\", \"inputs\": {\"model\": [\"m\", 0], \"clip\": [\"c\", 0],"
                + " \"vae\": [\"4\", 2], \"filename_prefix\": \"checkpoints/inmem\"}}");
        assertEquals(RunResult.Status.SUCCESS, inMemory.status(), inMemory.message() + " " + inMemory.errors());
        // the saved file, loaded as any checkpoint, through the same sampling
        RunResult reopened = run(loader("4", "inmem_00001_.safetensors")
                + ", \"m\": {\"type\": \"ModelMergeSimple\", \"inputs\": {\"model1\": [\"4\", 0], \"model2\": [\"4\", 0],"
                + " \"ratio\": 1.0}}, \"c\": {\"type\": \"CLIPMergeSimple\", \"inputs\": {\"clip1\": [\"4\", 1],"
                + " \"clip2\": [\"4\", 1], \"ratio\": 1.0}}" + sampleAndSave("reopened"));
        assertEquals(RunResult.Status.SUCCESS, reopened.status(), reopened.message() + " " + reopened.errors());
        org.junit.jupiter.api.Assertions.assertArrayEquals(pixels(inMemory), pixels(reopened));
    }

    @Test
    void halfPrecisionModel1KeepsItsPrecision() throws Exception {
        RunResult r = run(loader("4", HALF) + ", " + loader("5", DEMO)
                + ", \"10\": {\"type\": \"ModelMergeSimple\", \"inputs\": {\"model1\": [\"4\", 0], \"model2\": [\"5\", 0],"
                + " \"ratio\": 0.25}},"
                + " \"20\": {\"type\": \"ModelSave\", \"inputs\": {\"model\": [\"10\", 0], \"filename_prefix\":"
                + " \"diffusion_models/half\"}}");
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
        try (SafetensorsFile f = SafetensorsFile.open(models.resolve("diffusion_models/half_00001_.safetensors"));
                SafetensorsFile a = SafetensorsFile.open(models.resolve("checkpoints/" + HALF));
                SafetensorsFile b = SafetensorsFile.open(models.resolve("checkpoints/" + DEMO))) {
            int differing = 0;
            for (String k : f.keys()) {
                assertEquals(DType.F16, f.info(k).dtype(), "stored as model1's float16: " + k);
                float[] x = a.loadFloats(k);
                float[] y = b.loadFloats(k);
                float[] got = f.loadFloats(k);
                for (int i = 0; i < x.length; i++) {
                    float want = Float.float16ToFloat(Float.floatToFloat16(x[i] * 0.25f + y[i] * 0.75f));
                    assertEquals(want, got[i], 0f, k + "[" + i + "]");
                    if (got[i] != x[i]) {
                        differing++;
                    }
                }
            }
            assertNotEquals(0, differing, "the merge changed the weights");
        }
    }

    @Test
    void differentFamiliesAreRefusedNamingBothFiles() {
        RunResult r = run(loader("4", DEMO) + ", " + loader("5", XL)
                + ", \"10\": {\"type\": \"ModelMergeSimple\", \"inputs\": {\"model1\": [\"4\", 0], \"model2\": [\"5\", 0],"
                + " \"ratio\": 0.5}}");
        assertNotEquals(RunResult.Status.SUCCESS, r.status());
        String text = r.message() + " " + r.errors();
        assertTrue(text.contains(DEMO) && text.contains(XL) && text.contains("different families"), text);

        RunResult c = run(loader("4", XL) + ", " + loader("5", DEMO)
                + ", \"11\": {\"type\": \"CLIPMergeSimple\", \"inputs\": {\"clip1\": [\"4\", 1], \"clip2\": [\"5\", 1],"
                + " \"ratio\": 0.5}}");
        assertNotEquals(RunResult.Status.SUCCESS, c.status());
        String ct = c.message() + " " + c.errors();
        assertTrue(ct.contains(DEMO) && ct.contains(XL), ct);
    }
}
