package dev.noodle.nodes;

import static dev.noodle.nodes.CustomSamplerNodesTest.link;
import static dev.noodle.nodes.CustomSamplerNodesTest.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.engine.control.T2IAdapter;
import dev.noodle.engine.control.TinyAdapters;
import dev.noodle.engine.model.ModelFamily;
import dev.noodle.engine.model.TinyCheckpoints;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.nodes.host.ModelKind;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import dev.noodle.nodes.values.ControlNetValue;
import dev.noodle.nodes.values.LatentValue;
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
 * T2I-Adapters through Load ControlNet Model and Apply ControlNet on a tiny SDXL checkpoint: a diffusers-format SDXL
 * adapter (the canny layout: one colour) and a TencentARC {@code .pth} wrapped as {@code {"adapter": …}} load and
 * change the sampled latent (their features fit the UNet's blocks on an odd-sized latent), strength 0 changes
 * nothing, and an SD 1.x adapter on the SDXL model is refused naming both families.
 */
class T2IAdapterLoaderTest {
    @TempDir
    static Path tmp;

    static NoodleNodes nodes;
    static GraphExecutor executor;

    private static final String CKPT = "tiny_sdxl.safetensors";

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
        Path controls = nodes.environment().models().folder(ModelKind.CONTROLNET);
        TinyCheckpoints.write(nodes.environment().models().folder(ModelKind.CHECKPOINTS).resolve(CKPT),
                TinyCheckpoints.Kind.SDXL);
        TinyAdapters.write(controls.resolve("t2i-adapter-canny-sdxl.safetensors"), TinyAdapters.sdxl(1),
                TinyAdapters.Format.DIFFUSERS, 8);
        TinyAdapters.write(controls.resolve("t2iadapter_xl_wrapped.pth"), TinyAdapters.sdxl(3),
                TinyAdapters.Format.PTH_WRAPPED, 9);
        TinyAdapters.write(controls.resolve("t2iadapter_depth_sd14v1.pth"), TinyAdapters.sd1(3),
                TinyAdapters.Format.PTH, 10);
    }

    @AfterAll
    static void tearDown() {
        nodes.close();
    }

    static RunResult run(String adapter, double strength) {
        String json = node("4", "CheckpointLoaderSimple", "ckpt_name", CKPT)
                + "," + node("6", "CLIPTextEncode", "text", "a house by a lake", "clip", link("4", 1))
                + "," + node("7", "CLIPTextEncode", "text", "blurry", "clip", link("4", 1))
                + "," + node("10", "LoadImage", "image", "init.png")
                + "," + node("11", "VAEEncode", "pixels", link("10", 0), "vae", link("4", 2))
                + "," + node("20", "LoadImage", "image", "edges.png")
                + "," + node("21", "ControlNetLoader", "control_net_name", adapter)
                + "," + node("22", "ControlNetApplyAdvanced", "positive", link("6", 0), "negative", link("7", 0),
                        "control_net", link("21", 0), "image", link("20", 0), "strength", strength,
                        "start_percent", 0.0, "end_percent", 1.0)
                + "," + node("3", "KSamplerAdvanced", "model", link("4", 0), "add_noise", "disable", "noise_seed",
                        1, "steps", 1, "cfg", 4.0, "sampler_name", "euler", "scheduler", "normal", "positive",
                        link("22", 0), "negative", link("22", 1), "latent_image", link("11", 0), "start_at_step", 0,
                        "end_at_step", 10000, "return_with_leftover_noise", "disable");
        var wf = WorkflowJson.parse("{\"format\": 1, \"name\": \"t\", \"nodes\": {" + json + "}}", "test",
                nodes.registry());
        return executor.run(wf, new RunOptions(Set.copyOf(wf.nodes().keySet()), "t"), e -> { },
                new CancellationToken());
    }

    static float[] latent(RunResult r) {
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
        return ((LatentValue) r.outputs().get("3").value(0)).samples().data();
    }

    static double maxDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    @Test
    void sdxlAdaptersLoadAndSteerTheStep() {
        for (String file : new String[] {"t2i-adapter-canny-sdxl.safetensors", "t2iadapter_xl_wrapped.pth"}) {
            RunResult with = run(file, 1.0);
            ControlNetValue cn = assertInstanceOf(ControlNetValue.class, with.outputs().get("21").value(0));
            T2IAdapter a = assertInstanceOf(T2IAdapter.class, cn.model(), file);
            assertEquals(ModelFamily.SDXL, a.family());
            float[] steered = latent(with);
            float[] plain = latent(run(file, 0.0));
            double moved = maxDiff(steered, plain);
            assertTrue(moved > 1e-3, file + ": the adapter changes the step by " + moved);
            // the file is loaded once and shared
            assertSame(a, ((ControlNetValue) run(file, 0.5).outputs().get("21").value(0)).model());
        }
    }

    @Test
    void anSd15AdapterOnSdxlIsRefusedNamingBoth() {
        RunResult r = run("t2iadapter_depth_sd14v1.pth", 1.0);
        assertEquals(RunResult.Status.FAILED, r.status());
        String msg = r.errors().toString() + r.message();
        assertTrue(msg.contains("t2iadapter_depth_sd14v1.pth") && msg.contains("SDXL") && msg.contains("SD 1.x")
                && msg.contains("T2I adapter"), msg);
    }
}
