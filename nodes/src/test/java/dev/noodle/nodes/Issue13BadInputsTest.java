package dev.noodle.nodes;

import static dev.noodle.nodes.CustomSamplerNodesTest.link;
import static dev.noodle.nodes.CustomSamplerNodesTest.node;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.engine.adapters.TinyLoras;
import dev.noodle.engine.io.DType;
import dev.noodle.engine.io.SafetensorsFile;
import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.engine.model.TinyCheckpoints;
import dev.noodle.engine.model.TinyCosxl;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.exec.RunEvent;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.node.MessageLevel;
import dev.noodle.nodes.values.LatentValue;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad inputs to the SDXL refiner, cosxl and guidance/conditioning/custom-sampling additions: broken checkpoint files,
 * LoRAs of the other SDXL family, and node inputs that do not fit, each run through the executor and checked for what
 * the user sees (a failed run naming the file or node and what to do, or ComfyUI's own behaviour).
 */
class Issue13BadInputsTest {
    @TempDir
    static Path tmp;

    static NoodleNodes nodes;
    static GraphExecutor executor;
    static Path ckpts;
    static Path loras;

    @BeforeAll
    static void setUp() throws Exception {
        ckpts = tmp.resolve("models").resolve("checkpoints");
        loras = tmp.resolve("models").resolve("loras");
        Path cosxl = TinyCosxl.write(ckpts.resolve("cosxl.safetensors"), false);
        TinyCheckpoints.write(ckpts.resolve("sdxl.safetensors"), TinyCheckpoints.Kind.SDXL);
        Path refiner = TinyCheckpoints.write(ckpts.resolve("refiner.safetensors"),
                TinyCheckpoints.Kind.SDXL_REFINER);
        TinyCosxl.write(ckpts.resolve("nan.safetensors"), false, Float.NaN, 0.002f);
        TinyCosxl.write(ckpts.resolve("negative.safetensors"), false, -5f, Float.NaN);
        TinyCosxl.write(ckpts.resolve("equal.safetensors"), false, 5f, 5f);
        rewrite(cosxl, ckpts.resolve("shape.safetensors"), Map.of("edm_vpred.sigma_max", new float[] {120f, 80f}),
                Set.of(), Map.of());
        rewrite(cosxl, ckpts.resolve("dtype.safetensors"), Map.of(), Set.of("edm_vpred.sigma_max"), Map.of());
        byte[] all = Files.readAllBytes(cosxl);
        Files.write(ckpts.resolve("truncated.safetensors"), Arrays.copyOf(all, all.length / 2));
        // the refiner's UNet and bigG with the base's CLIP-L beside them
        mix(refiner, ckpts.resolve("sdxl.safetensors"), ckpts.resolve("mixed.safetensors"),
                k -> k.startsWith("conditioner.embedders.0.transformer."));
        Path sdxlLora = TinyLoras.write(tmp.resolve("sdxl_lora_plain.safetensors"), TinyCheckpoints.sdxlUnet(),
                TinyLoras.Layout.KOHYA_DIFFUSERS, 2, 2f);
        // kohya's trainer records the base model version, as real SDXL LoRAs carry it
        rewrite(sdxlLora, loras.resolve("sdxl_lora.safetensors"), Map.of(), Set.of(),
                Map.of("ss_base_model_version", "sdxl_base_v1-0"));
        TinyLoras.write(loras.resolve("refiner_lora.safetensors"), TinyCheckpoints.refinerUnet(),
                TinyLoras.Layout.KOHYA_DIFFUSERS, 2, 2f);
        nodes = NoodleNodes.create(NodeEnvironment.of(tmp.resolve("models"), tmp.resolve("out")));
        executor = new GraphExecutor(nodes.registry(), new ResultCache(1L << 30), nodes.services());
        Path input = nodes.environment().inputDir();
        Files.createDirectories(input);
        BufferedImage img = new BufferedImage(40, 24, BufferedImage.TYPE_INT_ARGB);
        ImageIO.write(img, "png", input.resolve("mask40x24.png").toFile());
    }

    @AfterAll
    static void tearDown() {
        nodes.close();
    }

    /** Copies {@code from}, replacing the tensors in {@code replace}, storing {@code asI64} as int64, adding metadata. */
    private static void rewrite(Path from, Path to, Map<String, float[]> replace, Set<String> asI64,
            Map<String, String> metadata) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        try (SafetensorsFile f = SafetensorsFile.open(from)) {
            f.metadata().forEach(w::metadata);
            metadata.forEach(w::metadata);
            for (String k : f.keys()) {
                if (replace.containsKey(k)) {
                    float[] v = replace.get(k);
                    w.addF32(k, new long[] {v.length}, v);
                } else if (asI64.contains(k)) {
                    w.add(k, DType.I64, f.info(k).shape(),
                            () -> ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 120L));
                } else {
                    w.addF32(k, f.info(k).shape(), f.loadFloats(k));
                }
            }
        }
        w.write(to);
    }

    /** Copies {@code base} with the tensors of {@code donor} whose names pass {@code take} added. */
    private static void mix(Path base, Path donor, Path to, Predicate<String> take) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        try (SafetensorsFile f = SafetensorsFile.open(base); SafetensorsFile d = SafetensorsFile.open(donor)) {
            f.metadata().forEach(w::metadata);
            for (String k : f.keys()) {
                w.addF32(k, f.info(k).shape(), f.loadFloats(k));
            }
            for (String k : d.keys()) {
                if (take.test(k) && !f.keys().contains(k)) {
                    w.addF32(k, d.info(k).shape(), d.loadFloats(k));
                }
            }
        }
        w.write(to);
    }

    static Object l(String node) {
        return link(node, 0);
    }

    static Object l(String node, int output) {
        return link(node, output);
    }


    /** SD 1.x demo checkpoint "4" with prompts "6"/"7", the SDXL "40" with prompts "46"/"47", a 64² latent "5". */
    static final String PRELUDE = String.join(",",
            node("4", "CheckpointLoaderSimple", "ckpt_name", "noodle-demo-tiny-sd15.safetensors"),
            node("6", "CLIPTextEncode", "text", "a red fox", "clip", l("4", 1)),
            node("7", "CLIPTextEncode", "text", "", "clip", l("4", 1)),
            node("40", "CheckpointLoaderSimple", "ckpt_name", "sdxl.safetensors"),
            node("46", "CLIPTextEncode", "text", "a red fox", "clip", l("40", 1)),
            node("47", "CLIPTextEncode", "text", "", "clip", l("40", 1)),
            node("5", "EmptyLatentImage", "width", 64, "height", 64, "batch_size", 1),
            node("12", "KSamplerSelect", "sampler_name", "euler"),
            node("13", "BasicScheduler", "model", l("4"), "scheduler", "normal", "steps", 3, "denoise", 1.0));

    static final List<RunEvent> events = new ArrayList<>();

    static RunResult run(String... body) {
        String json = "{\"format\": 1, \"name\": \"t\", \"nodes\": {" + PRELUDE + ", " + String.join(", ", body)
                + "}}";
        var wf = WorkflowJson.parse(json, "test", nodes.registry());
        events.clear();
        return executor.run(wf, new RunOptions(Set.copyOf(wf.nodes().keySet()), "t"), events::add,
                new CancellationToken());
    }

    static RunResult succeeds(String... body) {
        RunResult r = run(body);
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
        return r;
    }

    /** Runs {@code body}, expects node {@code node} to fail, and returns the message the user sees. */
    static String fails(String node, String... body) {
        RunResult r = run(body);
        assertEquals(RunResult.Status.FAILED, r.status(), r.message());
        assertEquals(node, r.failedNode(), r.message());
        return r.message();
    }

    static void says(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), "'" + p + "' missing in: " + message);
        }
    }

    static List<String> warnings(String node) {
        List<String> out = new ArrayList<>();
        for (RunEvent e : events) {
            if (e instanceof RunEvent.NodeMessage m && m.nodeId().equals(node) && m.level() == MessageLevel.WARNING) {
                out.add(m.text());
            }
        }
        return out;
    }

    static float[] latent(RunResult r, String node) {
        return assertInstanceOf(LatentValue.class, r.outputs().get(node).value(0)).samples().data();
    }

    static String ksampler(String id, String model, String pos, String neg) {
        return node(id, "KSampler", "model", l(model), "seed", 1, "steps", 2, "cfg", 5.0, "sampler_name", "euler",
                "scheduler", "normal", "positive", l(pos), "negative", l(neg), "latent_image", l("5"), "denoise",
                1.0);
    }

    static String custom(String id, String model, String pos, String neg, String sampler, Object sigmas) {
        return node(id, "SamplerCustom", "model", l(model), "add_noise", true, "noise_seed", 1, "cfg", 5.0,
                "positive", l(pos), "negative", l(neg), "sampler", l(sampler), "sigmas", sigmas, "latent_image",
                l("5"));
    }

    static String loadAndSample(String file) {
        return fails("50", node("50", "CheckpointLoaderSimple", "ckpt_name", file),
                node("51", "CLIPTextEncode", "text", "a", "clip", l("50", 1)), ksampler("52", "50", "51", "51"));
    }

    /** A cosxl whose stored σ range is NaN, negative, empty or not one number is refused naming the file and key. */
    @Test
    void cosxlWithABrokenSigmaRangeIsRefusedNamingFileAndKey() {
        says(loadAndSample("nan.safetensors"), "nan.safetensors", "sigma_max NaN", "need 0 < sigma_min < sigma_max");
        says(loadAndSample("negative.safetensors"), "negative.safetensors", "sigma_max -5.0");
        says(loadAndSample("equal.safetensors"), "equal.safetensors", "sigma_min 5.0 and sigma_max 5.0");
        says(loadAndSample("shape.safetensors"), "shape.safetensors", "'edm_vpred.sigma_max' should hold one number",
                "holds 2");
        says(loadAndSample("truncated.safetensors"), "truncated.safetensors", "truncated", "Re-download");
    }

    /** An int64 σ_max is a number all the same (ComfyUI reads it with .item()); it samples. */
    @Test
    void cosxlWithAnIntegerSigmaMaxLoads() {
        succeeds(node("50", "CheckpointLoaderSimple", "ckpt_name", "dtype.safetensors"),
                node("51", "CLIPTextEncode", "text", "a", "clip", l("50", 1)), ksampler("52", "50", "51", "51"));
    }

    /**
     * A refiner file with the base's CLIP-L beside its own parts is still the refiner (ComfyUI detects by the UNet
     * and takes the text encoder its config names): it loads and samples.
     */
    @Test
    void refinerWithBaseTextEncoderPartsLoadsAsTheRefiner() {
        succeeds(node("50", "CheckpointLoaderSimple", "ckpt_name", "mixed.safetensors"),
                node("51", "CLIPTextEncode", "text", "a", "clip", l("50", 1)), ksampler("52", "50", "51", "51"));
    }

    /**
     * An SDXL LoRA on the refiner and a refiner LoRA on SDXL: ComfyUI patches what fits and logs the rest; Noodle
     * does the same and warns on the loader node, naming both families or the modules left out.
     */
    @Test
    void loraOfTheOtherSdxlFamilyWarnsOnTheLoader() {
        succeeds(node("50", "CheckpointLoaderSimple", "ckpt_name", "refiner.safetensors"),
                node("53", "LoraLoader", "model", l("50"), "clip", l("50", 1), "lora_name", "sdxl_lora.safetensors",
                        "strength_model", 1.0, "strength_clip", 1.0),
                node("51", "CLIPTextEncode", "text", "a", "clip", l("53", 1)), ksampler("52", "53", "51", "51"));
        assertEquals(1, warnings("53").size(), events.toString());
        says(warnings("53").get(0), "sdxl_lora", "made for SDXL, this checkpoint is SDXL refiner");
        succeeds(node("53", "LoraLoaderModelOnly", "model", l("40"), "lora_name", "refiner_lora.safetensors",
                "strength_model", 1.0), ksampler("52", "53", "46", "47"));
        assertEquals(1, warnings("53").size(), events.toString());
        says(warnings("53").get(0), "refiner_lora", "matches only", "Check that it was trained for this kind");
    }

    /** A mask of another size than the latent is resized to it, as ComfyUI does. */
    @Test
    void maskOfAnotherSizeIsResized() {
        RunResult plain = succeeds(ksampler("52", "4", "6", "7"));
        RunResult masked = succeeds(node("60", "LoadImage", "image", "mask40x24.png"),
                node("61", "ConditioningSetMask", "conditioning", l("6"), "mask", l("60", 1), "strength", 1.0,
                        "set_cond_area", "default"), ksampler("52", "4", "61", "7"));
        // a transparent image's mask is 1 everywhere: the masked prompt applies everywhere
        float[] a = latent(plain, "52");
        float[] b = latent(masked, "52");
        float max = 0;
        for (float v : a) {
            max = Math.max(max, Math.abs(v));
        }
        for (int i = 0; i < a.length; i++) {
            // the masked path sums in another order: float32 rounding relative to the largest value
            assertEquals(a[i], b[i], 1e-5f * max, "at " + i);
        }
    }

    /** start after end would silence the prompt at every step; it is refused naming both values. */
    @Test
    void timestepRangeStartingAfterItsEndIsRefused() {
        says(fails("61", node("61", "ConditioningSetTimestepRange", "conditioning", l("6"), "start", 0.8, "end", 0.2),
                ksampler("52", "4", "61", "7")), "ConditioningSetTimestepRange", "start 0.8", "end 0.2");
        succeeds(node("61", "ConditioningSetTimestepRange", "conditioning", l("6"), "start", 0.5, "end", 0.5),
                ksampler("52", "4", "61", "7"));
    }

    /** Averaging or concatenating an SD 1.x and an SDXL conditioning is refused on that node. */
    @Test
    void averageAndConcatOfDifferentWidthsAreRefused() {
        says(fails("61", node("61", "ConditioningAverage", "conditioning_to", l("6"), "conditioning_from", l("46"),
                "conditioning_to_strength", 0.5), ksampler("52", "4", "61", "7")), "ConditioningAverage",
                "conditioning_from", "same CLIP");
        says(fails("61", node("61", "ConditioningConcat", "conditioning_to", l("6"), "conditioning_from", l("46")),
                ksampler("52", "4", "61", "7")), "ConditioningConcat", "same CLIP");
    }

    /**
     * InstructPixToPixConditioning on a 4-channel model: ComfyUI's model has no concat input and ignores the image
     * latent, sampling as without it; so does Noodle.
     */
    @Test
    void instructPixToPixOnAPlainModelIsIgnoredAsComfyUiDoes() {
        RunResult r = succeeds(node("60", "LoadImage", "image", "mask40x24.png"),
                node("63", "ImageScale", "image", l("60"), "upscale_method", "nearest-exact", "width", 64,
                        "height", 64, "crop", "disabled"),
                node("61", "InstructPixToPixConditioning", "positive", l("6"), "negative", l("7"), "vae", l("4", 2),
                        "pixels", l("63")),
                node("52", "KSampler", "model", l("4"), "seed", 1, "steps", 2, "cfg", 5.0, "sampler_name", "euler",
                        "scheduler", "normal", "positive", l("61", 0), "negative", l("61", 1), "latent_image",
                        l("5"), "denoise", 1.0), ksampler("53", "4", "6", "7"));
        assertArrayEquals(latent(r, "53"), latent(r, "52"), 1e-6f);
    }

    /** A guider handed an SDXL conditioning for an SD 1.x model fails on the guider, naming the input. */
    @Test
    void guidersRefuseConditioningOfAnotherFamily() {
        String sample = node("52", "SamplerCustomAdvanced", "noise", l("10"), "guider", l("61"), "sampler", l("12"),
                "sigmas", l("13"), "latent_image", l("5"));
        String noise = node("10", "RandomNoise", "noise_seed", 1);
        says(fails("61", node("61", "DualCFGGuider", "model", l("4"), "cond1", l("46"), "cond2", l("6"),
                "negative", l("7"), "cfg_conds", 5.0, "cfg_cond2_negative", 2.0, "style", "regular"), noise, sample),
                "DualCFGGuider", "cond1", "width 192", "takes 64", "SD 1.x");
        says(fails("61", node("61", "PerpNegGuider", "model", l("4"), "positive", l("6"), "negative", l("47"),
                "empty_conditioning", l("7"), "cfg", 5.0, "neg_scale", 1.0), noise, sample),
                "PerpNegGuider", "negative", "width 192");
    }

    /** An empty SIGMAS leaves the latent as it came, as ComfyUI's guider returns it unsampled. */
    @Test
    void emptySigmasReturnTheLatentUnchanged() {
        RunResult r = succeeds(node("61", "SplitSigmas", "sigmas", l("13"), "step", 100),
                custom("52", "4", "6", "7", "12", l("61", 1)));
        float[] out = latent(r, "52");
        assertEquals(4 * 8 * 8, out.length);
        for (float v : out) {
            assertEquals(0f, v);
        }
    }

    /**
     * Ascending SIGMAS (FlipSigmas): sa_solver's λ steps turn negative and its output would be NaN, so it is refused
     * naming the sampler and the rising step; Euler runs such a schedule as ComfyUI does.
     */
    @Test
    void ascendingSigmasAreRefusedBySaSolver() {
        for (String s : new String[] {"sa_solver", "sa_solver_pece"}) {
            says(fails("52", node("61", "FlipSigmas", "sigmas", l("13")),
                    node("62", "KSamplerSelect", "sampler_name", s), custom("52", "4", "6", "7", "62", l("61"))),
                    s + " needs SIGMAS that fall", "FlipSigmas");
        }
        succeeds(node("61", "FlipSigmas", "sigmas", l("13")), custom("52", "4", "6", "7", "12", l("61")));
        succeeds(node("62", "KSamplerSelect", "sampler_name", "sa_solver"), custom("52", "4", "6", "7", "62",
                l("13")));
    }

    /** ModelSamplingContinuousEDM with sigma_min at or above sigma_max is refused naming both. */
    @Test
    void continuousEdmWithAnEmptyRangeIsRefused() {
        for (double min : new double[] {2.0, 1.0}) {
            says(fails("61", node("61", "ModelSamplingContinuousEDM", "model", l("4"), "sampling", "v_prediction",
                    "sigma_max", 1.0, "sigma_min", min), ksampler("52", "61", "6", "7")), "sigma_min " + min,
                    "sigma_max 1.0", "below sigma_max");
        }
    }
}
