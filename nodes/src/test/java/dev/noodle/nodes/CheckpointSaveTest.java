package dev.noodle.nodes;

import dev.noodle.nodes.host.DemoAddons;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import dev.noodle.nodes.model.CheckpointSaveNode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.engine.io.DType;
import dev.noodle.engine.io.SafetensorsFile;
import dev.noodle.engine.keys.KeyNames;
import dev.noodle.engine.model.CheckpointWriter;
import dev.noodle.engine.model.ModelFamily;
import dev.noodle.engine.model.TinyCheckpoints;
import dev.noodle.engine.text.ClipTextModel;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunListener;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.nodes.values.LatentValue;
import dev.noodle.nodes.values.ModelValue;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CheckpointSave on the demo model: a LoRA-baked model saved in the LDM layout loads back through
 * CheckpointLoaderSimple and samples the same latent. The output folder is the models root here, so the saved
 * {@code checkpoints/ComfyUI_00001_.safetensors} is in the loader's list.
 */
class CheckpointSaveTest {
    @TempDir
    static Path tmp;

    static NoodleNodes nodes;
    static GraphExecutor executor;

    @BeforeAll
    static void setUp() throws Exception {
        Path models = tmp.resolve("models");
        DemoAddons.ensure(models);
        nodes = NoodleNodes.create(NodeEnvironment.of(models, models));
        executor = new GraphExecutor(nodes.registry(), new ResultCache(1L << 30), nodes.services());
    }

    @AfterAll
    static void tearDown() {
        nodes.close();
    }

    static RunResult run(String body) {
        var wf = WorkflowJson.parse("{\"format\": 1, \"name\": \"t\", \"nodes\": {" + body + "}}", "test",
                nodes.registry());
        RunResult r = executor.run(wf, new RunOptions(Set.copyOf(wf.nodes().keySet()), "save-test"),
                RunListener.none(), new CancellationToken());
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
        return r;
    }

    /** Loader, prompt and a 2-step euler sample of a 64² latent from the given MODEL/CLIP outputs. */
    static String sample(String ckpt, String model, String clip) {
        return "\"4\": {\"type\": \"CheckpointLoaderSimple\", \"inputs\": {\"ckpt_name\": \"" + ckpt + "\"}},"
                + " \"5\": {\"type\": \"EmptyLatentImage\", \"inputs\": {\"width\": 64, \"height\": 64, \"batch_size\": 1}},"
                + " \"6\": {\"type\": \"CLIPTextEncode\", \"inputs\": {\"text\": \"a red cat\", \"clip\": " + clip + "}},"
                + " \"7\": {\"type\": \"CLIPTextEncode\", \"inputs\": {\"text\": \"blurry\", \"clip\": " + clip + "}},"
                + " \"3\": {\"type\": \"KSampler\", \"inputs\": {\"seed\": 5, \"steps\": 2, \"cfg\": 6.0,"
                + " \"sampler_name\": \"euler\", \"scheduler\": \"normal\", \"positive\": [\"6\", 0], \"negative\":"
                + " [\"7\", 0], \"latent_image\": [\"5\", 0], \"denoise\": 1.0, \"model\": " + model + "}}";
    }

    @Test
    void loraBakedCheckpointLoadsBackAndSamplesTheSameLatent() throws Exception {
        RunResult first = run(sample("noodle-demo-tiny-sd15.safetensors", "[\"10\", 0]", "[\"10\", 1]")
                + ", \"10\": {\"type\": \"LoraLoader\", \"inputs\": {\"model\": [\"4\", 0], \"clip\": [\"4\", 1],"
                + " \"lora_name\": \"noodle-demo-lora.safetensors\", \"strength_model\": 0.8, \"strength_clip\": 0.6}},"
                + " \"20\": {\"type\": \"CheckpointSave\", \"inputs\": {\"model\": [\"10\", 0], \"clip\": [\"10\", 1],"
                + " \"vae\": [\"4\", 2], \"filename_prefix\": \"checkpoints/ComfyUI\"}}");
        Path saved = tmp.resolve("models/checkpoints/ComfyUI_00001_.safetensors");
        assertTrue(Files.isRegularFile(saved), "saved as ComfyUI names it");
        float[] expected = ((LatentValue) first.outputs().get("3").value(0)).samples().data();

        RunResult again = run(sample("ComfyUI_00001_.safetensors", "[\"4\", 0]", "[\"4\", 1]"));
        float[] got = ((LatentValue) again.outputs().get("3").value(0)).samples().data();
        AddonNodesTest.assertClose(expected, got, 1e-5);
        assertTrue(((ModelValue) again.outputs().get("4").value(0)).patches().isEmpty());

        RunResult base = run(sample("noodle-demo-tiny-sd15.safetensors", "[\"4\", 0]", "[\"4\", 1]"));
        float[] unpatched = ((LatentValue) base.outputs().get("3").value(0)).samples().data();
        double diff = 0;
        for (int i = 0; i < got.length; i++) {
            diff = Math.max(diff, Math.abs(got[i] - unpatched[i]));
        }
        assertTrue(diff > 1e-3, "the saved weights carry the LoRA: " + diff);

        try (SafetensorsFile f = SafetensorsFile.open(saved)) {
            assertTrue(f.keys().stream().allMatch(k -> k.startsWith("model.diffusion_model.")
                    || k.startsWith("cond_stage_model.transformer.text_model.") || k.startsWith("first_stage_model.")),
                    "LDM layout only");
            try (SafetensorsFile demo = SafetensorsFile.open(tmp.resolve(
                    "models/checkpoints/noodle-demo-tiny-sd15.safetensors"))) {
                assertEquals(demo.keys(), f.keys(), "the same tensors as the original checkpoint");
                String vaeKey = "first_stage_model.decoder.mid.attn_1.q.weight";
                assertArrayEquals(demo.loadFloats(vaeKey), f.loadFloats(vaeKey));
            }
            Map<String, String> meta = f.metadata();
            assertEquals("stable-diffusion-v1", meta.get("modelspec.architecture"));
            assertEquals("epsilon", meta.get("modelspec.predict_key"));
            assertTrue(meta.get(CheckpointSaveNode.RECIPE_KEY).contains("LoRA noodle-demo-lora at 0.8"),
                    meta.get(CheckpointSaveNode.RECIPE_KEY));
            assertTrue(meta.get("prompt").contains("CheckpointSave"), "the workflow is embedded");
            assertTrue(meta.containsKey("workflow"));
        }
        // a second save counts up, as ComfyUI's counter does
        run(sample("ComfyUI_00001_.safetensors", "[\"4\", 0]", "[\"4\", 1]") + ", \"20\": {\"type\":"
                + " \"CheckpointSave\", \"inputs\": {\"model\": [\"4\", 0], \"clip\": [\"4\", 1], \"vae\": [\"4\", 2],"
                + " \"filename_prefix\": \"checkpoints/ComfyUI\"}}");
        assertTrue(Files.isRegularFile(tmp.resolve("models/checkpoints/ComfyUI_00002_.safetensors")));
    }

    /**
     * An SDXL checkpoint saved through CheckpointSave is ComfyUI's SDXL layout: the tiny generator's keys (the real
     * SDXL single-file layout) plus the CLIP-L position ids ComfyUI adds, every tensor byte-identical to the loaded
     * file except bigG's unused logit_scale (ComfyUI's 4.6055, as Noodle does not keep the loaded value), and it loads
     * back as SDXL and samples the same latent.
     */
    @Test
    void sdxlSavesInComfyUiLayoutAndLoadsBackUnchanged() throws Exception {
        Path original = TinyCheckpoints.write(tmp.resolve("models/checkpoints/tiny-xl.safetensors"),
                TinyCheckpoints.Kind.SDXL);
        RunResult first = run(sample("tiny-xl.safetensors", "[\"4\", 0]", "[\"4\", 1]")
                + ", \"20\": {\"type\": \"CheckpointSave\", \"inputs\": {\"model\": [\"4\", 0], \"clip\": [\"4\", 1],"
                + " \"vae\": [\"4\", 2], \"filename_prefix\": \"checkpoints/xl\"}}");
        Path saved = tmp.resolve("models/checkpoints/xl_00001_.safetensors");
        assertTrue(Files.isRegularFile(saved), "saved as ComfyUI names it");
        String positionIds = ClipTextModel.SDXL_CLIP_L_PREFIX + KeyNames.HF_POSITION_IDS;
        String logitScale = ClipTextModel.SDXL_CLIP_G_PREFIX + KeyNames.OPEN_CLIP_LOGIT_SCALE;
        try (SafetensorsFile o = SafetensorsFile.open(original); SafetensorsFile f = SafetensorsFile.open(saved)) {
            Set<String> want = new TreeSet<>(o.keys());
            want.add(positionIds);
            assertEquals(want, new TreeSet<>(f.keys()), "ComfyUI's SDXL key layout");
            for (String k : o.keys()) {
                if (k.equals(logitScale)) {
                    continue;
                }
                assertEquals(o.info(k).dtype(), f.info(k).dtype(), k);
                assertArrayEquals(o.info(k).shape(), f.info(k).shape(), k);
                assertEquals(o.readBytes(k).duplicate().rewind(), f.readBytes(k).duplicate().rewind(), k);
            }
            assertArrayEquals(new float[] {4.6055f}, f.loadFloats(logitScale));
            assertArrayEquals(new long[] {}, f.info(logitScale).shape());
            assertEquals(DType.I64, f.info(positionIds).dtype());
            assertArrayEquals(new long[] {1, 77}, f.info(positionIds).shape());
            ByteBuffer ids = f.readBytes(positionIds).duplicate().rewind().order(ByteOrder.LITTLE_ENDIAN);
            for (long i = 0; i < 77; i++) {
                assertEquals(i, ids.getLong(), "position id " + i);
            }
            Map<String, String> meta = f.metadata();
            assertEquals("stable-diffusion-xl-v1-base", meta.get("modelspec.architecture"));
            assertEquals("epsilon", meta.get("modelspec.predict_key"));
            assertTrue(meta.containsKey(CheckpointSaveNode.RECIPE_KEY));
            assertTrue(meta.get("prompt").contains("CheckpointSave"), "the workflow is embedded");
            assertTrue(meta.containsKey("workflow"));
        }
        float[] expected = ((LatentValue) first.outputs().get("3").value(0)).samples().data();
        RunResult again = run(sample("xl_00001_.safetensors", "[\"4\", 0]", "[\"4\", 1]"));
        assertEquals(ModelFamily.SDXL, ((ModelValue) again.outputs().get("4").value(0)).family());
        assertArrayEquals(expected, ((LatentValue) again.outputs().get("3").value(0)).samples().data(),
                "identical latents from the saved checkpoint");
    }

    /** The SDXL refiner saves its bigG alone under conditioner.embedders.0.model.* and loads back as the refiner. */
    @Test
    void sdxlRefinerSavesItsBigGAloneAndLoadsBack() throws Exception {
        Path original = TinyCheckpoints.write(tmp.resolve("models/checkpoints/tiny-refiner.safetensors"),
                TinyCheckpoints.Kind.SDXL_REFINER);
        run("\"4\": {\"type\": \"CheckpointLoaderSimple\", \"inputs\": {\"ckpt_name\": \"tiny-refiner.safetensors\"}},"
                + " \"20\": {\"type\": \"CheckpointSave\", \"inputs\": {\"model\": [\"4\", 0], \"clip\": [\"4\", 1],"
                + " \"vae\": [\"4\", 2], \"filename_prefix\": \"checkpoints/refiner\"}}");
        Path saved = tmp.resolve("models/checkpoints/refiner_00001_.safetensors");
        String logitScale = ClipTextModel.SDXL_REFINER_CLIP_G_PREFIX + KeyNames.OPEN_CLIP_LOGIT_SCALE;
        try (SafetensorsFile o = SafetensorsFile.open(original); SafetensorsFile f = SafetensorsFile.open(saved)) {
            assertEquals(new TreeSet<>(o.keys()), new TreeSet<>(f.keys()), "the refiner's key layout");
            for (String k : o.keys()) {
                if (!k.equals(logitScale)) {
                    assertEquals(o.readBytes(k).duplicate().rewind(), f.readBytes(k).duplicate().rewind(), k);
                }
            }
            assertEquals("stable-diffusion-xl-v1-refiner", f.metadata().get("modelspec.architecture"));
        }
        RunResult back = run("\"4\": {\"type\": \"CheckpointLoaderSimple\", \"inputs\": {\"ckpt_name\":"
                + " \"refiner_00001_.safetensors\"}}");
        assertEquals(ModelFamily.SDXL_REFINER, ((ModelValue) back.outputs().get("4").value(0)).family());
    }

    @Test
    void sdxlWithoutBigGIsRefusedNamingTheEncoder() {
        var ex = org.junit.jupiter.api.Assertions.assertThrows(dev.noodle.engine.io.ModelFormatException.class,
                () -> CheckpointWriter.writer(new CheckpointWriter.Parts(ModelFamily.SDXL, null, null, null,
                        dev.noodle.engine.sampling.PredictionType.EPS), Map.of()));
        assertTrue(ex.getMessage().contains("bigG") && ex.getMessage().contains("SDXL"), ex.getMessage());
    }
}
