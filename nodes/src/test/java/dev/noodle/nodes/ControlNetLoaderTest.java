package dev.noodle.nodes;

import static dev.noodle.nodes.CustomSamplerNodesTest.link;
import static dev.noodle.nodes.CustomSamplerNodesTest.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.noodle.engine.control.ControlModel;
import dev.noodle.engine.control.ControlNet;
import dev.noodle.engine.control.TinyControlNets;
import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.model.DemoCheckpoint;
import dev.noodle.engine.model.ModelFamily;
import dev.noodle.engine.sampling.KSamplerSigmas;
import dev.noodle.engine.sampling.ModelSampling;
import dev.noodle.engine.sampling.SamplerKind;
import dev.noodle.engine.sampling.Scheduler;
import dev.noodle.engine.unet.UNetConfig;
import dev.noodle.engine.unet.UNetPatches;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.nodes.host.AddonFiles;
import dev.noodle.nodes.host.DemoAddons;
import dev.noodle.nodes.host.ModelKind;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import dev.noodle.nodes.values.ConditioningValue;
import dev.noodle.nodes.values.ControlNetValue;
import dev.noodle.nodes.values.ImageValue;
import dev.noodle.nodes.values.LatentValue;
import dev.noodle.nodes.values.ModelValue;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ControlNet loader nodes on the demo checkpoint: a loaded ControlNet applied through Apply ControlNet changes a
 * KSampler step exactly as its residuals added to the UNet by hand; the file is loaded once and shared; a
 * difference ControlNet is made whole from the model; a ControlNet for another family is refused naming both.
 */
class ControlNetLoaderTest {
    @TempDir
    static Path tmp;

    static NoodleNodes nodes;
    static GraphExecutor executor;
    static Path controlDir;

    @BeforeAll
    static void setUp() throws Exception {
        nodes = NoodleNodes.create(NodeEnvironment.of(tmp.resolve("models"), tmp.resolve("out")));
        executor = new GraphExecutor(nodes.registry(), new ResultCache(1L << 30), nodes.services());
        Path input = nodes.environment().inputDir();
        Files.createDirectories(input);
        BufferedImage img = new BufferedImage(48, 40, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 40; y++) {
            for (int x = 0; x < 48; x++) {
                img.setRGB(x, y, (x * 29 + y * 7) % 256 << 16 | (x ^ y) * 5 % 256 << 8 | (y * 13) % 256);
            }
        }
        ImageIO.write(img, "png", input.resolve("edges.png").toFile());
        ImageIO.write(img, "png", input.resolve("init.png").toFile());
        controlDir = nodes.environment().models().folder(ModelKind.CONTROLNET);
        Path ckpt = nodes.environment().models().folder(ModelKind.CHECKPOINTS).resolve(DemoCheckpoint.FILE_NAME);
        DemoCheckpoint.ensure(ckpt);
        TinyControlNets.write(controlDir.resolve("whole.safetensors"), TinyControlNets.demoConfig(),
                TinyControlNets.Layout.SAFETENSORS, 21);
        try (ModelFile base = ModelFiles.open(ckpt)) {
            TinyControlNets.writeDifference(controlDir.resolve("diff_control.safetensors"),
                    TinyControlNets.demoConfig(), base, 21);
        }
        TinyControlNets.write(controlDir.resolve("control_sdxl.safetensors"), UNetConfig.tinyXl(),
                TinyControlNets.Layout.PRUNED_FP16, 3);
    }

    @AfterAll
    static void tearDown() {
        nodes.close();
    }

    static String graph(String loader, String strength, long seed) {
        return node("4", "CheckpointLoaderSimple", "ckpt_name", DemoCheckpoint.FILE_NAME)
                + "," + node("6", "CLIPTextEncode", "text", "a house by a lake", "clip", link("4", 1))
                + "," + node("7", "CLIPTextEncode", "text", "blurry", "clip", link("4", 1))
                + "," + node("10", "LoadImage", "image", "init.png")
                + "," + node("11", "VAEEncode", "pixels", link("10", 0), "vae", link("4", 2))
                + "," + node("20", "LoadImage", "image", "edges.png")
                + "," + loader
                + "," + node("22", "ControlNetApplyAdvanced", "positive", link("6", 0), "negative", link("7", 0),
                        "control_net", link("21", 0), "image", link("20", 0), "strength", strength,
                        "start_percent", 0.0, "end_percent", 1.0)
                + "," + node("3", "KSamplerAdvanced", "model", link("4", 0), "add_noise", "disable", "noise_seed",
                        seed, "steps", 1, "cfg", 4.0, "sampler_name", "euler", "scheduler", "normal", "positive",
                        link("22", 0), "negative", link("22", 1), "latent_image", link("11", 0), "start_at_step", 0,
                        "end_at_step", 10000, "return_with_leftover_noise", "disable");
    }

    static String loader(String name) {
        return node("21", "ControlNetLoader", "control_net_name", name);
    }

    static RunResult run(String json) {
        var wf = WorkflowJson.parse("{\"format\": 1, \"name\": \"t\", \"nodes\": {" + json + "}}", "test",
                nodes.registry());
        return executor.run(wf, new RunOptions(Set.copyOf(wf.nodes().keySet()), "t"), e -> { },
                new CancellationToken());
    }

    static Object out(RunResult r, String node, int i) {
        return r.outputs().get(node).value(i);
    }

    /** One euler step at σ_max with CFG 4, the ControlNet's residuals × strength added to the UNet by hand. */
    static float[] byHand(RunResult r, ControlModel control, float strength) {
        ModelValue model = (ModelValue) out(r, "4", 0);
        ModelSampling ms = model.sampling();
        float sigma = KSamplerSigmas.forSteps(ms, Scheduler.NORMAL, SamplerKind.EULER, 1, 1.0)[0];
        ImageValue image = (ImageValue) out(r, "20", 0);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = ((LatentValue) out(r, "11", 0)).samples().toNd(m).mul(model.latentScale());
            NDArray xin = ms.calculateInput(x, sigma);
            NDArray t = m.create(new float[] {ms.timestep(sigma)});
            NDArray img = image.pixels().toNd(m).transpose(0, 3, 1, 2);
            NDArray hint = control.hint(img, xin.getShape().get(2), xin.getShape().get(3), m);
            ConditioningValue[] conds = {(ConditioningValue) out(r, "6", 0), (ConditioningValue) out(r, "7", 0)};
            NDArray[] den = new NDArray[2];
            for (int k = 0; k < 2; k++) {
                NDArray ctx = conds[k].entries().get(0).context().toNd(m);
                UNetPatches p = UNetPatches.ofControl(control.residuals(xin, t, ctx, null, hint, m).times(strength));
                den[k] = ms.calculateDenoised(sigma, model.unet().forward(xin, t, ctx, null, p), x);
            }
            return den[1].add(den[0].sub(den[1]).mul(4f)).div(model.latentScale()).toFloatArray();
        }
    }

    static double maxDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    static double maxAbs(float[] a) {
        double d = 0;
        for (float v : a) {
            d = Math.max(d, Math.abs(v));
        }
        return d;
    }

    @Test
    void aLoadedControlNetStepsAsItsResidualsAddedByHandAndIsLoadedOnce() {
        AddonFiles addons = nodes.services().get(AddonFiles.class);
        RunResult r = run(graph(loader("whole.safetensors"), "0.7", 1));
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
        ControlNetValue cn = assertInstanceOf(ControlNetValue.class, out(r, "21", 0));
        assertInstanceOf(ControlNet.class, cn.model());
        assertEquals(ModelFamily.SD1, cn.model().family());
        float[] got = ((LatentValue) out(r, "3", 0)).samples().data();
        float[] want = byHand(r, cn.model(), 0.7f);
        double scale = maxAbs(want);
        double err = maxDiff(want, got);
        assertTrue(err <= 1e-4 * scale, "step vs by hand: " + err + " of " + scale);
        float[] none = byHand(r, cn.model(), 0f);
        assertTrue(maxDiff(none, got) > 1e-3 * scale, "the ControlNet changes the step");
        int reads = addons.fileReads();
        // a second loader node on the same file shares the loaded weights
        RunResult again = run(graph(loader("whole.safetensors"), "0.5", 2));
        assertEquals(RunResult.Status.SUCCESS, again.status(), again.message());
        assertSame(cn.model(), ((ControlNetValue) out(again, "21", 0)).model());
        assertEquals(reads, addons.fileReads());
    }

    @Test
    void theDemoControlNetIsListedAndRuns() {
        RunResult r = run(graph(loader(DemoAddons.CONTROLNET), "1.0", 3));
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
    }

    @Test
    void aDifferenceControlNetIsMadeWholeFromTheModel() {
        String diff = node("21", "DiffControlNetLoader", "model", link("4", 0), "control_net_name",
                "diff_control.safetensors");
        RunResult d = run(graph(diff, "1.0", 4));
        assertEquals(RunResult.Status.SUCCESS, d.status(), d.message() + " " + d.errors());
        RunResult w = run(graph(loader("whole.safetensors"), "1.0", 4));
        float[] a = ((LatentValue) out(d, "3", 0)).samples().data();
        float[] b = ((LatentValue) out(w, "3", 0)).samples().data();
        // the difference file is fp16, the whole one fp32: equal up to fp16 rounding of the weights
        assertTrue(maxDiff(a, b) <= 2e-2 * maxAbs(b), "diff vs whole: " + maxDiff(a, b));
        assertNotSame(((ControlNetValue) out(d, "21", 0)).model(), ((ControlNetValue) out(w, "21", 0)).model());
        // the plain loader refuses a difference file, saying which node to use
        RunResult plain = run(graph(loader("diff_control.safetensors"), "1.0", 4));
        assertEquals(RunResult.Status.FAILED, plain.status());
        String msg = plain.errors() + " " + plain.message();
        assertTrue(msg.contains("Load ControlNet Model (diff)") && msg.contains("diff_control.safetensors"), msg);
    }

    @Test
    void aControlNetForAnotherFamilyIsRefusedNamingBoth() {
        RunResult r = run(graph(loader("control_sdxl.safetensors"), "1.0", 5));
        assertEquals(RunResult.Status.FAILED, r.status());
        String msg = r.errors().toString() + r.message();
        assertTrue(msg.contains("control_sdxl.safetensors") && msg.contains("SDXL") && msg.contains("SD 1.x"), msg);
    }
}
