package dev.noodle.nodes;

import static dev.noodle.nodes.CustomSamplerNodesTest.link;
import static dev.noodle.nodes.CustomSamplerNodesTest.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.model.DemoCheckpoint;
import dev.noodle.engine.model.ModelFamily;
import dev.noodle.engine.sampling.KSamplerSigmas;
import dev.noodle.engine.sampling.ModelSampling;
import dev.noodle.engine.sampling.SamplerKind;
import dev.noodle.engine.sampling.Scheduler;
import dev.noodle.engine.unet.ControlResiduals;
import dev.noodle.engine.unet.UNetPatches;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunEvent;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.PortType;
import dev.noodle.nodes.conditioning.ToyControl;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NodeSupport;
import dev.noodle.nodes.host.NoodleNodes;
import dev.noodle.nodes.values.ConditioningValue;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.ImageValue;
import dev.noodle.nodes.values.LatentValue;
import dev.noodle.nodes.values.ModelValue;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Applied controls end to end on the demo checkpoint, with a toy control model shaped for the demo UNet whose
 * residuals are exact: a KSampler step's prediction is the UNet with exactly those residuals added at the skips
 * and the middle block (ComfyUI apply_control), the hint being the control image resized to the latent × 8; and
 * switching the control image re-runs only what depends on it.
 */
class ControlNetPipelineTest {
    @TempDir
    static Path tmp;

    static NoodleNodes nodes;
    static GraphExecutor executor;
    static final ToyControl TOY = ToyControl.forUNet(DemoCheckpoint.unetConfig(), ModelFamily.SD1);

    /** A CONTROL_NET source for tests: the toy, as a loader would give it. */
    static final class ToyControlLoader extends Node {
        ToyControlLoader() {
            super(NodeSupport.schema("TestToyControlNet", "Toy ControlNet", "testing",
                            "A toy control model with exact residuals.")
                    .output(PortType.CONTROL_NET, "CONTROL_NET"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            return NodeOutputs.of(TOY.value("toy-control.safetensors"));
        }
    }

    @BeforeAll
    static void setUp() throws Exception {
        nodes = NoodleNodes.create(NodeEnvironment.of(tmp.resolve("models"), tmp.resolve("out")));
        nodes.registry().register(new ToyControlLoader());
        executor = new GraphExecutor(nodes.registry(), new ResultCache(1L << 30), nodes.services());
        Path input = nodes.environment().inputDir();
        Files.createDirectories(input);
        writeImage(input.resolve("edges-a.png"), 56, 40, 1); // wider than the latent: cropped, then resized
        writeImage(input.resolve("edges-b.png"), 30, 50, 2);
        writeImage(input.resolve("init.png"), 64, 64, 3);
    }

    private static void writeImage(Path file, int w, int h, int seed) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = (x * 37 + y * 11 + seed * 50) % 256;
                int g = (x * 5 + y * 23 + seed * 90) % 256;
                int b = ((x ^ y) * 9 + seed * 30) % 256;
                img.setRGB(x, y, r << 16 | g << 8 | b);
            }
        }
        ImageIO.write(img, "png", file.toFile());
    }

    @AfterAll
    static void tearDown() {
        nodes.close();
    }

    static final double CFG = 4.0;

    /** Checkpoint, prompts, the init latent, the control image and the toy; then {@code body}. */
    static String graph(String controlImage, String body) {
        return node("4", "CheckpointLoaderSimple", "ckpt_name", DemoCheckpoint.FILE_NAME)
                + "," + node("6", "CLIPTextEncode", "text", "a house by a lake", "clip", link("4", 1))
                + "," + node("7", "CLIPTextEncode", "text", "blurry", "clip", link("4", 1))
                + "," + node("10", "LoadImage", "image", "init.png")
                + "," + node("11", "VAEEncode", "pixels", link("10", 0), "vae", link("4", 2))
                + "," + node("20", "LoadImage", "image", controlImage)
                + "," + node("21", "TestToyControlNet")
                + "," + body;
    }

    /** One euler step from σ_max without added noise: the output latent is the step's denoised estimate. */
    static String sampler(String id, Object positive, Object negative, long seed) {
        return node(id, "KSamplerAdvanced", "model", link("4", 0), "add_noise", "disable", "noise_seed", seed,
                "steps", 1, "cfg", CFG, "sampler_name", "euler", "scheduler", "normal", "positive", positive,
                "negative", negative, "latent_image", link("11", 0), "start_at_step", 0, "end_at_step", 10000,
                "return_with_leftover_noise", "disable");
    }

    static RunResult run(String json, List<RunEvent> events) {
        var wf = WorkflowJson.parse("{\"format\": 1, \"name\": \"t\", \"nodes\": {" + json + "}}", "test",
                nodes.registry());
        RunResult r = executor.run(wf, new RunOptions(Set.copyOf(wf.nodes().keySet()), "t"), events::add,
                new CancellationToken());
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
        return r;
    }

    static Object out(RunResult r, String node, int i) {
        return r.outputs().get(node).value(i);
    }

    static String advanced(double strength) {
        return node("22", "ControlNetApplyAdvanced", "positive", link("6", 0), "negative", link("7", 0),
                "control_net", link("21", 0), "image", link("20", 0), "strength", strength, "start_percent", 0.0,
                "end_percent", 1.0);
    }

    // [1, H, W, 3] → [1, 3, H, W]
    static HeapTensor channelsFirst(ImageValue img) {
        int h = img.height();
        int w = img.width();
        float[] d = img.pixels().data();
        float[] o = new float[d.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    o[(c * h + y) * w + x] = d[(y * w + x) * 3 + c];
                }
            }
        }
        return new HeapTensor(new long[] {1, 3, h, w}, o);
    }

    /**
     * The step by hand: x = the scaled latent, c_in·x and t from the schedule at σ_max, the toy's residuals ×
     * strength computed with loops from the hand-resized hint, ε = UNetModel.forward(…, patches) for each prompt,
     * denoised = x − σ·ε, CFG, and back to the VAE's scale.
     */
    static float[] byHand(ModelValue model, ConditioningValue pos, ConditioningValue neg, LatentValue latent,
            ImageValue control, float strength) {
        ModelSampling ms = model.sampling();
        float sigma = KSamplerSigmas.forSteps(ms, Scheduler.NORMAL, SamplerKind.EULER, 1, 1.0)[0];
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = latent.samples().toNd(m).mul(model.latentScale()); // [1, 4, 8, 8]
            NDArray xin = ms.calculateInput(x, sigma);
            long[] xs = xin.getShape().getShape();
            float[] xv = xin.toFloatArray();
            int lh = (int) xs[2];
            int lw = (int) xs[3];
            float[] hint = ToyControl.hintByHand(channelsFirst(control), lh, lw);
            long[] hs = {1, 3, 8L * lh, 8L * lw};
            List<NDArray> skips = new ArrayList<>();
            for (int i = 0; i < TOY.blocks().size(); i++) {
                skips.add(residual(m, hint, hs, xv, xs, TOY.blocks().get(i), ToyControl.a(i), strength));
            }
            NDArray mid = residual(m, hint, hs, xv, xs, TOY.middle(), ToyControl.A_MIDDLE, strength);
            UNetPatches patches = strength == 0f ? UNetPatches.NONE
                    : UNetPatches.ofControl(ControlResiduals.ofSkips(skips, mid));
            NDArray t = m.create(new float[] {ms.timestep(sigma)});
            NDArray[] den = new NDArray[2];
            ConditioningValue[] conds = {pos, neg};
            for (int k = 0; k < 2; k++) {
                NDArray eps = model.unet().forward(xin, t, conds[k].entries().get(0).context().toNd(m), null,
                        patches);
                den[k] = ms.calculateDenoised(sigma, eps, x);
            }
            NDArray cfg = den[1].add(den[0].sub(den[1]).mul((float) CFG));
            return cfg.div(model.latentScale()).toFloatArray();
        }
    }

    private static NDArray residual(NDManager m, float[] hint, long[] hs, float[] xv, long[] xs, int[] block,
            float a, float strength) {
        float[] r = ToyControl.expected(hint, hs, xv, xs, block, a, ToyControl.B);
        for (int i = 0; i < r.length; i++) {
            r[i] *= strength;
        }
        int f = block[1];
        return m.create(r, new Shape(xs[0], block[0], (xs[2] + f - 1) / f, (xs[3] + f - 1) / f));
    }

    static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    static double maxDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    @Test
    void aKSamplerStepIsTheUNetWithTheControlsResidualsAdded() {
        List<RunEvent> events = new ArrayList<>();
        RunResult r = run(graph("edges-a.png", advanced(0.8) + "," + sampler("3", link("22", 0), link("22", 1), 1)
                + "," + sampler("30", link("6", 0), link("7", 0), 1)), events);
        ModelValue model = assertInstanceOf(ModelValue.class, out(r, "4", 0));
        float[] got = ((LatentValue) out(r, "3", 0)).samples().data();
        float[] plain = ((LatentValue) out(r, "30", 0)).samples().data();
        float[] want = byHand(model, (ConditioningValue) out(r, "6", 0), (ConditioningValue) out(r, "7", 0),
                (LatentValue) out(r, "11", 0), (ImageValue) out(r, "20", 0), 0.8f);
        double scale = maxAbs(want);
        double err = maxDiff(want, got);
        System.out.println("ControlNet step vs UNet with the residuals by hand: max abs error " + err + " of "
                + scale);
        assertTrue(err <= 1e-4 * scale, "max abs error " + err + " of " + scale);
        double effect = maxDiff(plain, got);
        assertTrue(effect > 100 * err && effect > 1e-3 * scale, "the control changes the step: " + effect);
        float[] none = byHand(model, (ConditioningValue) out(r, "6", 0), (ConditioningValue) out(r, "7", 0),
                (LatentValue) out(r, "11", 0), (ImageValue) out(r, "20", 0), 0f);
        assertTrue(maxDiff(none, plain) <= 1e-4 * scale, "and without it, the plain UNet");
    }

    @Test
    void controlNetApplyOnThePositiveAlsoReachesTheNegative() {
        // the OLD node sets control_apply_to_uncond: sampling gives the negative the same control, so the step is
        // that of Apply ControlNet on both
        RunResult r = run(graph("edges-a.png", advanced(0.8)
                + "," + node("23", "ControlNetApply", "conditioning", link("6", 0), "control_net", link("21", 0),
                        "image", link("20", 0), "strength", 0.8)
                + "," + sampler("3", link("22", 0), link("22", 1), 1)
                + "," + sampler("31", link("23", 0), link("7", 0), 1)), new ArrayList<>());
        float[] both = ((LatentValue) out(r, "3", 0)).samples().data();
        float[] old = ((LatentValue) out(r, "31", 0)).samples().data();
        assertTrue(maxDiff(both, old) <= 1e-5 * maxAbs(both), "difference " + maxDiff(both, old));
    }

    @Test
    void switchingTheControlImageRerunsOnlyWhatDependsOnIt() {
        String rest = advanced(1.0) + "," + sampler("3", link("22", 0), link("22", 1), 7)
                + "," + node("8", "VAEDecode", "samples", link("3", 0), "vae", link("4", 2));
        run(graph("edges-a.png", rest), new ArrayList<>());
        int hints = TOY.hintCalls.get();
        List<RunEvent> events = new ArrayList<>();
        run(graph("edges-b.png", rest), events);
        for (String id : List.of("20", "22", "3", "8")) {
            assertTrue(started(events, id), id + " re-runs");
        }
        for (String id : List.of("4", "6", "7", "10", "11", "21")) {
            assertTrue(cached(events, id), id + " comes from the cache");
        }
        assertEquals(hints + 1, TOY.hintCalls.get(), "the new image is prepared once");
        // another seed re-runs the sampler only; the application's prepared hint is reused
        List<RunEvent> again = new ArrayList<>();
        run(graph("edges-b.png", rest.replace("\"noise_seed\": 7", "\"noise_seed\": 8")), again);
        assertTrue(started(again, "3") && cached(again, "22") && cached(again, "20"));
        assertEquals(hints + 1, TOY.hintCalls.get(), "no new preparation for the same image and size");
    }

    static boolean started(List<RunEvent> events, String node) {
        return events.stream().anyMatch(e -> e instanceof RunEvent.NodeStarted s && s.nodeId().equals(node));
    }

    static boolean cached(List<RunEvent> events, String node) {
        return events.stream().anyMatch(e -> e instanceof RunEvent.NodeCached c && c.nodeId().equals(node));
    }
}
