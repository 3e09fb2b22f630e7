package dev.noodle.nodes;

import dev.noodle.nodes.host.DemoAddons;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import dev.noodle.nodes.latent.InpaintNodes;
import dev.noodle.nodes.sampling.InpaintExtras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noodle.engine.io.SafetensorsFile;
import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.engine.model.DemoCheckpoint;
import dev.noodle.engine.model.ModelFamily;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunListener;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.nodes.values.ConditioningValue;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.ImageValue;
import dev.noodle.nodes.values.LatentValue;
import dev.noodle.nodes.values.ModelValue;
import dev.noodle.nodes.values.VaeValue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** VAELoader on a legacy .ckpt written by torch, and a 9-channel inpainting UNet made from the demo checkpoint. */
class AddonFilesTest {
    static final String INPAINT_CKPT = "demo-inpaint-9ch.safetensors";

    @TempDir
    static Path tmp;

    static NoodleNodes nodes;
    static GraphExecutor executor;

    @BeforeAll
    static void setUp() throws Exception {
        Path models = tmp.resolve("models");
        DemoAddons.ensure(models);
        Files.createDirectories(models.resolve("vae"));
        Files.copy(DemoFilesTest.DIR.resolve("vae_tiny.ckpt"), models.resolve("vae/vae_tiny.ckpt"));
        nineChannelCheckpoint(models.resolve("checkpoints/" + DemoCheckpoint.FILE_NAME),
                models.resolve("checkpoints/" + INPAINT_CKPT));
        nodes = NoodleNodes.create(NodeEnvironment.of(models, tmp.resolve("out")));
        executor = new GraphExecutor(nodes.registry(), new ResultCache(1L << 30), nodes.services());
    }

    @AfterAll
    static void tearDown() {
        nodes.close();
    }

    /** The demo checkpoint with a UNet taking 9 input channels: the 4 latent ones kept, 5 new random ones. */
    static void nineChannelCheckpoint(Path demo, Path out) throws Exception {
        SafetensorsWriter w = new SafetensorsWriter();
        try (SafetensorsFile f = SafetensorsFile.open(demo)) {
            f.metadata().forEach(w::metadata);
            for (String k : f.keys()) {
                float[] v = f.loadFloats(k);
                long[] s = f.info(k).shape();
                if (k.equals("model.diffusion_model.input_blocks.0.0.weight")) { // [C, 4, 3, 3] → [C, 9, 3, 3]
                    SplittableRandom r = new SplittableRandom(9);
                    float[] wide = new float[(int) s[0] * 9 * 9];
                    for (int o = 0; o < s[0]; o++) {
                        for (int i = 0; i < 9; i++) {
                            for (int p = 0; p < 9; p++) {
                                wide[(o * 9 + i) * 9 + p] = i < 4 ? v[(o * 4 + i) * 9 + p]
                                        : (float) r.nextDouble(-0.3, 0.3);
                            }
                        }
                    }
                    w.addF32(k, new long[] {s[0], 9, 3, 3}, wide);
                } else {
                    w.addF32(k, s, v);
                }
            }
        }
        w.write(out);
    }

    static RunResult run(String body) {
        var wf = WorkflowJson.parse("{\"format\": 1, \"name\": \"t\", \"nodes\": {" + body + "}}", "test",
                nodes.registry());
        RunResult r = executor.run(wf, new RunOptions(Set.copyOf(wf.nodes().keySet()), "t"), RunListener.none(),
                new CancellationToken());
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
        return r;
    }

    @Test
    void vaeLoaderReadsATorchCkptWithTheSameWeights() throws Exception {
        RunResult r = run("\"1\": {\"type\": \"VAELoader\", \"inputs\": {\"vae_name\": \"vae_tiny.ckpt\"}},"
                + " \"2\": {\"type\": \"EmptyLatentImage\", \"inputs\": {\"width\": 64, \"height\": 64, \"batch_size\": 1}},"
                + " \"3\": {\"type\": \"VAEDecode\", \"inputs\": {\"samples\": [\"2\", 0], \"vae\": [\"1\", 0]}}");
        VaeValue vae = (VaeValue) r.outputs().get("1").value(0);
        JsonNode exp = new ObjectMapper().readTree(DemoFilesTest.DIR.resolve("vae_tiny.expected.json").toFile());
        assertEquals(exp.size(), vae.autoencoderKL("test").parameterKeys().size(), "every autoencoder weight, loss.* ignored");
        for (Iterator<Map.Entry<String, JsonNode>> it = exp.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            float[] got = vae.autoencoderKL("test").parameter(e.getKey()).toFloatArray();
            double sum = 0;
            for (float v : got) {
                sum += v;
            }
            assertEquals(e.getValue().get("sum").asDouble(), sum, 1e-3, e.getKey());
            for (int i = 0; i < e.getValue().get("first").size(); i++) {
                assertEquals(e.getValue().get("first").get(i).asDouble(), got[i], 1e-6, e.getKey()); // F16 → F32 exact
            }
        }
        ImageValue img = (ImageValue) r.outputs().get("3").value(0);
        assertEquals(16, img.height(), "two levels: the latent's 8 cells become 16 pixels"); // ch_mult (1, 1)
    }

    /** Inpaint conditioning + sampler on the 9-channel model, with the given mask image and noise_mask off. */
    static String inpaint(String image) {
        return "\"4\": {\"type\": \"CheckpointLoaderSimple\", \"inputs\": {\"ckpt_name\": \"" + INPAINT_CKPT + "\"}},"
                + " \"20\": {\"type\": \"LoadImage\", \"inputs\": {\"image\": \"" + image + "\"}},"
                + " \"6\": {\"type\": \"CLIPTextEncode\", \"inputs\": {\"text\": \"a red balloon\", \"clip\": [\"4\", 1]}},"
                + " \"7\": {\"type\": \"CLIPTextEncode\", \"inputs\": {\"text\": \"\", \"clip\": [\"4\", 1]}},"
                + " \"21\": {\"type\": \"InpaintModelConditioning\", \"inputs\": {\"positive\": [\"6\", 0], \"negative\":"
                + " [\"7\", 0], \"vae\": [\"4\", 2], \"pixels\": [\"20\", 0], \"mask\": [\"20\", 1], \"noise_mask\": false}},"
                + " \"3\": {\"type\": \"KSampler\", \"inputs\": {\"seed\": 3, \"steps\": 2, \"cfg\": 5.0, \"sampler_name\":"
                + " \"euler\", \"scheduler\": \"normal\", \"positive\": [\"21\", 0], \"negative\": [\"21\", 1],"
                + " \"latent_image\": [\"21\", 2], \"denoise\": 1.0, \"model\": [\"4\", 0]}}";
    }

    static void writeImage(String name, boolean hole) throws Exception {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(64, 64,
                java.awt.image.BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                img.setRGB(x, y, (hole && x >= 32 ? 0 : 0xFF000000) | (x * 4 << 16) | (y * 4 << 8) | 0x30);
            }
        }
        Path input = nodes.environment().inputDir();
        Files.createDirectories(input);
        javax.imageio.ImageIO.write(img, "png", input.resolve(name).toFile());
    }

    @Test
    void nineChannelUNetSeesMaskAndMaskedImage() throws Exception {
        writeImage("hole.png", true);
        writeImage("whole.png", false);
        RunResult masked = run(inpaint("hole.png"));
        RunResult unmasked = run(inpaint("whole.png"));
        ModelValue model = (ModelValue) masked.outputs().get("4").value(0);
        assertEquals(ModelFamily.SD1_INPAINT, model.family());
        assertEquals(9, model.unet().config().inChannels());

        // the extra channels, as ComfyUI's concat_cond: [round(bilinear mask), masked-image latent × 0.18215]
        ConditioningValue pos = (ConditioningValue) masked.outputs().get("21").value(0);
        LatentValue latent = (LatentValue) masked.outputs().get("21").value(2);
        HeapTensor concat = pos.entries().get(0).extras().get(InpaintNodes.CONCAT_LATENT); // [1, 4, 8, 8]
        float[] expected = new float[5 * 64];
        for (int p = 0; p < 64; p++) {
            expected[p] = p % 8 >= 4 ? 1f : 0f; // right half of the image is transparent
            for (int k = 0; k < 4; k++) {
                expected[(1 + k) * 64 + p] = concat.data()[k * 64 + p] * 0.18215f;
            }
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = latent.samples().toNd(m);
            float[] got = InpaintExtras.of(pos, latent, model.latentScale()).channels(x, null, m).toFloatArray();
            AddonNodesTest.assertClose(expected, got, 1e-6);
        }

        // the same latent (no noise mask) and noise: only the extra channels differ between the two runs
        float[] a = ((LatentValue) masked.outputs().get("3").value(0)).samples().data();
        float[] b = ((LatentValue) unmasked.outputs().get("3").value(0)).samples().data();
        double diff = 0;
        for (int i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
        }
        assertTrue(diff > 1e-3, "the mask and masked image reach the UNet: " + diff);
        assertArrayEquals(a, ((LatentValue) run(inpaint("hole.png")).outputs().get("3").value(0)).samples().data());
    }
}
