package dev.noodle.nodes;

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
import dev.noodle.graph.spec.BoolInput;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.OutputSpec;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import dev.noodle.nodes.sampling.CustomSamplerNodes;
import dev.noodle.nodes.sampling.SamplerNodes;
import dev.noodle.nodes.values.LatentValue;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The custom-sampling nodes: their shapes are ComfyUI's (comfy_extras/nodes_custom_sampler.py), and on the demo
 * model they sample exactly as KSampler / KSamplerAdvanced do when given the same schedule, seed and guidance.
 */
class CustomSamplerNodesTest {
    @TempDir
    static Path tmp;

    static NoodleNodes nodes;
    static GraphExecutor executor;

    /** Checkpoint "4", prompts "6" / "7", an empty 64×64 latent "5". */
    static final String PRELUDE = node("4", "CheckpointLoaderSimple", "ckpt_name",
            "noodle-demo-tiny-sd15.safetensors")
            + "," + node("6", "CLIPTextEncode", "text", "a red fox in the snow", "clip", link("4", 1))
            + "," + node("7", "CLIPTextEncode", "text", "text, watermark", "clip", link("4", 1))
            + "," + node("5", "EmptyLatentImage", "width", 64, "height", 64, "batch_size", 1);

    @BeforeAll
    static void setUp() {
        nodes = NoodleNodes.create(NodeEnvironment.of(tmp.resolve("models"), tmp.resolve("out")));
        executor = new GraphExecutor(nodes.registry(), new ResultCache(1L << 30), nodes.services());
    }

    @AfterAll
    static void tearDown() {
        nodes.close();
    }

    // ------------------------------------------------------------------ workflow helpers

    private record Link(String node, int output) {}

    static Object link(String node, int output) {
        return new Link(node, output);
    }

    /** One node as workflow JSON: {@code "id": {"type": ..., "inputs": {k: v, ...}}}. */
    static String node(String id, String type, Object... kv) {
        StringBuilder b = new StringBuilder("\"" + id + "\": {\"type\": \"" + type + "\", \"inputs\": {");
        for (int i = 0; i < kv.length; i += 2) {
            Object v = kv[i + 1];
            String json = switch (v) {
                case Link l -> "[\"" + l.node() + "\", " + l.output() + "]";
                case String s -> "\"" + s + "\"";
                default -> String.valueOf(v);
            };
            b.append(i > 0 ? ", " : "").append('"').append(kv[i]).append("\": ").append(json);
        }
        return b.append("}}").toString();
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

    static float[] latent(RunResult r, String node, int output) {
        return assertInstanceOf(LatentValue.class, r.outputs().get(node).value(output)).samples().data();
    }

    static void assertClose(float[] want, float[] got, double tol, String what) {
        assertEquals(want.length, got.length, what + " size");
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], tol, what + " at " + i);
        }
    }

    static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    static String ksampler(String id, long seed, String sampler, double cfg, Object latent) {
        return node(id, "KSampler", "model", link("4", 0), "seed", seed, "steps", 3, "cfg", cfg, "sampler_name",
                sampler, "scheduler", "normal", "positive", link("6", 0), "negative", link("7", 0), "latent_image",
                latent, "denoise", 1.0);
    }

    /** KSamplerSelect "12" and BasicScheduler "13" (normal, 3 steps, denoise 1). */
    static String samplerAndSigmas(String sampler) {
        return node("12", "KSamplerSelect", "sampler_name", sampler) + ", "
                + node("13", "BasicScheduler", "model", link("4", 0), "scheduler", "normal", "steps", 3, "denoise",
                        1.0);
    }

    static String advanced(String id, String noise, String guider, Object latent) {
        return node(id, "SamplerCustomAdvanced", "noise", link(noise, 0), "guider", link(guider, 0), "sampler",
                link("12", 0), "sigmas", link("13", 0), "latent_image", latent);
    }

    static String custom(String id, boolean addNoise, long seed, double cfg, Object latent) {
        return node(id, "SamplerCustom", "model", link("4", 0), "add_noise", addNoise, "noise_seed", seed, "cfg", cfg,
                "positive", link("6", 0), "negative", link("7", 0), "sampler", link("12", 0), "sigmas",
                link("13", 0), "latent_image", latent);
    }

    // ------------------------------------------------------------------ numbers

    /** RandomNoise + CFGGuider + KSamplerSelect + BasicScheduler give KSampler's latent, and so does SamplerCustom. */
    @Test
    void customSamplersMatchKSampler() {
        for (String sampler : List.of("euler", "euler_ancestral")) {
            RunResult r = run(ksampler("3", 42, sampler, 7.0, link("5", 0)), samplerAndSigmas(sampler),
                    node("10", "RandomNoise", "noise_seed", 42),
                    node("11", "CFGGuider", "model", link("4", 0), "positive", link("6", 0), "negative",
                            link("7", 0), "cfg", 7.0),
                    advanced("14", "10", "11", link("5", 0)), custom("15", true, 42, 7.0, link("5", 0)),
                    node("16", "RandomNoise", "noise_seed", 43), advanced("17", "16", "11", link("5", 0)));
            float[] want = latent(r, "3", 0);
            assertClose(want, latent(r, "14", 0), 1e-5, sampler + " SamplerCustomAdvanced vs KSampler");
            assertClose(want, latent(r, "15", 0), 1e-5, sampler + " SamplerCustom vs KSampler");
            assertTrue(maxDiff(want, latent(r, "17", 0)) > 1e-2, sampler + ": another seed gives another latent");
        }
    }

    /** Euler's last step lands on σ = 0, where the sample is the last denoised estimate: the two outputs agree. */
    @Test
    void denoisedOutputIsTheLastEstimateAtVaeScale() {
        RunResult r = run(samplerAndSigmas("euler"), custom("15", true, 7, 7.0, link("5", 0)),
                node("20", "SplitSigmas", "sigmas", link("13", 0), "step", 2),
                node("21", "SamplerCustom", "model", link("4", 0), "add_noise", true, "noise_seed", 7, "cfg", 7.0,
                        "positive", link("6", 0), "negative", link("7", 0), "sampler", link("12", 0), "sigmas",
                        link("20", 0), "latent_image", link("5", 0)));
        assertClose(latent(r, "15", 0), latent(r, "15", 1), 1e-4, "denoised_output vs output at σ = 0");
        // stopping at step 2 of 3 leaves noise in the output, but not in the denoised estimate
        assertTrue(maxDiff(latent(r, "21", 0), latent(r, "21", 1)) > 1e-2, "leftover noise differs from x0");
    }

    /** An empty schedule (BasicScheduler at denoise 0) samples nothing: both outputs are the input latent. */
    @Test
    void emptyScheduleReturnsTheLatent() {
        RunResult r = run(ksampler("3", 9, "euler", 7.0, link("5", 0)),
                node("12", "KSamplerSelect", "sampler_name", "euler"),
                node("13", "BasicScheduler", "model", link("4", 0), "scheduler", "normal", "steps", 3, "denoise", 0.0),
                custom("15", true, 9, 7.0, link("3", 0)));
        float[] in = latent(r, "3", 0);
        assertTrue(maxDiff(in, new float[in.length]) > 1e-2, "the input latent is not empty");
        assertClose(in, latent(r, "15", 0), 0, "output");
        assertClose(in, latent(r, "15", 1), 0, "denoised_output");
    }

    /** DisableNoise samples the latent as it is, as KSamplerAdvanced with add_noise disable. */
    @Test
    void disabledNoiseMatchesKSamplerAdvancedWithoutNoise() {
        RunResult r = run(ksampler("3", 42, "euler", 7.0, link("5", 0)), samplerAndSigmas("euler"),
                node("8", "KSamplerAdvanced", "model", link("4", 0), "add_noise", "disable", "noise_seed", 5,
                        "steps", 3, "cfg", 7.0, "sampler_name", "euler", "scheduler", "normal", "positive",
                        link("6", 0), "negative", link("7", 0), "latent_image", link("3", 0), "start_at_step", 0,
                        "end_at_step", 10000, "return_with_leftover_noise", "disable"),
                node("10", "DisableNoise"),
                node("11", "CFGGuider", "model", link("4", 0), "positive", link("6", 0), "negative", link("7", 0),
                        "cfg", 7.0),
                advanced("14", "10", "11", link("3", 0)), custom("15", false, 5, 7.0, link("3", 0)),
                node("16", "RandomNoise", "noise_seed", 5), advanced("17", "16", "11", link("3", 0)));
        float[] want = latent(r, "8", 0);
        assertClose(want, latent(r, "14", 0), 1e-5, "DisableNoise vs add_noise disable");
        assertClose(want, latent(r, "15", 0), 1e-5, "SamplerCustom add_noise false vs add_noise disable");
        assertTrue(maxDiff(want, latent(r, "17", 0)) > 1e-2, "added noise changes the result");
    }

    /** BasicGuider is CFGGuider at cfg 1 (the negative unused); other cfg values differ. */
    @Test
    void basicGuiderIsCfgOne() {
        RunResult r = run(samplerAndSigmas("euler"), node("10", "RandomNoise", "noise_seed", 3),
                node("11", "BasicGuider", "model", link("4", 0), "conditioning", link("6", 0)),
                node("18", "CFGGuider", "model", link("4", 0), "positive", link("6", 0), "negative", link("7", 0),
                        "cfg", 1.0),
                node("19", "CFGGuider", "model", link("4", 0), "positive", link("6", 0), "negative", link("7", 0),
                        "cfg", 4.0),
                advanced("14", "10", "11", link("5", 0)), advanced("15", "10", "18", link("5", 0)),
                advanced("16", "10", "19", link("5", 0)));
        assertClose(latent(r, "15", 0), latent(r, "14", 0), 1e-6, "BasicGuider vs CFGGuider cfg 1");
        assertTrue(maxDiff(latent(r, "14", 0), latent(r, "16", 0)) > 1e-2, "cfg 4 differs from cfg 1");
    }

    // ------------------------------------------------------------------ shapes

    private record In(String name, Object def, Number min, Number max, Number step) {}

    private static In sock(String name, String type) {
        return new In(name, type, null, null, null);
    }

    /** Checks category, display name, inputs (names, order, types, defaults, ranges) and outputs against ComfyUI's. */
    private static void shape(Node node, String display, String category, List<In> inputs, List<String> outNames,
            List<String> outTypes) {
        NodeSchema s = node.schema();
        assertEquals(category, s.category(), s.type());
        assertEquals(display, s.displayName(), s.type());
        assertEquals(inputs.size(), s.inputs().size(), s.type() + " inputs " + s.inputs());
        for (int i = 0; i < inputs.size(); i++) {
            In want = inputs.get(i);
            InputSpec got = s.inputs().get(i);
            String at = s.type() + "." + want.name();
            assertEquals(want.name(), got.name(), s.type() + " input " + i);
            switch (got) {
                case IntInput x -> {
                    assertEquals(((Number) want.def()).longValue(), x.defaultValue(), at);
                    assertEquals(want.min().longValue(), x.min(), at);
                    assertEquals(want.max().longValue(), x.max(), at);
                    assertTrue(x.controlAfterGenerate(), at + " control_after_generate");
                }
                case FloatInput x -> {
                    assertEquals(((Number) want.def()).doubleValue(), x.defaultValue(), 0, at);
                    assertEquals(want.min().doubleValue(), x.min(), 0, at);
                    assertEquals(want.max().doubleValue(), x.max(), 0, at);
                    assertEquals(want.step().doubleValue(), x.step(), 0, at);
                    assertEquals(0.01, x.round(), 0, at + " round");
                }
                case BoolInput x -> assertEquals(want.def(), x.defaultValue(), at);
                case ComboInput x -> assertEquals(want.def(), x.options().get(), at);
                case SocketInput<?> x -> assertEquals(want.def(), x.type().name(), at);
                default -> throw new AssertionError(at + ": unexpected " + got);
            }
            assertTrue(!got.optional(), at + " is required");
        }
        assertEquals(outNames, s.outputs().stream().map(OutputSpec::name).toList(), s.type() + " output names");
        assertEquals(outTypes, s.outputs().stream().map(o -> o.type().name()).toList(), s.type() + " output types");
    }

    @Test
    void schemasAreComfyUis() {
        // KSamplerSelect offers ComfyUI's SAMPLER_NAMES, the list KSampler's sampler_name offers
        NodeSchema ks = new SamplerNodes.KSampler().schema();
        Object samplerNames = ks.inputs().stream().filter(i -> i.name().equals("sampler_name"))
                .map(i -> ((ComboInput) i).options().get()).findFirst().orElseThrow();
        assertTrue(samplerNames instanceof List<?> l && l.contains("euler") && l.contains("dpmpp_2m"),
                String.valueOf(samplerNames));
        long seedMax = ks.inputs().stream().filter(i -> i.name().equals("seed")).map(i -> ((IntInput) i).max())
                .findFirst().orElseThrow();
        In model = sock("model", "MODEL");
        In positive = sock("positive", "CONDITIONING");
        In negative = sock("negative", "CONDITIONING");
        In cfg = new In("cfg", 8.0, 0.0, 100.0, 0.1);
        In seed = new In("noise_seed", 0, 0, seedMax, null);
        In sampler = sock("sampler", "SAMPLER");
        In sigmas = sock("sigmas", "SIGMAS");
        In latent = sock("latent_image", "LATENT");
        List<String> outs = List.of("output", "denoised_output");
        List<String> latents = List.of("LATENT", "LATENT");
        shape(new CustomSamplerNodes.KSamplerSelect(), "KSamplerSelect", "sampling/samplers",
                List.of(new In("sampler_name", samplerNames, null, null, null)), List.of("SAMPLER"),
                List.of("SAMPLER"));
        shape(new CustomSamplerNodes.RandomNoise(), "RandomNoise", "sampling/noise", List.of(seed),
                List.of("NOISE"), List.of("NOISE"));
        shape(new CustomSamplerNodes.DisableNoise(), "DisableNoise", "sampling/noise", List.of(), List.of("NOISE"),
                List.of("NOISE"));
        shape(new CustomSamplerNodes.BasicGuider(), "Basic Guider", "sampling/guiders",
                List.of(model, sock("conditioning", "CONDITIONING")), List.of("GUIDER"), List.of("GUIDER"));
        shape(new CustomSamplerNodes.CFGGuider(), "CFG Guider", "sampling/guiders",
                List.of(model, positive, negative, cfg), List.of("GUIDER"), List.of("GUIDER"));
        shape(new CustomSamplerNodes.SamplerCustomAdvanced(), "SamplerCustomAdvanced", "sampling/custom_sampling",
                List.of(sock("noise", "NOISE"), sock("guider", "GUIDER"), sampler, sigmas, latent), outs, latents);
        shape(new CustomSamplerNodes.SamplerCustom(), "SamplerCustom", "sampling/custom_sampling",
                List.of(model, new In("add_noise", true, null, null, null), seed, cfg, positive, negative, sampler,
                        sigmas, latent), outs, latents);
        List<String> registered = new ArrayList<>();
        for (String t : List.of("KSamplerSelect", "RandomNoise", "DisableNoise", "BasicGuider", "CFGGuider",
                "SamplerCustom", "SamplerCustomAdvanced")) {
            if (nodes.registry().find(t).isPresent()) {
                registered.add(t);
            }
        }
        assertEquals(7, registered.size(), "registered: " + registered);
    }
}
