package dev.noodle.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunListener;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.validate.Validator;
import dev.noodle.nodes.host.DemoAddons;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every example workflow in this folder validates against the real registry and runs at 64² — on the demo model, or
 * for the SD 2.x / SDXL / Pony examples on tiny checkpoints of their family under the names they reference — from an
 * empty input folder (the inpaint example image is generated on first use, as on a fresh clone).
 */
class ExampleWorkflowsTest {
    @TempDir
    static Path tmp;

    static NoodleNodes nodes;
    static GraphExecutor executor;

    @BeforeAll
    static void setUp() throws Exception {
        Path models = tmp.resolve("models");
        DemoAddons.ensure(models);
        BaseModelWorkflowsTest.writeTinyCheckpoints(models.resolve("checkpoints"));
        NodeEnvironment env = NodeEnvironment.of(models, tmp.resolve("output"));
        nodes = NoodleNodes.create(env);
        executor = new GraphExecutor(nodes.registry(), new ResultCache(1L << 30), nodes.services());
    }

    @AfterAll
    static void tearDown() {
        if (nodes != null) {
            nodes.close();
        }
    }

    static List<Path> workflows() throws Exception {
        Path dir = Path.of("").toAbsolutePath();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
        }
    }

    /** The workflow at 64×64 with 2 steps. */
    static Workflow small(Workflow wf) {
        Workflow out = wf;
        for (NodeInstance n : wf.nodes().values()) {
            NodeInstance m = n;
            if (n.type().equals("EmptyLatentImage")) {
                m = m.withInput("width", Literal.of(64L)).withInput("height", Literal.of(64L));
            }
            if (n.type().startsWith("KSampler")
                    || (wf.subgraphs().containsKey(n.type()) && n.input("steps") instanceof Literal)) {
                m = m.withInput("steps", Literal.of(2L)); // a subgraph's promoted steps too
            }
            if (n.type().equals("VAEDecodeTiled")) {
                m = m.withInput("tile_size", Literal.of(64L)).withInput("overlap", Literal.of(16L));
            }
            out = out.withNode(m);
        }
        return out;
    }

    @TestFactory
    Stream<DynamicTest> everyWorkflowValidatesAndRuns() throws Exception {
        List<Path> files = workflows();
        assertTrue(files.size() >= 8, "example workflows found: " + files);
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            Workflow wf = WorkflowJson.read(f, nodes.registry());
            assertEquals(List.of(), new Validator(nodes.registry()).validate(wf), "validation of " + f);
            RunResult r = executor.run(small(wf), new RunOptions(Set.of(), f.getFileName().toString()),
                    RunListener.none(), new CancellationToken());
            assertEquals(RunResult.Status.SUCCESS, r.status(), f + ": " + r.message());
            assertFalse(r.outputs().isEmpty());
            assertSavedImagesCarryTheirWorkflow(small(wf), r, f);
        }));
    }

    /**
     * Every PNG the run saved carries the workflow it came from (ComfyUI's {@code prompt} and {@code workflow}
     * chunks), read from the run's own context: the same node ids and types, and the changed literals.
     */
    static void assertSavedImagesCarryTheirWorkflow(Workflow ran, RunResult r, Path file) throws Exception {
        int pngs = 0;
        for (var out : r.outputs().values()) {
            if (!(out.ui().get("images") instanceof List<?> images)) {
                continue;
            }
            for (Object o : images) {
                Path png = (Path) o;
                if (!png.getFileName().toString().endsWith(".png")) {
                    continue;
                }
                pngs++;
                java.util.Map<String, String> text = dev.noodle.engine.image.PngText.read(png);
                assertTrue(text.containsKey("prompt") && text.containsKey("workflow"),
                        file + ": " + png.getFileName() + " carries " + text.keySet());
                Workflow back = dev.noodle.graph.json.ComfyApiFormat.read(text.get("prompt"), png.toString());
                // the prompt is the flat graph a ComfyUI server runs: subgraph hosts as their inner nodes
                Workflow flat = dev.noodle.graph.subgraph.SubgraphFlattener.flatten(ran).workflow();
                assertEquals(flat.nodes().keySet(), back.nodes().keySet(), file + ": node ids in " + png);
                if (!ran.subgraphs().isEmpty()) {
                    Workflow kept = WorkflowJson.parse(text.get("workflow"), png.toString(), nodes.registry());
                    assertEquals(ran.subgraphs().keySet(), kept.subgraphs().keySet(), file + ": subgraphs in " + png);
                }
                for (NodeInstance n : flat.nodes().values()) {
                    assertEquals(n.type(), back.nodes().get(n.id()).type(), file + ": node " + n.id());
                    if (n.type().startsWith("KSampler")) {
                        assertEquals(2L, ((Number) ((Literal) back.nodes().get(n.id()).input("steps")).value())
                                .longValue(), file + ": the steps that ran, not the file's");
                    }
                }
            }
        }
        assertTrue(pngs > 0, file + ": no PNG saved");
    }

    // ---- ComfyUI's own example workflows (comfyanonymous/ComfyUI_examples, see resources/comfyui_examples) ----

    /** What one of ComfyUI's examples does today on Noodle. */
    private sealed interface Expect permits Runs, Pending, Unsupported {}

    /** Runs unchanged (sizes and steps reduced) and saves or previews its image. */
    private record Runs() implements Expect {}

    /**
     * Waits for a node or sampler another part of issue 13 adds: fails today with a message naming one of
     * {@code missing}; once it runs, move the example to {@link Runs}.
     */
    private record Pending(List<String> missing) implements Expect {}

    /** Needs a model kind or node outside issue 13 (ControlNet, GLIGEN, unCLIP, CLIP vision, upscale models). */
    private record Unsupported(List<String> missing) implements Expect {}

    private static Expect pending(String... missing) {
        return new Pending(List.of(missing));
    }

    private static Expect unsupported(String... missing) {
        return new Unsupported(List.of(missing));
    }

    /** Every extracted example by file name, with what it does today. */
    static final java.util.Map<String, Expect> COMFYUI_EXAMPLES = new java.util.TreeMap<>(java.util.Map.ofEntries(
            // SD 1.x / SD 2.x: txt2img, img2img, hires fix, LoRA, hypernetwork, embedding, merging, inpainting,
            // area composition
            java.util.Map.entry("embedding_example", new Runs()),
            java.util.Map.entry("hiresfix_latent_workflow", new Runs()),
            java.util.Map.entry("hypernetwork_example", new Runs()),
            java.util.Map.entry("hypernetwork_example_output", new Runs()),
            java.util.Map.entry("img2img_workflow", new Runs()),
            java.util.Map.entry("inpain_model_cat", new Runs()),
            java.util.Map.entry("inpain_model_woman", new Runs()),
            java.util.Map.entry("inpaint_anythingv3_woman", new Runs()),
            java.util.Map.entry("inpaint_example", new Runs()),
            java.util.Map.entry("latent_upscale_different_prompt_model", new Runs()),
            java.util.Map.entry("lora", new Runs()),
            java.util.Map.entry("lora_multiple", new Runs()),
            java.util.Map.entry("model_merging_basic", new Runs()),
            java.util.Map.entry("model_merging_inpaint", new Runs()),
            java.util.Map.entry("model_merging_lora", new Runs()),
            // block merging (ModelMergeBlocks) and CosXL's recipe (ModelMergeSDXL, CLIPMergeSubtract, CLIPMergeAdd)
            java.util.Map.entry("model_merging_3_checkpoints", new Runs()),
            java.util.Map.entry("model_merging_cosxl", new Runs()),
            java.util.Map.entry("morning_day_evening_night", new Runs()),
            java.util.Map.entry("night_evening_day_morning", new Runs()),
            java.util.Map.entry("night_evening_day_morning_subject", new Runs()),
            java.util.Map.entry("square_area_for_2_subjects", new Runs()),
            java.util.Map.entry("square_area_for_2_subjects_first_pass", new Runs()),
            java.util.Map.entry("square_area_for_subject", new Runs()),
            java.util.Map.entry("workflow_night_evening_day_morning", new Runs()),
            // SDXL: base → refiner hand-over (KSamplerAdvanced with leftover noise), Turbo, LCM-LoRA
            java.util.Map.entry("sdxl_simple_example", new Runs()),
            java.util.Map.entry("sdxl_refiner_prompt_example", new Runs()),
            java.util.Map.entry("sdxlturbo_example", new Runs()),
            java.util.Map.entry("lcm_basic_example", new Runs()),
            // CosXL edit model (8-channel UNet, EDM v-prediction): InstructPixToPixConditioning + DualCFGGuider
            java.util.Map.entry("sdxl_edit_model", new Runs()),
            // Stable unCLIP 2.1 (unCLIPCheckpointLoader's image tower) and SDXL revision (clip_vision_g)
            java.util.Map.entry("unclip_example", new Runs()),
            java.util.Map.entry("unclip_example_multiple", new Runs()),
            java.util.Map.entry("unclip_2pass", new Runs()),
            java.util.Map.entry("sdxl_revision_text_prompts", new Runs()),
            java.util.Map.entry("sdxl_revision_zero_positive", new Runs()),
            // GLIGEN text boxes (a tiny GLIGEN file for the demo UNet under the published name)
            java.util.Map.entry("gligen_textbox_example", new Runs()),
            // Pending (nodes another part of issue 13 is adding): none left. model_merging_cosxl waited for
            // ModelSamplingContinuousEDM and sdxl_edit_model for InstructPixToPixConditioning and DualCFGGuider;
            // an example waiting for such a node goes here as pending("NodeName", ...).
            // Outside issue 13: ControlNet / T2I-Adapter, unCLIP and SDXL revision (CLIP vision), ESRGAN
            // upscale models, outpaint padding and latent compositing.
            java.util.Map.entry("2_pass_pose_worship", new Runs()),
            java.util.Map.entry("controlnet_example", new Runs()),
            java.util.Map.entry("depth_controlnet", new Runs()),
            java.util.Map.entry("depth_t2i_adapter", new Runs()),
            java.util.Map.entry("mixing_controlnets", new Runs()),
            // upscale models: Real-ESRGAN x2 (pixel-unshuffle input) and x4plus, tiny random-weight .pth files
            java.util.Map.entry("esrgan_example", new Runs()),
            java.util.Map.entry("hiresfix_esrgan_workflow", new Runs()),
            // outpainting: ImagePadForOutpaint's grey margins and mask into VAEEncodeForInpaint (SD 2 inpainting)
            java.util.Map.entry("inpain_model_outpainting", new Runs()),
            java.util.Map.entry("yosemite_outpaint_example", new Runs()),
            // noisy latent composition: three subjects sampled part-way, pasted into a background with
            // LatentComposite's feathered edges, then finished together
            java.util.Map.entry("noisy_latents_3_subjects", new Runs()),
            java.util.Map.entry("noisy_latents_3_subjects_", new Runs())));

    static NoodleNodes comfyNodes;
    static GraphExecutor comfyExecutor;

    /** The example prompts in resources/comfyui_examples. */
    static List<Path> comfyUiExamples() throws Exception {
        Path dir = Path.of(ExampleWorkflowsTest.class.getResource("/comfyui_examples").toURI());
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
        }
    }

    /**
     * Tiny random-weight models in the real layouts under every name the examples load: SD 1.x checkpoints as the
     * demo model, SD 2.x (768-v), SDXL, the SDXL refiner and the inpainting models as {@link
     * dev.noodle.engine.model.TinyCheckpoints}, VAEs and a hypernetwork as the demo add-ons, LoRAs (plain and
     * LCM-LoRA SDXL) in the kohya-diffusers layout of {@link dev.noodle.engine.adapters.TinyLoras}, a T2I-Adapter
     * {@code .pth} of {@link dev.noodle.engine.control.TinyAdapters}, unCLIP checkpoints and a CLIP vision tower as
     * {@link dev.noodle.engine.vision.ClipVisionWriter} writes them, a GLIGEN text-box model for the demo UNet
     * ({@link dev.noodle.engine.gligen.GligenWriter}), Real-ESRGAN upscalers ({@link
     * dev.noodle.engine.upscale.RandomUpscalers}), and 64×64 input images (the inpainting ones with a
     * transparent hole).
     */
    static void writeExampleModels(Path models, Path input) throws Exception {
        DemoAddons.ensure(models);
        Path ck = models.resolve("checkpoints");
        Path demo = ck.resolve(dev.noodle.engine.model.DemoCheckpoint.FILE_NAME);
        for (String sd1 : List.of("v1-5-pruned-emaonly.ckpt", "Anything-V3.0.ckpt", "AbyssOrangeMix2_hard.safetensors",
                "cardosAnime_v10.safetensors", "cardosAnimated_v20.safetensors", "AOM3A1.safetensors",
                "AOM3A3.safetensors")) {
            Files.copy(demo, ck.resolve(sd1));
        }
        var kinds = new java.util.LinkedHashMap<String, dev.noodle.engine.model.TinyCheckpoints.Kind>();
        for (String xl : List.of("sd_xl_base_1.0.safetensors", "sd_xl_1.0.safetensors",
                "sd_xl_turbo_1.0_fp16.safetensors", "albedobaseXL_v21.safetensors")) {
            kinds.put(xl, dev.noodle.engine.model.TinyCheckpoints.Kind.SDXL);
        }
        kinds.put("sd_xl_refiner_1.0.safetensors", dev.noodle.engine.model.TinyCheckpoints.Kind.SDXL_REFINER);
        kinds.put("v2-1_768-ema-pruned.ckpt", dev.noodle.engine.model.TinyCheckpoints.Kind.SD2_V);
        kinds.put("wd-illusion-fp16.safetensors", dev.noodle.engine.model.TinyCheckpoints.Kind.SD2_V);
        kinds.put("512-inpainting-ema.safetensors", dev.noodle.engine.model.TinyCheckpoints.Kind.SD2_INPAINT);
        kinds.put("sd-v1-5-inpainting.ckpt", dev.noodle.engine.model.TinyCheckpoints.Kind.SD1_INPAINT);
        kinds.put("sd21-unclip-h.ckpt", dev.noodle.engine.model.TinyCheckpoints.Kind.SD21_UNCLIP_H);
        kinds.put("wd-1-5-beta2-aesthetic-unclip-h-fp32.safetensors",
                dev.noodle.engine.model.TinyCheckpoints.Kind.SD21_UNCLIP_H);
        var written = new java.util.HashMap<dev.noodle.engine.model.TinyCheckpoints.Kind, Path>();
        for (var e : kinds.entrySet()) {
            Path first = written.get(e.getValue());
            if (first == null) {
                written.put(e.getValue(), dev.noodle.engine.model.TinyCheckpoints.write(ck.resolve(e.getKey()),
                        e.getValue()));
            } else {
                Files.copy(first, ck.resolve(e.getKey()));
            }
        }
        // CosXL: SDXL with ComfyUI's EDM v-prediction marker keys; the edit model's UNet also takes the source
        // image's latent (8 input channels, InstructPix2Pix)
        Path xl = ck.resolve("sd_xl_1.0.safetensors");
        copyWith(xl, ck.resolve("cosxl.safetensors"), 4);
        copyWith(xl, ck.resolve("cosxl_edit.safetensors"), 8);
        // SDXL revision's image tower (Hugging Face layout, as clip_vision_g.safetensors): its embedding is as wide as
        // the tiny SDXL's pooled text output
        Path clipVision = models.resolve("clip_vision");
        Files.createDirectories(clipVision);
        dev.noodle.engine.vision.ClipVisionWriter.write(clipVision.resolve("clip_vision_g.safetensors"),
                dev.noodle.engine.vision.ClipVisionLayout.HF,
                new dev.noodle.engine.vision.ClipVisionConfig(64, 3, 16, 128, 4, 16,
                        dev.noodle.engine.model.TinyCheckpoints.sdxlClipG().projectionDim(),
                        dev.noodle.engine.text.ClipConfig.Activation.GELU, 1e-5f), 7);
        for (String vae : List.of("vae-ft-mse-840000-ema-pruned.safetensors", "kl-f8-anime2.ckpt")) {
            Files.copy(models.resolve("vae").resolve(DemoAddons.VAE), models.resolve("vae").resolve(vae));
        }
        dev.noodle.engine.gligen.GligenWriter.write(models.resolve("gligen")
                .resolve("gligen_sd14_textbox_pruned.safetensors"), dev.noodle.engine.model.DemoCheckpoint.unetConfig(),
                dev.noodle.engine.model.DemoCheckpoint.clipConfig().width(),
                dev.noodle.engine.gligen.GligenWriter.SD1_TOKEN_DIM);
        Files.copy(models.resolve("hypernetworks").resolve(DemoAddons.HYPERNETWORK),
                models.resolve("hypernetworks").resolve("dantionMarbleStatues_10.pt"));
        for (String sd1Lora : List.of("epiNoiseoffset_v2.safetensors", "theovercomer8sContrastFix_sd15.safetensors")) {
            dev.noodle.engine.adapters.TinyLoras.write(models.resolve("loras").resolve(sd1Lora),
                    dev.noodle.engine.model.DemoCheckpoint.unetConfig(),
                    dev.noodle.engine.adapters.TinyLoras.Layout.KOHYA_DIFFUSERS, 4, 4f);
        }
        dev.noodle.engine.adapters.TinyLoras.write(models.resolve("loras").resolve("lcm_lora_sdxl.safetensors"),
                dev.noodle.engine.model.TinyCheckpoints.sdxlUnet(),
                dev.noodle.engine.adapters.TinyLoras.Layout.KOHYA_DIFFUSERS, 4, 4f);
        // lllyasviel ControlNets for the demo UNet: a pruned fp16 file each, and a difference ControlNet taken
        // against the SD 1.5 checkpoint the depth example loads
        Path controlnet = models.resolve("controlnet");
        var demoUnet = dev.noodle.engine.control.TinyControlNets.demoConfig();
        dev.noodle.engine.control.TinyControlNets.write(controlnet.resolve("control_scribble.safetensors"), demoUnet,
                dev.noodle.engine.control.TinyControlNets.Layout.PRUNED_FP16, 2);
        dev.noodle.engine.control.TinyControlNets.write(controlnet.resolve("control_openpose.safetensors"), demoUnet,
                dev.noodle.engine.control.TinyControlNets.Layout.PRUNED_FP16, 3);
        try (var base = dev.noodle.engine.io.ModelFiles.open(ck.resolve("v1-5-pruned-emaonly.ckpt"))) {
            dev.noodle.engine.control.TinyControlNets.writeDifference(
                    controlnet.resolve("diff_control_sd15_depth_fp16.safetensors"), demoUnet, base, 4);
        }
        // TencentARC's depth adapter as a torch .pth in its real layout, small (3 colours, SD 1.x levels); on the
        // two-level demo UNet its features (after input blocks 2, 5, 8, 11) find no block of their size and are left
        // out with a warning, as ComfyUI does: the example checks loading and the path through the sampler
        dev.noodle.engine.control.TinyAdapters.write(controlnet.resolve("t2iadapter_depth_sd14v1.pth"),
                dev.noodle.engine.control.TinyAdapters.sd1(3), dev.noodle.engine.control.TinyAdapters.Format.PTH, 14);
        // Real-ESRGAN upscalers as their .pth files store them (params_ema), a few small blocks: x2 reads a
        // pixel-unshuffled input (conv_first takes 12 channels), x4plus upsamples twice
        Path upscalers = Files.createDirectories(models.resolve("upscale_models"));
        dev.noodle.engine.upscale.RandomUpscalers.write(upscalers.resolve("RealESRGAN_x2.pth"),
                new dev.noodle.engine.upscale.RrdbNet.Config(dev.noodle.engine.upscale.RrdbNet.Layout.REAL_ESRGAN, 12,
                        3, 8, 4, 2, 2, 2), dev.noodle.engine.upscale.RandomUpscalers.Container.PTH_PARAMS_EMA, 2);
        dev.noodle.engine.upscale.RandomUpscalers.write(upscalers.resolve("RealESRGAN_x4plus.pth"),
                new dev.noodle.engine.upscale.RrdbNet.Config(dev.noodle.engine.upscale.RrdbNet.Layout.REAL_ESRGAN, 3,
                        3, 8, 4, 2, 2, 1), dev.noodle.engine.upscale.RandomUpscalers.Container.PTH_PARAMS_EMA, 4);
        Files.createDirectories(input);
        for (String name : List.of("example.png", "mountains.png", "sunset.png", "yosemite_inpaint_example.png",
                "yosemite_outpaint_example.png", "input_scribble_example.png", "shark_depthmap.png",
                "pose_worship.png", "pose_present.png", "house_scribble.png")) {
            java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(64, 64,
                    java.awt.image.BufferedImage.TYPE_INT_ARGB);
            for (int y = 0; y < 64; y++) {
                for (int x = 0; x < 64; x++) {
                    boolean hole = name.contains("inpaint") && x >= 16 && x < 48 && y >= 16 && y < 48;
                    int rgb = ((x * 4) << 16) | ((y * 4) << 8) | ((x + y + name.length() * 9) & 0xff);
                    img.setRGB(x, y, (hole ? 0 : 0xff000000) | rgb);
                }
            }
            javax.imageio.ImageIO.write(img, "png", input.resolve(name).toFile());
        }
    }

    /**
     * Copies a checkpoint adding {@code edm_vpred.sigma_max} (120) and {@code edm_vpred.sigma_min} (0.002), as the
     * CosXL files carry them, and widening the UNet input to {@code inChannels} (zero weights on the new channels).
     */
    private static void copyWith(Path src, Path dst, int inChannels) throws Exception {
        try (dev.noodle.engine.io.ModelFile f = dev.noodle.engine.io.ModelFiles.open(src)) {
            dev.noodle.engine.io.SafetensorsWriter w = new dev.noodle.engine.io.SafetensorsWriter();
            f.metadata().forEach(w::metadata);
            String convIn = "model.diffusion_model.input_blocks.0.0.weight";
            for (String k : new java.util.TreeSet<>(f.keys())) {
                long[] shape = f.info(k).shape();
                float[] v = f.loadFloats(k);
                if (k.equals(convIn) && shape[1] != inChannels) {
                    float[] wide = new float[(int) (shape[0] * inChannels * 9)];
                    for (int o = 0; o < shape[0]; o++) {
                        System.arraycopy(v, (int) (o * shape[1] * 9), wide, o * inChannels * 9, (int) shape[1] * 9);
                    }
                    shape = new long[] {shape[0], inChannels, 3, 3};
                    v = wide;
                }
                w.addF32(k, shape, v);
            }
            w.addF32("edm_vpred.sigma_max", new long[] {}, new float[] {120f});
            w.addF32("edm_vpred.sigma_min", new long[] {}, new float[] {0.002f});
            w.write(dst);
        }
    }

    private static NoodleNodes comfyNodes() throws Exception {
        if (comfyNodes == null) {
            Path root = tmp.resolve("comfyui-examples");
            Path models = root.resolve("models");
            NodeEnvironment env = NodeEnvironment.of(models, root.resolve("output"));
            writeExampleModels(models, env.inputDir());
            comfyNodes = NoodleNodes.create(env);
            comfyExecutor = new GraphExecutor(comfyNodes.registry(), new ResultCache(1L << 30),
                    comfyNodes.services());
        }
        return comfyNodes;
    }

    @AfterAll
    static void closeComfyNodes() {
        if (comfyNodes != null) {
            comfyNodes.close();
        }
    }

    private static final Set<String> PIXEL_INPUTS = Set.of("width", "height", "x", "y", "left", "top", "right",
            "bottom");

    /**
     * The example as shipped except smaller: pixel sizes and positions scaled so the largest empty latent is 64
     * pixels (sizes in multiples of 32 and at least the input's minimum, positions in multiples of 16), batches of
     * one, and 2 steps (3 with KSamplerAdvanced's start/end steps scaled alike, so a base→refiner hand-over stays
     * a hand-over).
     */
    static Workflow shrink(Workflow wf, dev.noodle.graph.node.NodeRegistry registry) {
        long largest = 512;
        for (NodeInstance n : wf.nodes().values()) {
            if (n.type().equals("EmptyLatentImage")) {
                largest = Math.max(literal(n, "width", 0), literal(n, "height", 0));
            }
        }
        double f = 64.0 / largest;
        Workflow out = wf;
        for (NodeInstance n : wf.nodes().values()) {
            NodeInstance m = n;
            for (String in : n.inputs().keySet()) {
                if (!(n.input(in) instanceof Literal l && l.value() instanceof Number v)) {
                    continue;
                }
                long old = v.longValue();
                if (PIXEL_INPUTS.contains(in) && !n.type().startsWith("CLIPTextEncodeSDXL")) {
                    long min = spec(registry, n.type(), in) instanceof dev.noodle.graph.spec.IntInput i ? i.min() : 0;
                    // sizes in multiples of 32 (every tiny UNet's levels divide them), positions of 16 (so an
                    // area's crop of the latent stays even, as the full-size examples' 64-pixel grid keeps it)
                    long unit = in.equals("width") || in.equals("height") ? 32 : 16;
                    long scaled = Math.round(old * f / unit) * unit;
                    m = m.withInput(in, Literal.of(Math.max(Math.max(min, unit == 32 ? 32 : 0), scaled)));
                } else if (in.equals("batch_size")) {
                    m = m.withInput(in, Literal.of(1L));
                } else if (in.equals("steps")) {
                    // 2 steps; 3 where start/end steps split the schedule, so a hand-over stays one
                    long steps = Math.min(old, n.inputs().containsKey("start_at_step") ? 3 : 2);
                    m = m.withInput(in, Literal.of(steps));
                    for (String edge : List.of("start_at_step", "end_at_step")) {
                        long e = literal(n, edge, -1);
                        if (e >= 0 && e < old) {
                            m = m.withInput(edge, Literal.of(Math.round(e * (double) steps / old)));
                        }
                    }
                }
            }
            out = out.withNode(m);
        }
        return out;
    }

    private static dev.noodle.graph.spec.InputSpec spec(dev.noodle.graph.node.NodeRegistry registry, String type,
            String input) {
        return registry.find(type).flatMap(d -> d.schema().input(input)).orElse(null);
    }

    /**
     * The example with the widget inputs ComfyUI added after it was saved set to their defaults, as ComfyUI's editor
     * does when it opens the example image (e.g. SDTurboScheduler's {@code denoise}, VAEEncodeForInpaint's
     * {@code grow_mask_by}); nodes Noodle does not know stay as they are.
     */
    static Workflow withNewerWidgetDefaults(Workflow wf, dev.noodle.graph.node.NodeRegistry registry) {
        Workflow out = wf;
        for (NodeInstance n : wf.nodes().values()) {
            var def = registry.find(n.type());
            if (def.isEmpty()) {
                continue;
            }
            NodeInstance m = n;
            for (dev.noodle.graph.spec.InputSpec in : def.get().schema().inputs()) {
                if (in.optional() || n.inputs().containsKey(in.name())) {
                    continue;
                }
                Object value = switch (in) {
                    case dev.noodle.graph.spec.IntInput i -> i.defaultValue();
                    case dev.noodle.graph.spec.FloatInput f -> f.defaultValue();
                    case dev.noodle.graph.spec.BoolInput b -> b.defaultValue();
                    case dev.noodle.graph.spec.StringInput t -> t.defaultValue();
                    case dev.noodle.graph.spec.ComboInput c -> c.defaultValue() != null ? c.defaultValue()
                            : c.options().get().stream().findFirst().orElse(null); // ComfyUI: the first option
                    case dev.noodle.graph.spec.SocketInput<?> sock -> null;
                };
                if (value != null) {
                    m = m.withInput(in.name(), Literal.of(value));
                }
            }
            out = out.withNode(m);
        }
        return out;
    }

    private static long literal(NodeInstance n, String input, long otherwise) {
        return n.input(input) instanceof Literal l && l.value() instanceof Number v ? v.longValue() : otherwise;
    }

    /** Validation problems and run failure of a shrunk example, or "" when it ran. */
    private static String outcome(Path file) throws Exception {
        NoodleNodes nodes = comfyNodes();
        Workflow wf;
        try {
            wf = shrink(withNewerWidgetDefaults(WorkflowJson.read(file, nodes.registry()), nodes.registry()),
                    nodes.registry());
        } catch (RuntimeException e) {
            return "unreadable: " + e.getMessage();
        }
        List<dev.noodle.graph.validate.ValidationError> problems = new Validator(nodes.registry()).validate(wf);
        if (!problems.isEmpty()) {
            return problems.stream().map(dev.noodle.graph.validate.ValidationError::toLine)
                    .collect(java.util.stream.Collectors.joining("; "));
        }
        RunResult r = comfyExecutor.run(wf, new RunOptions(Set.of(), "comfy-" + file.getFileName()),
                RunListener.none(), new CancellationToken());
        if (r.status() != RunResult.Status.SUCCESS) {
            return "run " + r.status() + ": " + r.message();
        }
        assertFalse(r.outputs().isEmpty(), file + " ran but produced nothing");
        return "";
    }

    @TestFactory
    Stream<DynamicTest> comfyUiExamplesRunOrSayWhatTheyStillNeed() throws Exception {
        List<Path> files = comfyUiExamples();
        List<String> names = files.stream().map(p -> p.getFileName().toString().replace(".json", "")).toList();
        assertEquals(new java.util.TreeSet<>(COMFYUI_EXAMPLES.keySet()), new java.util.TreeSet<>(names),
                "every extracted example has an expectation");

        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            String name = f.getFileName().toString().replace(".json", "");
            String failure = outcome(f);
            switch (COMFYUI_EXAMPLES.get(name)) {
                case Runs r -> assertEquals("", failure, name + " should run");
                case Pending p -> {
                    assertFalse(failure.isEmpty(), name + " now runs: move it from the pending list to Runs()");
                    assertTrue(p.missing().stream().anyMatch(failure::contains),
                            name + " should fail naming one of " + p.missing() + ", failed with: " + failure);
                }
                case Unsupported u -> {
                    assertFalse(failure.isEmpty(), name + " now runs: move it to Runs()");
                    assertTrue(u.missing().stream().anyMatch(failure::contains),
                            name + " should fail naming one of " + u.missing() + ", failed with: " + failure);
                }
            }
        }));
    }
}
