package dev.noodle.nodes;

import static dev.noodle.nodes.CustomSamplerNodesTest.link;
import static dev.noodle.nodes.CustomSamplerNodesTest.node;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.ipadapter.IpAdapterFiles;
import dev.noodle.engine.ipadapter.IpAdapterLayout;
import dev.noodle.engine.ipadapter.IpAdapterModel;
import dev.noodle.engine.ipadapter.IpAdapterPatch;
import dev.noodle.engine.model.DemoCheckpoint;
import dev.noodle.engine.unet.CrossAttentionSites;
import dev.noodle.engine.vision.ClipVisionEncoder;
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
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NodeSupport;
import dev.noodle.nodes.host.NoodleNodes;
import dev.noodle.nodes.values.ClipVisionValue;
import dev.noodle.nodes.values.LatentValue;
import dev.noodle.nodes.loaders.IpAdapterLoadersAccess;
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
 * IP-Adapter end to end on the demo checkpoint: random-weight plain and plus adapters in the real key layout for
 * the demo UNet, loaded by IPAdapterModelLoader from models/ipadapter, applied by IPAdapterAdvanced with a toy CLIP
 * vision tower (a fixed function of the image's mean colour); one KSampler step changes with the adapter and with
 * the reference image, and equals the plain model exactly at weight 0 and outside the adapter's step range.
 */
class IpAdapterPipelineTest {
    @TempDir
    static Path tmp;

    static NoodleNodes nodes;
    static GraphExecutor executor;

    /** A CLIP image tower stand-in: image_embeds [B, 16] and hidden states [B, 5, 24] from the mean colour. */
    static final class ToyVision implements ClipVisionEncoder {
        @Override
        public Output encode(NDArray images, String crop, NDManager scope) {
            long b = images.getShape().get(0);
            NDArray mean = images.mean(new int[] {1}).mean(new int[] {1}); // [B, 3]
            NDArray p1 = scope.arange(48f).reshape(3, 16).mul(0.37f);
            NDArray p2 = scope.arange(360f).reshape(3, 120).mul(0.11f);
            NDArray embeds = mean.matMul(p1).sin(); // [B, 16]
            NDArray hidden = mean.matMul(p2).sin().reshape(b, 5, 24); // [B, 5, 24]
            return new Output(hidden, embeds, hidden);
        }

        @Override
        public long sizeBytes() {
            return 0;
        }

        @Override
        public void close() {}
    }

    static final class ToyVisionLoader extends Node {
        ToyVisionLoader() {
            super(NodeSupport.schema("TestToyClipVision", "Toy CLIP vision", "testing", "A toy image tower.")
                    .output(PortType.CLIP_VISION, "CLIP_VISION"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            return NodeOutputs.of(new ClipVisionValue(new ModelValue.Hold() {
                @Override
                public void release() {}

                @Override
                public long sizeBytes() {
                    return 0;
                }
            }, new ToyVision(), "toy-vision"));
        }
    }

    /** A tiny CLIP image tower in the Hugging Face layout, saved under the ViT-H file name the pack looks for. */
    static final dev.noodle.engine.vision.ClipVisionConfig TOWER = new dev.noodle.engine.vision.ClipVisionConfig(32,
            2, 4, 64, 4, 16, 24, dev.noodle.engine.text.ClipConfig.Activation.GELU, 1e-5f);

    static int[] demoWidths() {
        return IpAdapterPatch.fileOrder(DemoCheckpoint.unetConfig()).stream()
                .mapToInt(CrossAttentionSites.Site::channels).toArray();
    }

    @BeforeAll
    static void setUp() throws Exception {
        nodes = NoodleNodes.create(NodeEnvironment.of(tmp.resolve("models"), tmp.resolve("out")));
        nodes.registry().register(new ToyVisionLoader());
        executor = new GraphExecutor(nodes.registry(), new ResultCache(1L << 30), nodes.services());
        int d = DemoCheckpoint.unetConfig().contextDim();
        Path folder = tmp.resolve("models").resolve("ipadapter");
        Files.createDirectories(folder);
        IpAdapterFiles.writeBin(folder.resolve("ip-adapter_demo.bin"),
                new IpAdapterLayout(IpAdapterModel.Projection.LINEAR, 16, d, 4, 0, 0, 0, 0, demoWidths()), 7);
        IpAdapterFiles.writeSafetensors(folder.resolve("ip-adapter-plus_demo.safetensors"),
                new IpAdapterLayout(IpAdapterModel.Projection.RESAMPLER, 24, d, 4, 32, 2, 64, 64, demoWidths()), 8);
        Path cv = tmp.resolve("models").resolve("clip_vision");
        Files.createDirectories(cv);
        dev.noodle.engine.vision.ClipVisionWriter.write(cv.resolve("CLIP-ViT-H-14-laion2B-s32B-b79K.safetensors"),
                dev.noodle.engine.vision.ClipVisionLayout.HF, TOWER, 5);
        IpAdapterFiles.writeSafetensors(folder.resolve("ip-adapter_sd15.safetensors"),
                new IpAdapterLayout(IpAdapterModel.Projection.LINEAR, TOWER.projectionDim(), d, 4, 0, 0, 0, 0,
                        demoWidths()), 9);
        IpAdapterFiles.writeSafetensors(folder.resolve("ip-adapter-plus_sd15.safetensors"),
                new IpAdapterLayout(IpAdapterModel.Projection.RESAMPLER, TOWER.width(), d, 4, 32, 1, 64, 64,
                        demoWidths()), 10);
        Path input = nodes.environment().inputDir();
        Files.createDirectories(input);
        writeImage(input.resolve("ref-a.png"), 40, 40, 1);
        writeImage(input.resolve("ref-b.png"), 48, 32, 2);
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

    /** Checkpoint, prompts, init latent, reference image, toy vision, adapter; then one euler step on model {@code m}. */
    static String graph(String adapter, String reference, String apply, Object model) {
        return node("4", "CheckpointLoaderSimple", "ckpt_name", DemoCheckpoint.FILE_NAME)
                + "," + node("6", "CLIPTextEncode", "text", "a house by a lake", "clip", link("4", 1))
                + "," + node("7", "CLIPTextEncode", "text", "blurry", "clip", link("4", 1))
                + "," + node("10", "LoadImage", "image", "init.png")
                + "," + node("11", "VAEEncode", "pixels", link("10", 0), "vae", link("4", 2))
                + "," + node("20", "LoadImage", "image", reference)
                + "," + node("21", "TestToyClipVision")
                + (adapter == null ? "" : "," + node("22", "IPAdapterModelLoader", "ipadapter_file", adapter))
                + (apply.isEmpty() ? "" : "," + apply)
                + "," + node("30", "KSamplerAdvanced", "model", model, "add_noise", "disable", "noise_seed", 1,
                        "steps", 1, "cfg", 4.0, "sampler_name", "euler", "scheduler", "normal", "positive",
                        link("6", 0), "negative", link("7", 0), "latent_image", link("11", 0), "start_at_step", 0,
                        "end_at_step", 10000, "return_with_leftover_noise", "disable");
    }

    static String advanced(double weight, String weightType, double startAt, String scaling) {
        return node("23", "IPAdapterAdvanced", "model", link("4", 0), "ipadapter", link("22", 0), "image",
                link("20", 0), "weight", weight, "weight_type", weightType, "combine_embeds", "concat", "start_at",
                startAt, "end_at", 1.0, "embeds_scaling", scaling, "clip_vision", link("21", 0));
    }

    static RunResult run(String json) {
        var wf = WorkflowJson.parse("{\"format\": 1, \"name\": \"t\", \"nodes\": {" + json + "}}", "test",
                nodes.registry());
        List<RunEvent> events = new ArrayList<>();
        return executor.run(wf, new RunOptions(Set.copyOf(wf.nodes().keySet()), "t"), events::add,
                new CancellationToken());
    }

    static float[] step(String adapter, String reference, String apply, Object model) {
        RunResult r = run(graph(adapter, reference, apply, model));
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
        return ((LatentValue) r.outputs().get("30").value(0)).samples().data().clone();
    }

    static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    @Test
    void adapterChangesTheStepAndWeightZeroIsExactlyNoAdapter() {
        for (String file : List.of("ip-adapter_demo.bin", "ip-adapter-plus_demo.safetensors")) {
            float[] plain = step(file, "ref-a.png", "", link("4", 0));
            float[] on = step(file, "ref-a.png", advanced(1.0, "linear", 0.0, "V only"), link("23", 0));
            float[] other = step(file, "ref-b.png", advanced(1.0, "linear", 0.0, "V only"), link("23", 0));
            float[] zero = step(file, "ref-a.png", advanced(0.0, "linear", 0.0, "V only"), link("23", 0));
            float[] late = step(file, "ref-a.png", advanced(1.0, "linear", 1.0, "V only"), link("23", 0));
            float[] half = step(file, "ref-a.png", advanced(0.5, "linear", 0.0, "V only"), link("23", 0));
            float[] kv = step(file, "ref-a.png", advanced(0.5, "linear", 0.0, "K+V"), link("23", 0));
            assertTrue(maxDiff(plain, on) > 1e-4, file + ": the adapter changes the step, " + maxDiff(plain, on));
            assertTrue(maxDiff(on, other) > 1e-5, file + ": another reference image, another step");
            assertTrue(maxDiff(half, kv) > 1e-6, file + ": K+V scales differently from V only");
            assertArrayEquals(plain, zero, file + ": weight 0 is the plain model");
            assertArrayEquals(plain, late, file + ": start_at 1 never acts");
        }
    }

    @Test
    void simpleNodeNeedsThePipelinesClipVision() {
        String apply = node("23", "IPAdapter", "model", link("4", 0), "ipadapter", link("22", 0), "image",
                link("20", 0), "weight", 1.0, "start_at", 0.0, "end_at", 1.0, "weight_type", "standard");
        RunResult r = run(graph("ip-adapter_demo.bin", "ref-a.png", apply, link("23", 0)));
        assertEquals(RunResult.Status.FAILED, r.status());
        assertTrue(String.valueOf(r.message()).contains("IPAdapter Unified Loader")
                || r.errors().toString().contains("IPAdapter Unified Loader"), r.message() + " " + r.errors());
    }

    static String unified(String preset, double weight) {
        return node("23", "IPAdapterUnifiedLoader", "model", link("4", 0), "preset", preset)
                + "," + node("24", "IPAdapter", "model", link("23", 0), "ipadapter", link("23", 1), "image",
                        link("20", 0), "weight", weight, "start_at", 0.0, "end_at", 1.0, "weight_type", "standard");
    }

    @Test
    void unifiedLoaderFindsThePresetFilesByNameForTheSimpleNode() {
        float[] plain = step(null, "ref-a.png", "", link("4", 0));
        float[] standard = step(null, "ref-a.png", unified("STANDARD (medium strength)", 1.0), link("24", 0));
        float[] plus = step(null, "ref-a.png", unified("PLUS (high strength)", 1.0), link("24", 0));
        float[] zero = step(null, "ref-a.png", unified("STANDARD (medium strength)", 0.0), link("24", 0));
        assertTrue(maxDiff(plain, standard) > 1e-4, "STANDARD: ip-adapter_sd15 with the ViT-H tower");
        assertTrue(maxDiff(standard, plus) > 1e-5, "PLUS: ip-adapter-plus_sd15");
        assertArrayEquals(plain, zero);
        RunResult vitG = run(graph(null, "ref-a.png", unified("VIT-G (medium strength)", 1.0), link("24", 0)));
        assertEquals(RunResult.Status.FAILED, vitG.status());
        assertTrue((vitG.message() + vitG.errors()).contains("ClipVision model not found"), vitG.message());
        RunResult face = run(graph(null, "ref-a.png", unified("PLUS FACE (portraits)", 1.0), link("24", 0)));
        assertTrue((face.message() + face.errors()).contains("IPAdapter model not found"), face.message());
    }

    @Test
    void presetFileNamesFollowThePack() {
        List<String> cv = List.of("clip_vision_g.safetensors", "CLIP-ViT-bigG-14-laion2B-39B-b160k.safetensors",
                "CLIP-ViT-H-14-laion2B-s32B-b79K.safetensors");
        assertEquals("CLIP-ViT-H-14-laion2B-s32B-b79K.safetensors",
                IpAdapterLoadersAccess.clipVision(cv, "PLUS (high strength)"));
        assertEquals("CLIP-ViT-bigG-14-laion2B-39B-b160k.safetensors",
                IpAdapterLoadersAccess.clipVision(cv, "VIT-G (medium strength)"));
        List<String> ipa = List.of("ip-adapter-full-face_sd15.safetensors", "ip-adapter-plus-face_sd15.safetensors",
                "ip-adapter-plus-face_sdxl_vit-h.safetensors", "ip-adapter-plus_sd15.safetensors",
                "ip-adapter-plus_sdxl_vit-h.safetensors", "ip-adapter_sd15.safetensors",
                "ip-adapter_sd15_light_v11.bin", "ip-adapter_sd15_vit-G.safetensors",
                "ip-adapter_sdxl.safetensors", "ip-adapter_sdxl_vit-h.safetensors");
        assertEquals("ip-adapter_sd15.safetensors", IpAdapterLoadersAccess.ipAdapter(ipa, "STANDARD (medium strength)", false));
        assertEquals("ip-adapter_sdxl_vit-h.safetensors",
                IpAdapterLoadersAccess.ipAdapter(ipa, "STANDARD (medium strength)", true));
        assertEquals("ip-adapter_sd15_light_v11.bin",
                IpAdapterLoadersAccess.ipAdapter(ipa, "LIGHT - SD1.5 only (low strength)", false));
        assertEquals("ip-adapter_sd15_vit-G.safetensors",
                IpAdapterLoadersAccess.ipAdapter(ipa, "VIT-G (medium strength)", false));
        assertEquals("ip-adapter_sdxl.safetensors", IpAdapterLoadersAccess.ipAdapter(ipa, "VIT-G (medium strength)", true));
        assertEquals("ip-adapter-plus_sd15.safetensors",
                IpAdapterLoadersAccess.ipAdapter(ipa, "PLUS (high strength)", false));
        assertEquals("ip-adapter-plus_sdxl_vit-h.safetensors",
                IpAdapterLoadersAccess.ipAdapter(ipa, "PLUS (high strength)", true));
        assertEquals("ip-adapter-plus-face_sdxl_vit-h.safetensors",
                IpAdapterLoadersAccess.ipAdapter(ipa, "PLUS FACE (portraits)", true));
        assertEquals("ip-adapter-full-face_sd15.safetensors",
                IpAdapterLoadersAccess.ipAdapter(ipa, "FULL FACE - SD1.5 only (portraits stronger)", false));
    }

    @Test
    void adapterForAnotherBaseModelIsRefusedNamingBoth() throws Exception {
        Path folder = tmp.resolve("models").resolve("ipadapter");
        IpAdapterFiles.writeSafetensors(folder.resolve("ip-adapter_sdxl_tiny.safetensors"), new IpAdapterLayout(
                IpAdapterModel.Projection.LINEAR, 16, 2048, 4, 0, 0, 0, 0,
                IpAdapterPatch.fileOrder(dev.noodle.engine.unet.UNetConfig.tinyXl()).stream()
                        .mapToInt(CrossAttentionSites.Site::channels).toArray()), 11);
        RunResult r = run(graph("ip-adapter_sdxl_tiny.safetensors", "ref-a.png",
                advanced(1.0, "linear", 0.0, "V only"), link("23", 0)));
        assertEquals(RunResult.Status.FAILED, r.status());
        String msg = r.message() + " " + r.errors();
        assertTrue(msg.contains("SDXL") && msg.contains("SD1") && msg.contains("another base model"), msg);
    }
}
