package dev.noodle.nodes;

import static dev.noodle.nodes.ControlNetPipelineTest.maxAbs;
import static dev.noodle.nodes.ControlNetPipelineTest.maxDiff;
import static dev.noodle.nodes.CustomSamplerNodesTest.link;
import static dev.noodle.nodes.CustomSamplerNodesTest.node;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.noodle.engine.gligen.GligenWriter;
import dev.noodle.engine.gligen.GroundedPhrase;
import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.engine.model.DemoCheckpoint;
import dev.noodle.engine.sampling.KSamplerSigmas;
import dev.noodle.engine.sampling.ModelSampling;
import dev.noodle.engine.sampling.SamplerKind;
import dev.noodle.engine.sampling.Scheduler;
import dev.noodle.engine.unet.UNetPatchSource;
import dev.noodle.engine.unet.UNetPatches;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import dev.noodle.nodes.values.ConditioningValue;
import dev.noodle.nodes.values.GligenApplication;
import dev.noodle.nodes.values.LatentValue;
import dev.noodle.nodes.values.ModelValue;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GLIGEN end to end on the demo checkpoint with a random-weight GLIGEN file in the real layout: a KSampler step
 * with a text box equals the UNet with the fusers run by hand on both prompts (the positive's boxes reach the
 * negative, as ComfyUI's apply_empty_x_to_equal_area), a box changes the picture and moving it changes it again,
 * zero gates leave the plain step, and chained boxes add up with the phrase encoded as the CLIP's pooled output.
 */
class GligenPipelineTest {
    @TempDir
    static Path tmp;

    static NoodleNodes nodes;
    static GraphExecutor executor;

    @BeforeAll
    static void setUp() throws Exception {
        Path models = tmp.resolve("models");
        Path gligen = GligenWriter.write(models.resolve("gligen").resolve("tiny-gligen.safetensors"),
                DemoCheckpoint.unetConfig(), DemoCheckpoint.clipConfig().width(), GligenWriter.SD1_TOKEN_DIM);
        // the same file with both gates of every fuser at 0: tanh(0) = 0, so it must change nothing
        try (ModelFile f = ModelFiles.open(gligen)) {
            SafetensorsWriter w = new SafetensorsWriter();
            for (String k : new java.util.TreeSet<>(f.keys())) {
                boolean gate = k.endsWith("alpha_attn") || k.endsWith("alpha_dense");
                w.addF16(k, f.info(k).shape(), gate ? new float[1] : f.loadFloats(k));
            }
            w.write(models.resolve("gligen").resolve("closed-gates.safetensors"));
        }
        nodes = NoodleNodes.create(NodeEnvironment.of(models, tmp.resolve("out")));
        java.nio.file.Files.createDirectories(nodes.environment().inputDir());
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(64, 64,
                java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                img.setRGB(x, y, ((x * 37 + y * 11) % 256) << 16 | ((x * 5 + y * 23) % 256) << 8 | ((x ^ y) * 9) % 256);
            }
        }
        javax.imageio.ImageIO.write(img, "png", nodes.environment().inputDir().resolve("init.png").toFile());
        executor = new GraphExecutor(nodes.registry(), new ResultCache(1L << 30), nodes.services());
    }

    @AfterAll
    static void tearDown() {
        nodes.close();
    }

    static final double CFG = 5.0;

    static String graph(String gligenFile, String body) {
        return node("4", "CheckpointLoaderSimple", "ckpt_name", DemoCheckpoint.FILE_NAME)
                + "," + node("6", "CLIPTextEncode", "text", "a bottle on a table by the sea", "clip", link("4", 1))
                + "," + node("7", "CLIPTextEncode", "text", "blurry", "clip", link("4", 1))
                + "," + node("8", "CLIPTextEncode", "text", "bottle", "clip", link("4", 1))
                + "," + node("9", "LoadImage", "image", "init.png")
                + "," + node("5", "VAEEncode", "pixels", link("9", 0), "vae", link("4", 2))
                + "," + node("10", "GLIGENLoader", "gligen_name", gligenFile)
                + "," + body;
    }

    static String box(String id, Object cond, String text, int w, int h, int x, int y) {
        return node(id, "GLIGENTextBoxApply", "conditioning_to", cond, "clip", link("4", 1), "gligen_textbox_model",
                link("10", 0), "text", text, "width", w, "height", h, "x", x, "y", y);
    }

    /** One euler step from σ_max without added noise: the output latent is the step's denoised estimate. */
    static String sampler(String id, Object positive, Object negative) {
        return node(id, "KSamplerAdvanced", "model", link("4", 0), "add_noise", "disable", "noise_seed", 1,
                "steps", 1, "cfg", CFG, "sampler_name", "euler", "scheduler", "normal", "positive", positive,
                "negative", negative, "latent_image", link("5", 0), "start_at_step", 0, "end_at_step", 10000,
                "return_with_leftover_noise", "disable");
    }

    static RunResult run(String json) {
        var wf = WorkflowJson.parse("{\"format\": 1, \"name\": \"t\", \"nodes\": {" + json + "}}", "test",
                nodes.registry());
        RunResult r = executor.run(wf, new RunOptions(Set.copyOf(wf.nodes().keySet()), "t"), e -> { },
                new CancellationToken());
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
        return r;
    }

    static Object out(RunResult r, String node, int i) {
        return r.outputs().get(node).value(i);
    }

    static float[] latent(RunResult r, String node) {
        return ((LatentValue) out(r, node, 0)).samples().data();
    }

    /**
     * The step by hand: ε = UNetModel.forward(c_in·x, t, context, patches) for each prompt, the
     * patches those of {@code positiveBoxes} / {@code negativeBoxes} (null = none), denoised = x − σ·ε, CFG.
     */
    static float[] byHand(ModelValue model, ConditioningValue pos, ConditioningValue neg, LatentValue latent,
            GligenApplication positiveBoxes, GligenApplication negativeBoxes) {
        ModelSampling ms = model.sampling();
        float sigma = KSamplerSigmas.forSteps(ms, Scheduler.NORMAL, SamplerKind.EULER, 1, 1.0)[0];
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = latent.samples().toNd(m).mul(model.latentScale()); // [1, 4, 8, 8]
            NDArray xin = ms.calculateInput(x, sigma);
            NDArray t = m.create(new float[] {ms.timestep(sigma)});
            NDArray[] den = new NDArray[2];
            ConditioningValue[] conds = {pos, neg};
            GligenApplication[] boxes = {positiveBoxes, negativeBoxes};
            for (int k = 0; k < 2; k++) {
                NDArray ctx = conds[k].entries().get(0).context().toNd(m);
                UNetPatches patches = UNetPatches.NONE;
                if (boxes[k] != null) {
                    UNetPatchSource s = boxes[k].source(model);
                    patches = s.prepare(new UNetPatchSource.Call(xin, new float[] {ms.timestep(sigma)}, sigma, ctx,
                            null, new int[] {k}), m);
                }
                NDArray eps = model.unet().forward(xin, t, ctx, null, patches);
                den[k] = ms.calculateDenoised(sigma, eps, x);
            }
            NDArray cfg = den[1].add(den[0].sub(den[1]).mul((float) CFG));
            return cfg.div(model.latentScale()).toFloatArray();
        }
    }

    @Test
    void aStepWithTextBoxesIsTheUNetWithTheFusersOnBothPrompts() {
        RunResult r = run(graph("tiny-gligen.safetensors", box("21", link("6", 0), "bottle", 24, 40, 8, 16)
                + "," + box("22", link("21", 0), "sea", 64, 16, 0, 48)
                + "," + sampler("3", link("22", 0), link("7", 0))
                + "," + sampler("30", link("6", 0), link("7", 0))));
        ModelValue model = assertInstanceOf(ModelValue.class, out(r, "4", 0));
        ConditioningValue pos = (ConditioningValue) out(r, "6", 0);
        ConditioningValue neg = (ConditioningValue) out(r, "7", 0);
        LatentValue init = (LatentValue) out(r, "5", 0);
        GligenApplication boxes = GligenApplication.of(((ConditioningValue) out(r, "22", 0)).entries().get(0));
        assertNotNull(boxes);
        assertEquals(2, boxes.phrases().size(), "chained boxes add up");
        // the first phrase: "bottle"'s pooled CLIP output, its box in latent cells (pixels / 8)
        GroundedPhrase first = boxes.phrases().get(0);
        assertArrayEquals(((ConditioningValue) out(r, "8", 0)).entries().get(0).pooled().data(), first.embedding(),
                0f);
        assertEquals(List.of(1, 2, 3, 5), List.of(first.x(), first.y(), first.width(), first.height()));
        float[] got = latent(r, "3");
        float[] plain = latent(r, "30");
        float[] both = byHand(model, pos, neg, init, boxes, boxes);
        float[] positiveOnly = byHand(model, pos, neg, init, boxes, null);
        double scale = maxAbs(both);
        double err = maxDiff(both, got);
        System.out.println("GLIGEN step vs UNet with the fusers by hand: max abs error " + err + " of " + scale);
        assertTrue(err <= 1e-4 * scale, "max abs error " + err + " of " + scale);
        assertTrue(maxDiff(positiveOnly, got) > 100 * err, "the negative gets the positive's boxes");
        double effect = maxDiff(plain, got);
        assertTrue(effect > 100 * err && effect > 1e-3 * scale, "the boxes change the step: " + effect);
        assertTrue(maxDiff(byHand(model, pos, neg, init, null, null), plain) <= 1e-4 * scale, "and without, plain");
    }

    @Test
    void movingTheBoxChangesThePictureAndClosedGatesChangeNothing() {
        RunResult r = run(graph("tiny-gligen.safetensors", box("21", link("6", 0), "bottle", 24, 40, 8, 16)
                + "," + box("23", link("6", 0), "bottle", 24, 40, 32, 16)
                + "," + sampler("3", link("21", 0), link("7", 0))
                + "," + sampler("31", link("23", 0), link("7", 0))
                + "," + sampler("30", link("6", 0), link("7", 0))
                + "," + node("11", "GLIGENLoader", "gligen_name", "closed-gates.safetensors")
                + "," + node("24", "GLIGENTextBoxApply", "conditioning_to", link("6", 0), "clip", link("4", 1),
                        "gligen_textbox_model", link("11", 0), "text", "bottle", "width", 24, "height", 40,
                        "x", 8, "y", 16)
                + "," + sampler("32", link("24", 0), link("7", 0))));
        float[] a = latent(r, "3");
        float[] moved = latent(r, "31");
        float[] plain = latent(r, "30");
        double scale = maxAbs(plain);
        assertTrue(maxDiff(a, moved) > 1e-3 * scale, "another place, another picture: " + maxDiff(a, moved));
        assertArrayEquals(plain, latent(r, "32"), 1e-6f * (float) scale);
    }

    @Test
    void thePositivesBoxesGoToANegativeWithoutAnyOnce() {
        RunResult r = run(graph("tiny-gligen.safetensors", box("21", link("6", 0), "bottle", 24, 40, 8, 16)
                + "," + box("22", link("7", 0), "blur", 8, 8, 0, 0)));
        ConditioningValue pos = (ConditioningValue) out(r, "21", 0);
        ConditioningValue plainNeg = (ConditioningValue) out(r, "7", 0);
        ConditioningValue ownNeg = (ConditioningValue) out(r, "22", 0);
        ConditioningValue shared = GligenApplication.sharedWithNegative(pos, plainNeg);
        assertSame(GligenApplication.of(pos.entries().get(0)), GligenApplication.of(shared.entries().get(0)));
        assertSame(ownNeg, GligenApplication.sharedWithNegative(pos, ownNeg), "a negative with boxes keeps them");
        ConditioningValue areaNeg = new ConditioningValue(List.of(plainNeg.entries().get(0)
                .withArea(new dev.noodle.engine.diffusion.LatentArea(0, 0, 4, 4), 1f)));
        assertSame(areaNeg, GligenApplication.sharedWithNegative(pos, areaNeg), "an area entry gets none");
        List<GroundedPhrase> many = new ArrayList<>();
        for (int i = 0; i < 31; i++) {
            many.add(new GroundedPhrase(new float[] {1}, 0, 0, 1, 1));
        }
        GligenApplication one = GligenApplication.of(pos.entries().get(0));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new GligenApplication(one.gligen(), many));
        assertTrue(e.getMessage().contains("at most 30"), e.getMessage());
    }
}
