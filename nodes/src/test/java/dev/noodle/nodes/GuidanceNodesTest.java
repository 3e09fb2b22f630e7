package dev.noodle.nodes;

import static dev.noodle.nodes.CustomSamplerNodesTest.link;
import static dev.noodle.nodes.CustomSamplerNodesTest.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.OutputSpec;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.nodes.conditioning.ConditioningEditNodes;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import dev.noodle.nodes.model.GuidancePatchNodes;
import dev.noodle.nodes.sampling.GuiderNodes;
import dev.noodle.nodes.values.ConditioningValue;
import dev.noodle.nodes.values.LatentValue;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guidance nodes (DualCFGGuider, PerpNegGuider, RescaleCFG, CFGNorm) and the conditioning editors on the demo
 * model: each changes the latent exactly as its definition says, shown by equalities with plain runs (a timestep
 * range of 0..1 changes nothing, Perp-Neg with neg_scale 0 is CFG against the empty prompt, …), in KSampler and the
 * custom-sampling path alike; and their shapes are ComfyUI's.
 */
class GuidanceNodesTest {
    @TempDir
    static Path tmp;

    static NoodleNodes nodes;
    static GraphExecutor executor;

    /** Checkpoint "4", prompts "6" / "7" / "8" / empty "9", an empty 64×64 latent "5", euler "12" + normal×3 "13". */
    static final String PRELUDE = node("4", "CheckpointLoaderSimple", "ckpt_name",
            "noodle-demo-tiny-sd15.safetensors")
            + "," + node("6", "CLIPTextEncode", "text", "a red fox in the snow", "clip", link("4", 1))
            + "," + node("7", "CLIPTextEncode", "text", "text, watermark", "clip", link("4", 1))
            + "," + node("8", "CLIPTextEncode", "text", "a blue house by a lake", "clip", link("4", 1))
            + "," + node("9", "CLIPTextEncode", "text", "", "clip", link("4", 1))
            + "," + node("5", "EmptyLatentImage", "width", 64, "height", 64, "batch_size", 1)
            + "," + node("12", "KSamplerSelect", "sampler_name", "euler")
            + "," + node("13", "BasicScheduler", "model", link("4", 0), "scheduler", "normal", "steps", 3, "denoise",
                    1.0)
            + "," + node("10", "RandomNoise", "noise_seed", 42);

    @BeforeAll
    static void setUp() throws Exception {
        nodes = NoodleNodes.create(NodeEnvironment.of(tmp.resolve("models"), tmp.resolve("out")));
        executor = new GraphExecutor(nodes.registry(), new ResultCache(1L << 30), nodes.services());
        Path input = nodes.environment().inputDir();
        Files.createDirectories(input);
        // LoadImage's MASK is 1 − alpha: "ones" is transparent everywhere, "rect" inside x 3..12, y 4..13 (16×16)
        writeMask(input.resolve("ones.png"), 16, 0, 16, 0, 16);
        writeMask(input.resolve("rect.png"), 16, 3, 13, 4, 14);
    }

    private static void writeMask(Path file, int size, int x0, int x1, int y0, int y1) throws Exception {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                boolean in = x >= x0 && x < x1 && y >= y0 && y < y1;
                img.setRGB(x, y, (in ? 0 : 0xFF000000) | 0x336699);
            }
        }
        ImageIO.write(img, "png", file.toFile());
    }

    @AfterAll
    static void tearDown() {
        nodes.close();
    }

    // ------------------------------------------------------------------ workflow helpers

    static Object l(String node) {
        return link(node, 0);
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

    static float[] latent(RunResult r, String node) {
        return assertInstanceOf(LatentValue.class, r.outputs().get(node).value(0)).samples().data();
    }

    static void assertClose(float[] want, float[] got, double tol, String what) {
        assertEquals(want.length, got.length, what + " size");
        // float32 reassociation of the guidance terms over 3 steps: 1e-6 of the latent's largest magnitude (~200
        // for the demo model), on top of tol
        double scale = 1e-6 * maxAbs(want);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], tol + scale, what + " at " + i);
        }
    }

    static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    static void assertDiffer(float[] a, float[] b, String what) {
        assertTrue(maxDiff(a, b) > 1e-4 * maxAbs(a), what + ": max difference " + maxDiff(a, b));
    }

    /** KSampler, seed 42, euler / normal, 3 steps. */
    static String ksampler(String id, Object model, Object pos, Object neg, double cfg, Object latent) {
        return node(id, "KSampler", "model", model, "seed", 42, "steps", 3, "cfg", cfg, "sampler_name", "euler",
                "scheduler", "normal", "positive", pos, "negative", neg, "latent_image", latent, "denoise", 1.0);
    }

    /** SamplerCustomAdvanced with RandomNoise 42, euler and the normal 3-step schedule. */
    static String advanced(String id, String guider) {
        return node(id, "SamplerCustomAdvanced", "noise", l("10"), "guider", l(guider), "sampler", l("12"), "sigmas",
                l("13"), "latent_image", l("5"));
    }

    static String cfgGuider(String id, Object model, Object pos, Object neg, double cfg) {
        return node(id, "CFGGuider", "model", model, "positive", pos, "negative", neg, "cfg", cfg);
    }

    // ------------------------------------------------------------------ conditioning editors

    @Test
    void timestepRangeOfTheWholeScheduleChangesNothing() {
        RunResult r = run(ksampler("3", l("4"), l("6"), l("7"), 7.0, l("5")),
                node("20", "ConditioningSetTimestepRange", "conditioning", l("6"), "start", 0.0, "end", 1.0),
                node("21", "ConditioningSetTimestepRange", "conditioning", l("7"), "start", 0.0, "end", 1.0),
                ksampler("22", l("4"), l("20"), l("21"), 7.0, l("5")),
                node("23", "ConditioningSetTimestepRange", "conditioning", l("6"), "start", 0.0, "end", 0.9),
                ksampler("24", l("4"), l("23"), l("7"), 7.0, l("5")));
        assertClose(latent(r, "3"), latent(r, "22"), 1e-6, "range 0..1 vs plain");
        assertDiffer(latent(r, "3"), latent(r, "24"), "a prompt dropped for the last step");
    }

    /**
     * Prompt A over the first half of a 4-step schedule and prompt B over the second is exactly A for steps 0-1 and
     * then B for steps 2-3 (σ at timesteps 999, 666 lie above the half-way σ(499.5); 333 and 0 below).
     */
    @Test
    void timestepRangesSwitchPromptsAtTheirSigma() {
        RunResult r = run(node("20", "ConditioningSetTimestepRange", "conditioning", l("6"), "start", 0.0, "end", 0.5),
                node("21", "ConditioningSetTimestepRange", "conditioning", l("8"), "start", 0.5, "end", 1.0),
                node("22", "ConditioningCombine", "conditioning_1", l("20"), "conditioning_2", l("21")),
                node("3", "KSampler", "model", l("4"), "seed", 42, "steps", 4, "cfg", 6.0, "sampler_name", "euler",
                        "scheduler", "normal", "positive", l("22"), "negative", l("7"), "latent_image", l("5"),
                        "denoise", 1.0),
                advancedK("30", "enable", l("6"), l("5"), 0, 2, "enable"),
                advancedK("31", "disable", l("8"), l("30"), 2, 4, "disable"));
        assertClose(latent(r, "31"), latent(r, "3"), 1e-5, "ranges vs two stages");
    }

    private static String advancedK(String id, String addNoise, Object pos, Object latent, int start, int end,
            String leftover) {
        return node(id, "KSamplerAdvanced", "model", l("4"), "add_noise", addNoise, "noise_seed", 42, "steps", 4,
                "cfg", 6.0, "sampler_name", "euler", "scheduler", "normal", "positive", pos, "negative", l("7"),
                "latent_image", latent, "start_at_step", start, "end_at_step", end, "return_with_leftover_noise",
                leftover);
    }

    /** A zeroed conditioning keeps no trace of its prompt: two prompts zeroed out steer alike, unlike the text. */
    @Test
    void zeroOutErasesThePrompt() {
        RunResult r = run(node("20", "ConditioningZeroOut", "conditioning", l("7")),
                node("21", "ConditioningZeroOut", "conditioning", l("8")),
                ksampler("3", l("4"), l("6"), l("20"), 7.0, l("5")),
                ksampler("22", l("4"), l("6"), l("21"), 7.0, l("5")),
                ksampler("23", l("4"), l("6"), l("7"), 7.0, l("5")));
        ConditioningValue z = assertInstanceOf(ConditioningValue.class, r.outputs().get("20").value(0));
        for (float v : z.entries().get(0).context().data()) {
            assertEquals(0f, v);
        }
        assertClose(latent(r, "3"), latent(r, "22"), 0, "two zeroed negatives");
        assertDiffer(latent(r, "3"), latent(r, "23"), "zeroed vs text negative");
    }

    @Test
    void averageAndConcatReachTheSampler() {
        RunResult r = run(node("20", "ConditioningAverage", "conditioning_to", l("6"), "conditioning_from", l("8"),
                        "conditioning_to_strength", 1.0),
                node("21", "ConditioningAverage", "conditioning_to", l("6"), "conditioning_from", l("8"),
                        "conditioning_to_strength", 0.5),
                node("22", "ConditioningConcat", "conditioning_to", l("6"), "conditioning_from", l("8")),
                ksampler("3", l("4"), l("6"), l("7"), 7.0, l("5")),
                ksampler("23", l("4"), l("20"), l("7"), 7.0, l("5")),
                ksampler("24", l("4"), l("21"), l("7"), 7.0, l("5")),
                ksampler("25", l("4"), l("22"), l("7"), 7.0, l("5")));
        assertClose(latent(r, "3"), latent(r, "23"), 1e-6, "to_strength 1 keeps conditioning_to");
        assertDiffer(latent(r, "3"), latent(r, "24"), "half-way average");
        assertDiffer(latent(r, "3"), latent(r, "25"), "concat");
        ConditioningValue cat = assertInstanceOf(ConditioningValue.class, r.outputs().get("22").value(0));
        assertEquals(154, cat.entries().get(0).context().dim(1), "77 + 77 tokens");
    }

    /** A fractional area resolves to the cell rectangle ConditioningSetArea gives: 0.25..0.75 of 16 cells = 4..12. */
    @Test
    void areaPercentageIsTheCellAreaItResolvesTo() {
        RunResult r = run(node("19", "EmptyLatentImage", "width", 128, "height", 128, "batch_size", 1),
                node("20", "ConditioningSetAreaPercentage", "conditioning", l("8"), "width", 0.5, "height",
                        0.5, "x", 0.25, "y", 0.25, "strength", 1.5),
                node("21", "ConditioningSetArea", "conditioning", l("8"), "width", 64, "height", 64, "x", 32, "y", 32,
                        "strength", 1.5),
                node("22", "ConditioningCombine", "conditioning_1", l("6"), "conditioning_2", l("20")),
                node("23", "ConditioningCombine", "conditioning_1", l("6"), "conditioning_2", l("21")),
                ksampler("3", l("4"), l("22"), l("7"), 7.0, l("19")),
                ksampler("24", l("4"), l("23"), l("7"), 7.0, l("19")),
                ksampler("25", l("4"), l("6"), l("7"), 7.0, l("19")));
        assertClose(latent(r, "24"), latent(r, "3"), 1e-6, "percentage vs cells");
        assertDiffer(latent(r, "25"), latent(r, "3"), "the area prompt changes the image");
    }

    /** Strength weighs an entry against the others; a lone full-size entry's strength divides out. */
    @Test
    void areaStrengthWeighsEntries() {
        RunResult r = run(node("20", "ConditioningSetAreaStrength", "conditioning", l("8"), "strength", 1.0),
                node("21", "ConditioningSetAreaStrength", "conditioning", l("8"), "strength", 3.0),
                node("22", "ConditioningCombine", "conditioning_1", l("6"), "conditioning_2", l("8")),
                node("23", "ConditioningCombine", "conditioning_1", l("6"), "conditioning_2", l("20")),
                node("24", "ConditioningCombine", "conditioning_1", l("6"), "conditioning_2", l("21")),
                ksampler("3", l("4"), l("22"), l("7"), 7.0, l("5")),
                ksampler("25", l("4"), l("23"), l("7"), 7.0, l("5")),
                ksampler("26", l("4"), l("24"), l("7"), 7.0, l("5")),
                node("27", "ConditioningSetAreaStrength", "conditioning", l("6"), "strength", 4.0),
                ksampler("28", l("4"), l("27"), l("7"), 7.0, l("5")),
                ksampler("29", l("4"), l("6"), l("7"), 7.0, l("5")));
        assertClose(latent(r, "3"), latent(r, "25"), 1e-6, "strength 1 is the default");
        assertDiffer(latent(r, "3"), latent(r, "26"), "strength 3 tilts the combination");
        assertClose(latent(r, "29"), latent(r, "28"), 1e-5, "a lone entry's strength divides out");
    }

    /** An all-ones mask at strength s weighs its entry as strength s does (no feathering, whole latent). */
    @Test
    void fullMaskIsAStrength() {
        RunResult r = run(node("20", "LoadImage", "image", "ones.png"),
                node("21", "ConditioningSetMask", "conditioning", l("8"), "mask", link("20", 1), "strength", 2.0,
                        "set_cond_area", "default"),
                node("22", "ConditioningSetAreaStrength", "conditioning", l("8"), "strength", 2.0),
                node("23", "ConditioningCombine", "conditioning_1", l("6"), "conditioning_2", l("21")),
                node("24", "ConditioningCombine", "conditioning_1", l("6"), "conditioning_2", l("22")),
                ksampler("3", l("4"), l("23"), l("7"), 7.0, l("5")),
                ksampler("25", l("4"), l("24"), l("7"), 7.0, l("5")));
        assertClose(latent(r, "25"), latent(r, "3"), 1e-5, "ones mask at 2 vs strength 2");
    }

    /**
     * "mask bounds" runs the entry on the mask's bounding box (cells 3..12 × 4..13 of a 16×16 latent): the same as
     * setting that area and the mask by hand, and not the same as the default (whole-latent) mask.
     */
    @Test
    void maskBoundsIsTheMasksRectangle() {
        RunResult r = run(node("19", "EmptyLatentImage", "width", 128, "height", 128, "batch_size", 1),
                node("20", "LoadImage", "image", "rect.png"),
                node("21", "ConditioningSetMask", "conditioning", l("8"), "mask", link("20", 1), "strength", 1.0,
                        "set_cond_area", "mask bounds"),
                node("22", "ConditioningSetArea", "conditioning", l("8"), "width", 80, "height", 80, "x", 24, "y", 32,
                        "strength", 1.0),
                node("23", "ConditioningSetMask", "conditioning", l("22"), "mask", link("20", 1), "strength", 1.0,
                        "set_cond_area", "default"),
                node("24", "ConditioningSetMask", "conditioning", l("8"), "mask", link("20", 1), "strength", 1.0,
                        "set_cond_area", "default"),
                node("25", "ConditioningCombine", "conditioning_1", l("6"), "conditioning_2", l("21")),
                node("26", "ConditioningCombine", "conditioning_1", l("6"), "conditioning_2", l("23")),
                node("27", "ConditioningCombine", "conditioning_1", l("6"), "conditioning_2", l("24")),
                ksampler("3", l("4"), l("25"), l("7"), 7.0, l("19")),
                ksampler("28", l("4"), l("26"), l("7"), 7.0, l("19")),
                ksampler("29", l("4"), l("27"), l("7"), 7.0, l("19")));
        assertClose(latent(r, "28"), latent(r, "3"), 1e-5, "mask bounds vs area + mask");
        assertDiffer(latent(r, "29"), latent(r, "3"), "bounded vs whole-latent mask");
    }

    // ------------------------------------------------------------------ guiders and guidance patches

    /** Perp-Neg with neg_scale 0 is CFG against the empty prompt; neg_scale 1 subtracts the perpendicular negative. */
    @Test
    void perpNegWithoutNegativeIsCfgAgainstEmpty() {
        RunResult r = run(cfgGuider("20", l("4"), l("6"), l("9"), 7.0),
                node("21", "PerpNegGuider", "model", l("4"), "positive", l("6"), "negative", l("7"),
                        "empty_conditioning", l("9"), "cfg", 7.0, "neg_scale", 0.0),
                node("22", "PerpNegGuider", "model", l("4"), "positive", l("6"), "negative", l("7"),
                        "empty_conditioning", l("9"), "cfg", 7.0, "neg_scale", 1.0),
                advanced("30", "20"), advanced("31", "21"), advanced("32", "22"));
        assertClose(latent(r, "30"), latent(r, "31"), 1e-5, "neg_scale 0 vs CFGGuider(empty)");
        assertDiffer(latent(r, "30"), latent(r, "32"), "neg_scale 1");
    }

    /**
     * DualCFGGuider reduces to CFG: regular with cond2 = the negative is CFG at cfg_conds; regular with cond2 = cond1 is
     * CFG at cfg_cond2_negative; nested with cond2 = the negative is CFG at cfg_conds·cfg_cond2_negative.
     */
    @Test
    void dualCfgReducesToCfg() {
        RunResult r = run(cfgGuider("20", l("4"), l("6"), l("7"), 7.0),
                dual("21", l("7"), 7.0, 3.0, "regular"), dual("22", l("6"), 2.0, 7.0, "regular"),
                dual("23", l("7"), 2.0, 3.5, "nested"), dual("24", l("8"), 7.0, 3.0, "regular"),
                advanced("30", "20"), advanced("31", "21"), advanced("32", "22"), advanced("33", "23"),
                advanced("34", "24"));
        float[] cfg = latent(r, "30");
        assertClose(cfg, latent(r, "31"), 1e-5, "regular, cond2 = negative");
        assertClose(cfg, latent(r, "32"), 1e-5, "regular, cond2 = cond1");
        assertClose(cfg, latent(r, "33"), 1e-5, "nested, cond2 = negative");
        assertDiffer(cfg, latent(r, "34"), "a third prompt in the middle");
    }

    private static String dual(String id, Object cond2, double cfgConds, double cfg2, String style) {
        return node(id, "DualCFGGuider", "model", l("4"), "cond1", l("6"), "cond2", cond2, "negative", l("7"),
                "cfg_conds", cfgConds, "cfg_cond2_negative", cfg2, "style", style);
    }

    /** RescaleCFG 0 is plain CFG; at 0.7 KSampler, CFGGuider and SamplerCustom all apply it, to the same latent. */
    @Test
    void rescaleCfgPatchesEveryGuider() {
        RunResult r = run(node("20", "RescaleCFG", "model", l("4"), "multiplier", 0.0),
                node("21", "RescaleCFG", "model", l("4"), "multiplier", 0.7),
                ksampler("3", l("4"), l("6"), l("7"), 7.0, l("5")),
                ksampler("22", l("20"), l("6"), l("7"), 7.0, l("5")),
                ksampler("23", l("21"), l("6"), l("7"), 7.0, l("5")),
                cfgGuider("24", l("21"), l("6"), l("7"), 7.0), advanced("25", "24"),
                cfgGuider("26", l("4"), l("6"), l("7"), 7.0), advanced("27", "26"),
                node("28", "SamplerCustom", "model", l("21"), "add_noise", true, "noise_seed", 42, "cfg", 7.0,
                        "positive", l("6"), "negative", l("7"), "sampler", l("12"), "sigmas", l("13"),
                        "latent_image", l("5")));
        assertClose(latent(r, "3"), latent(r, "22"), 1e-5, "multiplier 0");
        assertDiffer(latent(r, "3"), latent(r, "23"), "multiplier 0.7");
        assertClose(latent(r, "23"), latent(r, "25"), 1e-5, "KSampler vs CFGGuider with RescaleCFG");
        assertClose(latent(r, "23"), latent(r, "28"), 1e-5, "KSampler vs SamplerCustom with RescaleCFG");
        assertClose(latent(r, "3"), latent(r, "27"), 1e-5, "the unpatched model is untouched");
    }

    /**
     * CFGNorm runs after every guider's mix: KSampler, CFGGuider, BasicGuider, DualCFG (on its inner CFG, cond2 →
     * negative, as ComfyUI: with cond2 = cond1 that is KSampler's) and Perp-Neg.
     */
    @Test
    void cfgNormPatchesEveryGuider() {
        RunResult r = run(node("20", "CFGNorm", "model", l("4"), "strength", 0.8),
                ksampler("3", l("4"), l("6"), l("7"), 7.0, l("5")),
                ksampler("21", l("20"), l("6"), l("7"), 7.0, l("5")),
                cfgGuider("22", l("20"), l("6"), l("7"), 7.0), advanced("23", "22"),
                node("24", "BasicGuider", "model", l("4"), "conditioning", l("6")), advanced("25", "24"),
                node("26", "BasicGuider", "model", l("20"), "conditioning", l("6")), advanced("27", "26"),
                node("28", "PerpNegGuider", "model", l("4"), "positive", l("6"), "negative", l("7"),
                        "empty_conditioning", l("9"), "cfg", 7.0, "neg_scale", 1.0), advanced("29", "28"),
                node("30", "PerpNegGuider", "model", l("20"), "positive", l("6"), "negative", l("7"),
                        "empty_conditioning", l("9"), "cfg", 7.0, "neg_scale", 1.0), advanced("31", "30"),
                node("32", "DualCFGGuider", "model", l("20"), "cond1", l("6"), "cond2", l("6"), "negative", l("7"),
                        "cfg_conds", 2.0, "cfg_cond2_negative", 7.0, "style", "regular"), advanced("33", "32"));
        assertDiffer(latent(r, "3"), latent(r, "21"), "KSampler");
        assertClose(latent(r, "21"), latent(r, "23"), 1e-5, "KSampler vs CFGGuider with CFGNorm");
        assertDiffer(latent(r, "25"), latent(r, "27"), "BasicGuider");
        assertDiffer(latent(r, "29"), latent(r, "31"), "PerpNegGuider");
        assertClose(latent(r, "21"), latent(r, "33"), 1e-5, "DualCFG reducing to CFG, with CFGNorm");
    }

    // ------------------------------------------------------------------ shapes

    private record In(String name, Object def, Number min, Number max, Number step) {}

    private static In sock(String name, String type) {
        return new In(name, type, null, null, null);
    }

    private static In num(String name, double def, double min, double max, double step) {
        return new In(name, def, min, max, step);
    }

    private static void shape(Node node, String type, String display, String category, List<In> inputs,
            List<String> outNames, List<String> outTypes, double round) {
        NodeSchema s = node.schema();
        assertEquals(type, s.type());
        assertEquals(category, s.category(), type);
        assertEquals(display, s.displayName(), type);
        assertEquals(inputs.size(), s.inputs().size(), type + " inputs " + s.inputs());
        for (int i = 0; i < inputs.size(); i++) {
            In want = inputs.get(i);
            InputSpec got = s.inputs().get(i);
            String at = type + "." + want.name();
            assertEquals(want.name(), got.name(), type + " input " + i);
            switch (got) {
                case FloatInput x -> {
                    assertEquals(((Number) want.def()).doubleValue(), x.defaultValue(), 0, at);
                    assertEquals(want.min().doubleValue(), x.min(), 0, at);
                    assertEquals(want.max().doubleValue(), x.max(), 0, at);
                    assertEquals(want.step().doubleValue(), x.step(), 0, at);
                    assertEquals(want.name().startsWith("cfg") ? round : 0, x.round(), 0, at + " round");
                }
                case ComboInput x -> assertEquals(want.def(), x.options().get(), at);
                case SocketInput<?> x -> assertEquals(want.def(), x.type().name(), at);
                default -> throw new AssertionError(at + ": unexpected " + got);
            }
            assertTrue(!got.optional(), at + " is required");
        }
        assertEquals(outNames, s.outputs().stream().map(OutputSpec::name).toList(), type + " output names");
        assertEquals(outTypes, s.outputs().stream().map(o -> o.type().name()).toList(), type + " output types");
        assertTrue(nodes.registry().find(type).isPresent(), type + " is registered");
    }

    @Test
    void schemasAreComfyUis() {
        In model = sock("model", "MODEL");
        In cond = sock("conditioning", "CONDITIONING");
        In strength = num("strength", 1.0, 0.0, 10.0, 0.01);
        List<String> guider = List.of("GUIDER");
        List<String> conditioning = List.of("CONDITIONING");
        shape(new GuiderNodes.DualCFGGuider(), "DualCFGGuider", "Dual CFG Guider", "sampling/guiders",
                List.of(model, sock("cond1", "CONDITIONING"), sock("cond2", "CONDITIONING"),
                        sock("negative", "CONDITIONING"), num("cfg_conds", 8.0, 0.0, 100.0, 0.1),
                        num("cfg_cond2_negative", 8.0, 0.0, 100.0, 0.1),
                        new In("style", List.of("regular", "nested"), null, null, null)),
                guider, guider, 0.01);
        shape(new GuiderNodes.PerpNegGuider(), "PerpNegGuider", "PerpNegGuider", "_for_testing",
                List.of(model, sock("positive", "CONDITIONING"), sock("negative", "CONDITIONING"),
                        sock("empty_conditioning", "CONDITIONING"), num("cfg", 8.0, 0.0, 100.0, 0.1),
                        num("neg_scale", 1.0, 0.0, 100.0, 0.01)),
                guider, guider, 0.01);
        shape(new GuidancePatchNodes.RescaleCFG(), "RescaleCFG", "RescaleCFG", "advanced/model",
                List.of(model, num("multiplier", 0.7, 0.0, 1.0, 0.01)), List.of("MODEL"), List.of("MODEL"), 0);
        shape(new GuidancePatchNodes.CFGNorm(), "CFGNorm", "CFGNorm", "advanced/guidance",
                List.of(model, num("strength", 1.0, 0.0, 100.0, 0.01)), List.of("patched_model"), List.of("MODEL"), 0);
        shape(new ConditioningEditNodes.ConditioningZeroOut(), "ConditioningZeroOut", "ConditioningZeroOut",
                "advanced/conditioning", List.of(cond), conditioning, conditioning, 0);
        shape(new ConditioningEditNodes.ConditioningSetTimestepRange(), "ConditioningSetTimestepRange",
                "ConditioningSetTimestepRange", "advanced/conditioning",
                List.of(cond, num("start", 0.0, 0.0, 1.0, 0.001), num("end", 1.0, 0.0, 1.0, 0.001)), conditioning,
                conditioning, 0);
        shape(new ConditioningEditNodes.ConditioningAverage(), "ConditioningAverage", "ConditioningAverage",
                "conditioning", List.of(sock("conditioning_to", "CONDITIONING"),
                        sock("conditioning_from", "CONDITIONING"),
                        num("conditioning_to_strength", 1.0, 0.0, 1.0, 0.01)), conditioning, conditioning, 0);
        shape(new ConditioningEditNodes.ConditioningConcat(), "ConditioningConcat", "Conditioning (Concat)",
                "conditioning", List.of(sock("conditioning_to", "CONDITIONING"),
                        sock("conditioning_from", "CONDITIONING")), conditioning, conditioning, 0);
        shape(new ConditioningEditNodes.ConditioningSetAreaPercentage(), "ConditioningSetAreaPercentage",
                "Conditioning (Set Area with Percentage)", "conditioning",
                List.of(cond, num("width", 1.0, 0.0, 1.0, 0.01), num("height", 1.0, 0.0, 1.0, 0.01),
                        num("x", 0.0, 0.0, 1.0, 0.01), num("y", 0.0, 0.0, 1.0, 0.01), strength),
                conditioning, conditioning, 0);
        shape(new ConditioningEditNodes.ConditioningSetAreaStrength(), "ConditioningSetAreaStrength",
                "ConditioningSetAreaStrength", "conditioning", List.of(cond, strength), conditioning, conditioning, 0);
        shape(new ConditioningEditNodes.ConditioningSetMask(), "ConditioningSetMask", "Conditioning (Set Mask)",
                "conditioning", List.of(cond, sock("mask", "MASK"), strength,
                        new In("set_cond_area", List.of("default", "mask bounds"), null, null, null)),
                conditioning, conditioning, 0);
    }
}
