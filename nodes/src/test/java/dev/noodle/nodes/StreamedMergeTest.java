package dev.noodle.nodes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.engine.io.DType;
import dev.noodle.engine.io.SafetensorsFile;
import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.engine.model.TinyCheckpoints;
import dev.noodle.engine.text.ClipTextModel;
import dev.noodle.engine.unet.UNetWeights;
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
import dev.noodle.nodes.values.ClipValue;
import dev.noodle.nodes.values.ModelValue;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A merge saved straight from two checkpoints that were never loaded (CheckpointSave reads both files tensor by
 * tensor) holds, key by key, exactly the weights of the same merge made in memory for sampling, in the first input's
 * precision, and both equal the blend restated here in plain float arithmetic from the files' values. SD 1.x with
 * mixed precisions (float32 with a float16 UNet) and SDXL (both text encoders merged, bigG's packed attention
 * written back in open_clip's layout).
 */
class StreamedMergeTest {
    @TempDir
    static Path tmp;

    static NoodleNodes nodes;
    static Path models;
    static final String DEMO = "noodle-demo-tiny-sd15.safetensors";
    static final String HALF = "half-sd15.safetensors";
    static final String XL_A = "tiny-sdxl-a.safetensors";
    static final String XL_B = "tiny-sdxl-b.safetensors";

    @BeforeAll
    static void setUp() throws Exception {
        models = tmp.resolve("models");
        DemoAddons.ensure(models);
        Path ck = models.resolve("checkpoints");
        // SD 1.5: the demo's UNet ×(−1.5) in half precision, its text encoder ×0.5 in float32
        scaled(ck.resolve(DEMO), ck.resolve(HALF), k -> k.startsWith("model.diffusion_model.") ? -1.5f
                : k.startsWith("cond_stage_model.") ? 0.5f : 1f, k -> k.startsWith("model.diffusion_model."));
        // SDXL: a tiny model, and a float16 copy with every float weight ×(−0.75)
        TinyCheckpoints.write(ck.resolve(XL_A), TinyCheckpoints.Kind.SDXL);
        scaled(ck.resolve(XL_A), ck.resolve(XL_B), k -> -0.75f, k -> true);
        nodes = NoodleNodes.create(NodeEnvironment.of(models, models));
    }

    @AfterAll
    static void tearDown() {
        nodes.close();
    }

    static void scaled(Path from, Path to, java.util.function.Function<String, Float> factor,
            java.util.function.Predicate<String> half) throws Exception {
        try (SafetensorsFile src = SafetensorsFile.open(from)) {
            SafetensorsWriter w = new SafetensorsWriter();
            src.metadata().forEach(w::metadata);
            for (String k : src.keys()) {
                long[] shape = src.info(k).shape();
                if (!src.info(k).dtype().isFloat()) {
                    w.add(k, src.info(k).dtype(), shape, () -> src.readBytes(k));
                    continue;
                }
                float[] v = src.loadFloats(k);
                float f = factor.apply(k);
                for (int i = 0; i < v.length; i++) {
                    v[i] *= f;
                }
                if (half.test(k)) {
                    w.addF16(k, shape, v);
                } else {
                    w.addF32(k, shape, v);
                }
            }
            w.write(to);
        }
    }

    static RunResult run(String body) {
        var wf = WorkflowJson.parse("{\"format\": 1, \"name\": \"t\", \"nodes\": {" + body + "}}", "test",
                nodes.registry());
        GraphExecutor executor = new GraphExecutor(nodes.registry(), new ResultCache(1L << 30), nodes.services());
        return executor.run(wf, new RunOptions(Set.copyOf(wf.nodes().keySet()), "streamed-merge-test"),
                RunListener.none(), new CancellationToken());
    }

    static String loader(String id, String ckpt) {
        return "\"" + id + "\": {\"type\": \"CheckpointLoaderSimple\", \"inputs\": {\"ckpt_name\": \"" + ckpt + "\"}}";
    }

    static String mergeAndSave(String a, String b, float modelRatio, float clipRatio, String prefix) {
        return loader("1", a) + ", " + loader("2", b)
                + ", \"10\": {\"type\": \"ModelMergeSimple\", \"inputs\": {\"model1\": [\"1\", 0], \"model2\": [\"2\","
                + " 0], \"ratio\": " + modelRatio + "}},"
                + " \"11\": {\"type\": \"CLIPMergeSimple\", \"inputs\": {\"clip1\": [\"1\", 1], \"clip2\": [\"2\", 1],"
                + " \"ratio\": " + clipRatio + "}},"
                + " \"20\": {\"type\": \"CheckpointSave\", \"inputs\": {\"model\": [\"10\", 0], \"clip\": [\"11\", 0],"
                + " \"vae\": [\"1\", 2], \"filename_prefix\": \"" + prefix + "\"}}";
    }

    /** a·r + b·(1 − r) in float32, rounded to {@code dtype}: the blend restated. */
    static float[] blend(float[] a, float[] b, float r, DType dtype) {
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            float v = a[i] * r + b[i] * (1f - r);
            out[i] = dtype == DType.F16 ? Float.float16ToFloat(Float.floatToFloat16(v)) : v;
        }
        return out;
    }

    static float[] floats(ai.djl.ndarray.NDArray a) {
        try (var f = a.toType(ai.djl.ndarray.types.DataType.FLOAT32, true)) {
            return f.toFloatArray();
        }
    }

    void sd1(String first, String second, DType unetType) throws Exception {
        int loads = nodes.models().loadCount();
        String prefix = "checkpoints/streamed-" + first.substring(0, 4);
        RunResult r = run(mergeAndSave(first, second, 0.4f, 0.3f, prefix));
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
        assertEquals(loads, nodes.models().loadCount(), "saving the merge loaded no checkpoint");
        Path saved = models.resolve(prefix + "_00001_.safetensors");
        ModelValue model = (ModelValue) r.outputs().get("10").value(0);
        ClipValue clip = (ClipValue) r.outputs().get("11").value(0);
        UNetWeights inMemory = model.unet().weights(); // the merge made in memory, as sampling makes it
        ClipTextModel text = clip.clip();
        int compared = 0;
        try (SafetensorsFile f = SafetensorsFile.open(saved);
                SafetensorsFile a = SafetensorsFile.open(models.resolve("checkpoints/" + first));
                SafetensorsFile b = SafetensorsFile.open(models.resolve("checkpoints/" + second))) {
            for (String k : inMemory.keys()) {
                String key = "model.diffusion_model." + k;
                assertEquals(unetType, f.info(key).dtype(), key + " is written in the first model's precision");
                float[] streamed = f.loadFloats(key);
                assertArrayEquals(floats(inMemory.get(k)), streamed, key + ": saved = made in memory");
                assertArrayEquals(blend(a.loadFloats(key), b.loadFloats(key), 0.4f, unetType), streamed, key);
                compared++;
            }
            for (String k : text.parameterKeys()) {
                String key = ClipTextModel.SD1_PREFIX + k;
                assertEquals(DType.F32, f.info(key).dtype(), key);
                float[] streamed = f.loadFloats(key);
                assertArrayEquals(floats(text.parameter(k)), streamed, key + ": saved = made in memory");
                assertArrayEquals(blend(a.loadFloats(key), b.loadFloats(key), 0.3f, DType.F32), streamed, key);
                compared++;
            }
            for (String k : a.keys()) {
                if (k.startsWith("first_stage_model.")) {
                    assertArrayEquals(a.loadFloats(k), f.loadFloats(k), k + " is model 1's VAE");
                    compared++;
                }
            }
        }
        assertTrue(compared > 300, "compared " + compared + " tensors");
    }

    @Test
    void sd1MergeSavedFromTheFilesEqualsTheMergeMadeInMemoryFloat32First() throws Exception {
        sd1(DEMO, HALF, DType.F32);
    }

    @Test
    void sd1MergeKeepsTheFirstModelsFloat16() throws Exception {
        sd1(HALF, DEMO, DType.F16);
    }

    @Test
    void sdxlMergeSavesBothTextEncodersAsMadeInMemory() throws Exception {
        RunResult r = run(mergeAndSave(XL_A, XL_B, 0.6f, 0.3f, "checkpoints/xl-merged"));
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
        ClipValue clip = (ClipValue) r.outputs().get("11").value(0);
        ModelValue model = (ModelValue) r.outputs().get("10").value(0);
        // the saved file, loaded back: every weight equals the merge made in memory
        RunResult back = run(loader("1", "xl-merged_00001_.safetensors"));
        assertEquals(RunResult.Status.SUCCESS, back.status(), back.message() + " " + back.errors());
        ModelValue m2 = (ModelValue) back.outputs().get("1").value(0);
        ClipValue c2 = (ClipValue) back.outputs().get("1").value(1);
        UNetWeights u = model.unet().weights();
        for (String k : u.keys()) {
            assertArrayEquals(floats(u.get(k)), floats(m2.unet().weights().get(k)), k);
        }
        ClipTextModel g = clip.clip2();
        assertNotNull(g, "bigG merged");
        for (String k : g.parameterKeys()) {
            assertArrayEquals(floats(g.parameter(k)), floats(c2.clip2().parameter(k)), "bigG " + k);
        }
        for (String k : clip.clip().parameterKeys()) {
            if (!k.equals(ClipTextModel.PROJECTION_KEY)) { // SDXL files carry no CLIP-L projection
                assertArrayEquals(floats(clip.clip().parameter(k)), floats(c2.clip().parameter(k)), "CLIP-L " + k);
            }
        }
        // and bigG is the blend of both files' bigG (not clip1's kept)
        try (SafetensorsFile a = SafetensorsFile.open(models.resolve("checkpoints/" + XL_A));
                SafetensorsFile b = SafetensorsFile.open(models.resolve("checkpoints/" + XL_B));
                SafetensorsFile f = SafetensorsFile.open(models.resolve("checkpoints/xl-merged_00001_.safetensors"))) {
            String key = "conditioner.embedders.1.model.ln_final.weight";
            assertEquals(a.info(key).dtype() == DType.F16 ? DType.F16 : DType.F32, f.info(key).dtype());
            assertArrayEquals(blend(a.loadFloats(key), b.loadFloats(key), 0.3f, f.info(key).dtype()),
                    f.loadFloats(key), key);
            String packed = "conditioner.embedders.1.model.transformer.resblocks.0.attn.in_proj_weight";
            assertArrayEquals(blend(a.loadFloats(packed), b.loadFloats(packed), 0.3f, f.info(packed).dtype()),
                    f.loadFloats(packed), packed);
        }
    }

    @Test
    void aLoadThatCannotFitIsRefusedNamingTheFileAndTheEstimate() {
        RunResult r = run(loader("1", HALF));
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
        ModelValue model = (ModelValue) r.outputs().get("1").value(0);
        String old = System.getProperty("noodle.memoryPreflight.availableBytes");
        System.setProperty("noodle.memoryPreflight.availableBytes", "1000");
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, model::unet);
            assertTrue(e.getMessage().contains(HALF), e.getMessage());
            assertTrue(e.getMessage().contains("GB of memory"), e.getMessage());
            assertTrue(e.getMessage().contains("CheckpointSave"), "says what to do: " + e.getMessage());
        } finally {
            if (old == null) {
                System.clearProperty("noodle.memoryPreflight.availableBytes");
            } else {
                System.setProperty("noodle.memoryPreflight.availableBytes", old);
            }
        }
        assertFalse(model.lazyUnet().isMade(), "nothing was loaded");
        assertNotNull(model.unet(), "loads once memory allows");
    }
}
