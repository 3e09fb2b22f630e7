package dev.noodle.nodes;

import static dev.noodle.nodes.CustomSamplerNodesTest.PRELUDE;
import static dev.noodle.nodes.CustomSamplerNodesTest.assertClose;
import static dev.noodle.nodes.CustomSamplerNodesTest.latent;
import static dev.noodle.nodes.CustomSamplerNodesTest.link;
import static dev.noodle.nodes.CustomSamplerNodesTest.maxDiff;
import static dev.noodle.nodes.CustomSamplerNodesTest.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
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
 * The CFG++ samplers through KSampler on the demo model: as ComfyUI's (which set disable_cfg1_optimization), they
 * run the negative prompt even at cfg 1 and step along its estimate, also under an inpainting noise mask.
 */
class CfgPpSamplingTest {
    @TempDir
    static Path tmp;

    static NoodleNodes nodes;
    static GraphExecutor executor;

    @BeforeAll
    static void setUp() {
        nodes = NoodleNodes.create(NodeEnvironment.of(tmp.resolve("models"), tmp.resolve("out")));
        executor = new GraphExecutor(nodes.registry(), new ResultCache(1L << 30), nodes.services());
    }

    @AfterAll
    static void tearDown() {
        nodes.close();
    }

    static RunResult run(String... body) {
        String json = "{\"format\": 1, \"name\": \"t\", \"nodes\": {" + PRELUDE + ", " + String.join(", ", body)
                + "}}";
        var wf = WorkflowJson.parse(json, "test", nodes.registry());
        RunResult r = executor.run(wf, new RunOptions(Set.copyOf(wf.nodes().keySet()), "t"), e -> {},
                new CancellationToken());
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
        return r;
    }

    /** KSampler at cfg 1 on {@code latent}, with prompt "6" as positive and {@code negative} as negative. */
    static String ksampler(String id, String sampler, String negative, Object latent) {
        return node(id, "KSampler", "model", link("4", 0), "seed", 11, "steps", 3, "cfg", 1.0, "sampler_name",
                sampler, "scheduler", "normal", "positive", link("6", 0), "negative", link(negative, 0),
                "latent_image", latent, "denoise", 1.0);
    }

    @Test
    void cfgPpUsesTheNegativeAtCfgOne() {
        RunResult r = run(ksampler("30", "euler_cfg_pp", "7", link("5", 0)),
                ksampler("31", "euler_cfg_pp", "6", link("5", 0)), ksampler("32", "euler", "7", link("5", 0)),
                ksampler("33", "euler", "6", link("5", 0)));
        float[] euler = latent(r, "32", 0);
        assertClose(euler, latent(r, "33", 0), 0, "euler ignores the negative at cfg 1");
        // with the negative equal to the positive, the unconditional estimate is the guided one: plain Euler
        assertClose(euler, latent(r, "31", 0), 1e-4, "euler_cfg_pp with negative = positive");
        assertTrue(maxDiff(euler, latent(r, "30", 0)) > 1e-2, "euler_cfg_pp steps along the negative's estimate");
    }

    @Test
    void cfgPpUsesTheNegativeUnderANoiseMask() throws Exception {
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                img.setRGB(x, y, (x >= 32 ? 0 : 0xFF000000) | (x * 4 << 16) | (y * 4 << 8)); // right half masked
            }
        }
        Path input = nodes.environment().inputDir();
        Files.createDirectories(input);
        ImageIO.write(img, "png", input.resolve("cfgpp-half.png").toFile());
        RunResult r = run(node("20", "LoadImage", "image", "cfgpp-half.png"),
                node("21", "VAEEncode", "pixels", link("20", 0), "vae", link("4", 2)),
                node("22", "SetLatentNoiseMask", "samples", link("21", 0), "mask", link("20", 1)),
                ksampler("30", "dpmpp_2m_cfg_pp", "7", link("22", 0)),
                ksampler("31", "dpmpp_2m_cfg_pp", "6", link("22", 0)),
                ksampler("32", "dpmpp_2m", "7", link("22", 0)));
        float[] plain = latent(r, "32", 0);
        assertClose(plain, latent(r, "31", 0), 1e-4, "dpmpp_2m_cfg_pp with negative = positive");
        assertTrue(maxDiff(plain, latent(r, "30", 0)) > 1e-2, "the masked denoiser passes the negative's estimate on");
    }
}
