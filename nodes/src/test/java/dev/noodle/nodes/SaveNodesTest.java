package dev.noodle.nodes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.engine.io.SafetensorsFile;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunListener;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.nodes.host.DemoAddons;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import dev.noodle.nodes.model.CheckpointSaveNode;
import dev.noodle.engine.model.TinyCheckpoints;
import dev.noodle.engine.text.ClipTextModel;
import dev.noodle.nodes.values.ClipValue;
import dev.noodle.nodes.values.VaeValue;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * VAESave, CLIPSave and ModelSave on the demo SD 1.5 checkpoint: each file lands where ComfyUI names it, holds
 * exactly the checkpoint's tensors (byte for byte, same dtype and shape) under the key layout ComfyUI writes for
 * that part, carries ComfyUI's metadata, and the saved VAE loads back through VAELoader with the same weights. The
 * output folder is the models root here, so saved files land in the loaders' folders.
 */
class SaveNodesTest {
    @TempDir
    static Path tmp;

    static NoodleNodes nodes;
    static GraphExecutor executor;
    static Path demo;

    @BeforeAll
    static void setUp() throws Exception {
        Path models = tmp.resolve("models");
        DemoAddons.ensure(models);
        nodes = NoodleNodes.create(NodeEnvironment.of(models, models));
        executor = new GraphExecutor(nodes.registry(), new ResultCache(1L << 30), nodes.services());
        demo = models.resolve("checkpoints/noodle-demo-tiny-sd15.safetensors");
    }

    @AfterAll
    static void tearDown() {
        nodes.close();
    }

    static RunResult run(String body) {
        var wf = WorkflowJson.parse("{\"format\": 1, \"name\": \"t\", \"nodes\": {" + body + "}}", "test",
                nodes.registry());
        RunResult r = executor.run(wf, new RunOptions(Set.copyOf(wf.nodes().keySet()), "save-nodes-test"),
                RunListener.none(), new CancellationToken());
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
        return r;
    }

    static final String SAVE_ALL = "\"4\": {\"type\": \"CheckpointLoaderSimple\", \"inputs\": {\"ckpt_name\":"
            + " \"noodle-demo-tiny-sd15.safetensors\"}},"
            + " \"20\": {\"type\": \"VAESave\", \"inputs\": {\"vae\": [\"4\", 2], \"filename_prefix\": \"vae/ComfyUI_vae\"}},"
            + " \"21\": {\"type\": \"CLIPSave\", \"inputs\": {\"clip\": [\"4\", 1], \"filename_prefix\": \"clip/ComfyUI\"}},"
            + " \"22\": {\"type\": \"ModelSave\", \"inputs\": {\"model\": [\"4\", 0], \"filename_prefix\":"
            + " \"diffusion_models/ComfyUI\"}}";

    /** Asserts {@code saved} holds exactly the tensors {@code prefix + key} of the demo checkpoint. */
    static void assertSameTensors(SafetensorsFile original, String prefix, SafetensorsFile saved) {
        Set<String> want = original.keys().stream().filter(k -> k.startsWith(prefix))
                .map(k -> k.substring(prefix.length())).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(want, new TreeSet<>(saved.keys()), "the key set of " + saved.path().getFileName());
        for (String k : want) {
            assertEquals(original.info(prefix + k).dtype(), saved.info(k).dtype(), k);
            assertArrayEquals(original.info(prefix + k).shape(), saved.info(k).shape(), k);
            assertEquals(bytes(original.readBytes(prefix + k)), bytes(saved.readBytes(k)), k);
        }
    }

    static ByteBuffer bytes(ByteBuffer b) {
        return b.duplicate().rewind();
    }

    @Test
    void partsSaveInComfyUiLayoutAndLoadBack() throws Exception {
        RunResult first = run(SAVE_ALL);
        Path models = tmp.resolve("models");
        Path vaeFile = models.resolve("vae/ComfyUI_vae_00001_.safetensors");
        Path clipFile = models.resolve("clip/ComfyUI_clip_l_00001_.safetensors");
        Path unetFile = models.resolve("diffusion_models/ComfyUI_00001_.safetensors");
        try (SafetensorsFile ckpt = SafetensorsFile.open(demo);
                SafetensorsFile vae = SafetensorsFile.open(vaeFile);
                SafetensorsFile clip = SafetensorsFile.open(clipFile);
                SafetensorsFile unet = SafetensorsFile.open(unetFile)) {
            // VAE: first_stage_model. stripped, as ComfyUI's vae.get_sd()
            assertSameTensors(ckpt, "first_stage_model.", vae);
            // CLIP: clip_l.transformer. stripped, leaving Hugging Face text_model.* names
            assertSameTensors(ckpt, "cond_stage_model.transformer.", clip);
            assertTrue(clip.keys().stream().allMatch(k -> k.startsWith("text_model.")), "HF CLIPTextModel names");
            // model: model.diffusion_model.* kept, nothing else
            Set<String> unetKeys = ckpt.keys().stream().filter(k -> k.startsWith("model.diffusion_model."))
                    .collect(Collectors.toCollection(TreeSet::new));
            assertEquals(unetKeys, new TreeSet<>(unet.keys()));
            for (String k : unetKeys) {
                assertEquals(bytes(ckpt.readBytes(k)), bytes(unet.readBytes(k)), k);
            }

            Map<String, String> vm = vae.metadata();
            assertTrue(vm.get("prompt").contains("\"VAESave\""), "the API prompt is embedded");
            assertTrue(vm.containsKey("workflow"));
            Map<String, String> cm = clip.metadata();
            assertEquals("pt", cm.get("format"), "CLIPSave marks its files as ComfyUI does");
            assertTrue(cm.get("prompt").contains("\"CLIPSave\""));
            Map<String, String> um = unet.metadata();
            assertEquals("epsilon", um.get("modelspec.predict_key"));
            assertEquals("ComfyUI 1", um.get("modelspec.title"));
            assertTrue(um.get("prompt").contains("\"ModelSave\""));
            assertTrue(um.containsKey(CheckpointSaveNode.RECIPE_KEY));
        }

        // the saved VAE re-opens in VAELoader with the same weights
        RunResult back = run("\"30\": {\"type\": \"VAELoader\", \"inputs\": {\"vae_name\":"
                + " \"ComfyUI_vae_00001_.safetensors\"}}");
        var original = ((VaeValue) first.outputs().get("4").value(2)).autoencoderKL("test");
        var loaded = ((VaeValue) back.outputs().get("30").value(0)).autoencoderKL("test");
        assertEquals(original.parameterKeys(), loaded.parameterKeys());
        for (String k : original.parameterKeys()) {
            assertArrayEquals(original.parameter(k).toFloatArray(), loaded.parameter(k).toFloatArray(), k);
        }

        // a second run (fresh cache, so the savers run again) counts up per file, as ComfyUI's counter does
        executor = new GraphExecutor(nodes.registry(), new ResultCache(1L << 30), nodes.services());
        run(SAVE_ALL);
        assertTrue(Files.isRegularFile(models.resolve("vae/ComfyUI_vae_00002_.safetensors")));
        assertTrue(Files.isRegularFile(models.resolve("clip/ComfyUI_clip_l_00002_.safetensors")));
        assertTrue(Files.isRegularFile(models.resolve("diffusion_models/ComfyUI_00002_.safetensors")));
    }

    @Test
    void sdxlClipSavesBothEncodersAndModelSaveWritesTheUNet() throws Exception {
        Path models = tmp.resolve("models");
        TinyCheckpoints.write(models.resolve("checkpoints/tiny-xl.safetensors"), TinyCheckpoints.Kind.SDXL);
        RunResult r = run("\"4\": {\"type\": \"CheckpointLoaderSimple\", \"inputs\": {\"ckpt_name\":"
                + " \"tiny-xl.safetensors\"}},"
                + " \"21\": {\"type\": \"CLIPSave\", \"inputs\": {\"clip\": [\"4\", 1], \"filename_prefix\": \"xl/enc\"}},"
                + " \"22\": {\"type\": \"ModelSave\", \"inputs\": {\"model\": [\"4\", 0], \"filename_prefix\":"
                + " \"xl/unet\"}}");
        ClipValue clip = (ClipValue) r.outputs().get("4").value(1);
        Map<String, ClipTextModel> encoders = Map.of("clip_l", clip.clip(), "clip_g", clip.clip2());
        for (var e : encoders.entrySet()) {
            try (SafetensorsFile f = SafetensorsFile.open(models.resolve("xl/enc_" + e.getKey() + "_00001_.safetensors"))) {
                ClipTextModel m = e.getValue();
                Set<String> want = m.parameterKeys().stream()
                        .map(k -> k.equals(ClipTextModel.PROJECTION_KEY) ? k : "text_model." + k)
                        .collect(Collectors.toCollection(TreeSet::new));
                assertEquals(want, new TreeSet<>(f.keys()), e.getKey());
                for (String k : m.parameterKeys()) {
                    String name = k.equals(ClipTextModel.PROJECTION_KEY) ? k : "text_model." + k;
                    assertArrayEquals(m.parameter(k).toFloatArray(), f.loadFloats(name), name);
                }
            }
        }
        try (SafetensorsFile f = SafetensorsFile.open(models.resolve("xl/enc_clip_g_00001_.safetensors"))) {
            assertTrue(f.keys().contains("text_projection.weight"), "bigG keeps its projection, as ComfyUI saves it");
        }
        try (SafetensorsFile ckpt = SafetensorsFile.open(models.resolve("checkpoints/tiny-xl.safetensors"));
                SafetensorsFile unet = SafetensorsFile.open(models.resolve("xl/unet_00001_.safetensors"))) {
            Set<String> want = ckpt.keys().stream().filter(k -> k.startsWith("model.diffusion_model."))
                    .collect(Collectors.toCollection(TreeSet::new));
            assertEquals(want, new TreeSet<>(unet.keys()));
            for (String k : want) {
                assertEquals(bytes(ckpt.readBytes(k)), bytes(unet.readBytes(k)), k);
            }
            assertEquals("stable-diffusion-xl-v1-base", unet.metadata().get("modelspec.architecture"));
        }
    }

    @Test
    void saveNodesAreOutputNodes() {
        for (String id : new String[] {"VAESave", "CLIPSave", "ModelSave", "CheckpointSave"}) {
            assertTrue(nodes.registry().find(id).orElseThrow().schema().outputNode(), id);
        }
    }
}
