package dev.noodle.nodes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.SafetensorsFile;
import dev.noodle.engine.io.TensorInfo;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.model.CheckpointInfo;
import dev.noodle.engine.model.CheckpointLoader;
import dev.noodle.engine.model.FamilyDetector;
import dev.noodle.engine.model.LoadedCheckpoint;
import dev.noodle.engine.model.ModelFamily;
import dev.noodle.engine.model.Prediction;
import dev.noodle.engine.model.TinyCosxl;
import dev.noodle.engine.runtime.Devices;
import dev.noodle.engine.sampling.ModelSampling;
import dev.noodle.engine.sampling.PredictionType;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.OutputSpec;
import dev.noodle.nodes.conditioning.InstructPixToPixConditioning;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import dev.noodle.nodes.latent.InpaintNodes;
import dev.noodle.nodes.model.ModelSamplingContinuous;
import dev.noodle.nodes.model.ModelSamplingDiscrete;
import dev.noodle.nodes.sampling.Ip2pExtras;
import dev.noodle.nodes.values.ConditioningValue;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.LatentValue;
import dev.noodle.nodes.values.ModelValue;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CosXL and CosXL Edit on tiny random-weight files in the real layout ({@link TinyCosxl}): detection from the
 * {@code edm_vpred.*} keys, the EDM v-prediction schedule they load with, the 8-channel edit UNet fed by
 * InstructPixToPixConditioning, and the ModelSamplingContinuousEDM/V nodes.
 */
class CosxlTest {
    @TempDir
    static Path tmp;

    static NoodleNodes nodes;
    static GraphExecutor executor;
    static Path cosxl;
    static Path edit;

    @BeforeAll
    static void setUp() throws Exception {
        Path ckpts = tmp.resolve("models").resolve("checkpoints");
        cosxl = TinyCosxl.write(ckpts.resolve("cosxl.safetensors"), false);
        edit = TinyCosxl.write(ckpts.resolve("cosxl_edit.safetensors"), true);
        nodes = NoodleNodes.create(NodeEnvironment.of(tmp.resolve("models"), tmp.resolve("out")));
        executor = new GraphExecutor(nodes.registry(), new ResultCache(1L << 30), nodes.services());
    }

    @AfterAll
    static void tearDown() {
        nodes.close();
    }

    /** The file with extra empty marker tensors. */
    private record WithKeys(TensorSource base, Set<String> extra) implements TensorSource {
        public Set<String> keys() {
            Set<String> k = new HashSet<>(base.keys());
            k.addAll(extra);
            return k;
        }

        public TensorInfo info(String key) {
            return base.info(key);
        }

        public NDArray load(String key, NDManager manager, DataType compute) {
            return base.load(key, manager, compute);
        }

        public float[] loadFloats(String key) {
            return base.loadFloats(key);
        }

        public String describe() {
            return base.describe();
        }
    }

    @Test
    void edmVpredKeysMeanEdmVPredictionAndEightChannelsAnEditModel() throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(cosxl); SafetensorsFile fe = SafetensorsFile.open(edit)) {
            CheckpointInfo info = FamilyDetector.detect(f);
            assertEquals(List.of(ModelFamily.SDXL, Prediction.EDM_V, 4), List.of(info.family(), info.prediction(),
                    info.unetInChannels()));
            CheckpointInfo e = FamilyDetector.detect(fe);
            assertEquals(List.of(ModelFamily.SDXL, Prediction.EDM_V, 8, false), List.of(e.family(), e.prediction(),
                    e.unetInChannels(), e.inpainting()));
            ModelFormatException pg = assertThrows(ModelFormatException.class,
                    () -> FamilyDetector.detect(new WithKeys(f, Set.of("edm_mean", "edm_std"))));
            assertTrue(pg.getMessage().contains("Playground v2.5"), pg.getMessage());
        }
    }

    @Test
    void cosxlLoadsWithTheFilesContinuousEdmSchedule() throws Exception {
        ModelSampling want = ModelSampling.continuous(ModelSampling.Schedule.EDM, PredictionType.V_PREDICTION,
                TinyCosxl.SIGMA_MIN, TinyCosxl.SIGMA_MAX, 1.0);
        for (Path p : List.of(cosxl, edit)) {
            try (LoadedCheckpoint c = CheckpointLoader.load(p, tmp, Devices.Target.cpu(), s -> { })) {
                ModelSampling ms = c.sampling();
                assertEquals(ModelSampling.Schedule.EDM, ms.schedule(), p.toString());
                assertEquals(PredictionType.V_PREDICTION, ms.prediction());
                assertEquals(1f, ms.sigmaData());
                assertArrayEquals(want.sigmas(), ms.sigmas());
                assertEquals(120f, ms.sigmaMax(), 1e-4f);
                assertEquals(0.002f, ms.sigmaMin(), 1e-8f);
                assertEquals(p == edit ? 8 : 4, c.unet().config().inChannels());
            }
        }
        // another stored range, and ComfyUI's default σ_min when the file has none
        Path other = TinyCosxl.write(tmp.resolve("other.safetensors"), false, 80f, Float.NaN);
        try (LoadedCheckpoint c = CheckpointLoader.load(other, tmp, Devices.Target.cpu(), s -> { })) {
            assertEquals(80f, c.sampling().sigmaMax(), 1e-4f);
            assertEquals(0.002f, c.sampling().sigmaMin(), 1e-8f);
        }
        Path bad = TinyCosxl.write(tmp.resolve("bad.safetensors"), false, 0.001f, 0.002f);
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> CheckpointLoader.load(bad, tmp, Devices.Target.cpu(), s -> { }).close());
        assertTrue(e.getMessage().contains("edm_vpred.sigma_min"), e.getMessage());
    }

    // ------------------------------------------------------------------ workflows

    static String node(String id, String type, Object... kv) {
        StringBuilder b = new StringBuilder("\"" + id + "\": {\"type\": \"" + type + "\", \"inputs\": {");
        for (int i = 0; i < kv.length; i += 2) {
            Object v = kv[i + 1];
            String json = v instanceof String s ? "\"" + s + "\"" : v instanceof int[] l
                    ? "[\"" + l[0] + "\", " + l[1] + "]" : String.valueOf(v);
            b.append(i > 0 ? ", " : "").append('"').append(kv[i]).append("\": ").append(json);
        }
        return b.append("}}").toString();
    }

    static int[] link(int node, int output) {
        return new int[] {node, output};
    }

    static RunResult run(String... body) {
        String json = "{\"format\": 1, \"name\": \"t\", \"nodes\": {" + String.join(", ", body) + "}}";
        var wf = WorkflowJson.parse(json, "test", nodes.registry());
        return executor.run(wf, new RunOptions(Set.copyOf(wf.nodes().keySet()), "t"), e -> { },
                new CancellationToken());
    }

    static <T> T out(RunResult r, int node, int output, Class<T> type) {
        return assertInstanceOf(type, r.outputs().get(String.valueOf(node)).value(output));
    }

    static String ksampler(int id, int model, int pos, int neg, int[] latent) {
        return node(String.valueOf(id), "KSampler", "model", link(model, 0), "seed", 3, "steps", 2, "cfg", 5.0,
                "sampler_name", "euler", "scheduler", "karras", "positive", link(pos, 0), "negative", link(neg, 0),
                "latent_image", latent, "denoise", 1.0);
    }

    /** Loader "1" (cosxl_edit), prompts "2"/"3", cosxl "11" with its prompts "12"/"13", an empty 32×32 latent "4". */
    static final List<String> PRELUDE = List.of(
            node("1", "CheckpointLoaderSimple", "ckpt_name", "cosxl_edit.safetensors"),
            node("2", "CLIPTextEncode", "text", "make it snowy", "clip", link(1, 1)),
            node("3", "CLIPTextEncode", "text", "", "clip", link(1, 1)),
            node("11", "CheckpointLoaderSimple", "ckpt_name", "cosxl.safetensors"),
            node("12", "CLIPTextEncode", "text", "a red fox", "clip", link(11, 1)),
            node("13", "CLIPTextEncode", "text", "", "clip", link(11, 1)),
            node("4", "EmptyLatentImage", "width", 32, "height", 32, "batch_size", 1));

    @Test
    void cosxlEditSamplesTheImageGivenByInstructPixToPixConditioning() {
        List<String> body = new java.util.ArrayList<>(PRELUDE);
        body.addAll(List.of(
                ksampler(14, 11, 12, 13, link(4, 0)), // cosxl txt2img
                node("15", "VAEDecode", "samples", link(14, 0), "vae", link(11, 2)), // image B
                node("5", "VAEDecode", "samples", link(4, 0), "vae", link(1, 2)), // image A
                node("6", "InstructPixToPixConditioning", "positive", link(2, 0), "negative", link(3, 0), "vae",
                        link(1, 2), "pixels", link(15, 0)),
                node("9", "VAEEncode", "pixels", link(15, 0), "vae", link(1, 2)),
                "\"7\": {\"type\": \"KSampler\", \"inputs\": {\"model\": [\"1\", 0], \"seed\": 3, \"steps\": 2,"
                        + " \"cfg\": 5.0, \"sampler_name\": \"euler\", \"scheduler\": \"karras\", \"positive\": [\"6\","
                        + " 0], \"negative\": [\"6\", 1], \"latent_image\": [\"6\", 2], \"denoise\": 1.0}}",
                // image A decodes the zero latent: with the tiny model's zero biases it encodes to zeros again
                node("10", "InstructPixToPixConditioning", "positive", link(2, 0), "negative", link(3, 0), "vae",
                        link(1, 2), "pixels", link(5, 0)),
                "\"8\": {\"type\": \"KSampler\", \"inputs\": {\"model\": [\"1\", 0], \"seed\": 3, \"steps\": 2,"
                        + " \"cfg\": 5.0, \"sampler_name\": \"euler\", \"scheduler\": \"karras\", \"positive\": [\"10\","
                        + " 0], \"negative\": [\"10\", 1], \"latent_image\": [\"10\", 2], \"denoise\": 1.0}}",
                // as ComfyUI's sdxl_edit_model example: a negative without the image gets zeros in its channels
                "\"16\": {\"type\": \"KSampler\", \"inputs\": {\"model\": [\"1\", 0], \"seed\": 3, \"steps\": 2,"
                        + " \"cfg\": 5.0, \"sampler_name\": \"euler\", \"scheduler\": \"karras\", \"positive\": [\"6\","
                        + " 0], \"negative\": [\"3\", 0], \"latent_image\": [\"6\", 2], \"denoise\": 1.0}}"));
        RunResult r = run(body.toArray(String[]::new));
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
        assertEquals(ModelSampling.Schedule.EDM, out(r, 11, 0, ModelValue.class).sampling().schedule());
        // the latent is zeros of the image latent's shape; both conditionings carry the encoded image
        LatentValue empty = out(r, 6, 2, LatentValue.class);
        assertArrayEquals(new long[] {1, 4, 4, 4}, empty.samples().shape());
        assertArrayEquals(new float[4 * 16], empty.samples().data());
        HeapTensor encoded = out(r, 9, 0, LatentValue.class).samples();
        double size = 0;
        for (float f : encoded.data()) {
            size = Math.max(size, Math.abs(f));
        }
        assertTrue(size > 1e-3, "the image to edit has a non-zero latent");
        for (int k = 0; k < 2; k++) {
            ConditioningValue c = out(r, 6, k, ConditioningValue.class);
            HeapTensor concat = c.entries().get(0).extras().get(InpaintNodes.CONCAT_LATENT);
            assertArrayEquals(encoded.data(), concat.data(), "concat_latent_image of output " + k);
        }
        float[] a = out(r, 7, 0, LatentValue.class).samples().data();
        float[] b = out(r, 8, 0, LatentValue.class).samples().data();
        double diff = 0;
        for (int i = 0; i < a.length; i++) {
            assertTrue(Float.isFinite(a[i]) && Float.isFinite(b[i]), "finite at " + i);
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
        }
        assertTrue(diff > 1e-3, "the image to edit reaches the UNet: another image gives another latent (" + diff
                + ")");
        float[] plainNegative = out(r, 16, 0, LatentValue.class).samples().data();
        double negDiff = 0;
        for (int i = 0; i < a.length; i++) {
            negDiff = Math.max(negDiff, Math.abs(a[i] - plainNegative[i]));
        }
        assertTrue(negDiff > 1e-3, "each conditioning brings its own image channels (" + negDiff + ")");
    }

    @Test
    void editChannelsAreTheImageLatentScaledForCosxlAndZerosWithout() {
        float[] img = new float[4 * 2 * 2];
        for (int i = 0; i < img.length; i++) {
            img[i] = i - 7.5f;
        }
        HeapTensor concat = new HeapTensor(new long[] {1, 4, 2, 2}, img);
        ConditioningValue.Entry plain = new ConditioningValue.Entry(new HeapTensor(new long[] {1, 1, 1},
                new float[] {0}), null, 1f, null, Map.of());
        ConditioningValue with = new ConditioningValue(List.of(plain.withArea(null, 1f),
                new ConditioningValue.Entry(plain.context(), null, 1f, null,
                        Map.of(InpaintNodes.CONCAT_LATENT, concat))));
        LatentValue latent = new LatentValue(new HeapTensor(new long[] {2, 4, 2, 2}, new float[32]), null, null);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.zeros(new ai.djl.ndarray.types.Shape(2, 4, 2, 2));
            float[] got = Ip2pExtras.of(with, latent, 0.13025f).channels(x, null, m).toFloatArray();
            for (int i = 0; i < got.length; i++) {
                assertEquals(img[i % 16] * 0.13025f, got[i], 1e-6f, "batch repeats the scaled image at " + i);
            }
            float[] none = Ip2pExtras.of(new ConditioningValue(List.of(plain)), latent, 0.13025f).channels(x, null, m)
                    .toFloatArray();
            assertArrayEquals(new float[32], none, "no image: zeros");
            LatentValue bigger = new LatentValue(new HeapTensor(new long[] {1, 4, 4, 4}, new float[64]), null, null);
            NDArray xb = m.zeros(new ai.djl.ndarray.types.Shape(1, 4, 4, 4));
            assertArrayEquals(new long[] {1, 4, 4, 4},
                    Ip2pExtras.of(with, bigger, 1f).channels(xb, null, m).getShape().getShape(), "resized to the latent");
        }
    }

    @Test
    void continuousSamplingNodesGiveTheirSchedules() {
        List<String> body = new java.util.ArrayList<>(PRELUDE.subList(3, PRELUDE.size()));
        body.addAll(List.of(
                node("20", "ModelSamplingContinuousEDM", "model", link(11, 0), "sampling", "edm", "sigma_max", 80.0,
                        "sigma_min", 0.002),
                node("21", "ModelSamplingContinuousV", "model", link(11, 0), "sampling", "v_prediction", "sigma_max",
                        500.0, "sigma_min", 0.03),
                node("22", "ModelSamplingDiscrete", "model", link(11, 0), "sampling", "img_to_img", "zsnr", false),
                ksampler(23, 20, 12, 13, link(4, 0)), ksampler(24, 21, 12, 13, link(4, 0))));
        RunResult r = run(body.toArray(String[]::new));
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
        ModelSampling edm = out(r, 20, 0, ModelValue.class).sampling();
        assertEquals(List.of(ModelSampling.Schedule.EDM, PredictionType.EDM, 0.5f),
                List.of(edm.schedule(), edm.prediction(), edm.sigmaData()));
        assertEquals(80f, edm.sigmaMax(), 1e-4f);
        ModelSampling v = out(r, 21, 0, ModelValue.class).sampling();
        assertEquals(List.of(ModelSampling.Schedule.CONTINUOUS_V, PredictionType.V_PREDICTION),
                List.of(v.schedule(), v.prediction()));
        assertEquals(0.03f, v.sigmaMin(), 1e-7f);
        ModelSampling i2i = out(r, 22, 0, ModelValue.class).sampling();
        assertEquals(List.of(ModelSampling.Schedule.DISCRETE, PredictionType.IMG_TO_IMG),
                List.of(i2i.schedule(), i2i.prediction()));
        for (int k : new int[] {23, 24}) {
            for (float f : out(r, k, 0, LatentValue.class).samples().data()) {
                assertTrue(Float.isFinite(f), "KSampler " + k + " on a continuous schedule");
            }
        }
        RunResult pg = run(PRELUDE.get(3), node("20", "ModelSamplingContinuousEDM", "model", link(11, 0), "sampling",
                "edm_playground_v2.5", "sigma_max", 120.0, "sigma_min", 0.002));
        assertEquals(RunResult.Status.FAILED, pg.status());
        assertTrue(pg.message().contains("latent format"), pg.message());
    }

    private static List<String> names(NodeSchema s) {
        return s.inputs().stream().map(InputSpec::name).toList();
    }

    private static InputSpec input(NodeSchema s, String name) {
        return s.inputs().stream().filter(i -> i.name().equals(name)).findFirst().orElseThrow();
    }

    private static void sigma(NodeSchema s, String name, double def) {
        FloatInput f = assertInstanceOf(FloatInput.class, input(s, name));
        assertEquals(List.of(def, 0.0, 1000.0, 0.001), List.of(f.defaultValue(), f.min(), f.max(), f.step()),
                s.type() + "." + name);
    }

    /** Names, input order, options and defaults as ComfyUI's nodes_model_advanced.py and nodes_ip2p.py. */
    @Test
    void nodeShapesAreComfyUis() {
        NodeSchema d = new ModelSamplingDiscrete().schema();
        assertEquals(List.of("model", "sampling", "zsnr"), names(d));
        assertEquals(List.of("eps", "v_prediction", "lcm", "x0", "img_to_img"),
                assertInstanceOf(ComboInput.class, input(d, "sampling")).currentOptions());
        NodeSchema e = new ModelSamplingContinuous.ContinuousEdm().schema();
        assertEquals(List.of("ModelSamplingContinuousEDM", "advanced/model"), List.of(e.type(), e.category()));
        assertEquals(List.of("model", "sampling", "sigma_max", "sigma_min"), names(e));
        assertEquals(List.of("v_prediction", "edm", "edm_playground_v2.5", "eps", "cosmos_rflow"),
                assertInstanceOf(ComboInput.class, input(e, "sampling")).currentOptions());
        sigma(e, "sigma_max", 120.0);
        sigma(e, "sigma_min", 0.002);
        NodeSchema v = new ModelSamplingContinuous.ContinuousV().schema();
        assertEquals(List.of("ModelSamplingContinuousV", "advanced/model"), List.of(v.type(), v.category()));
        assertEquals(List.of("model", "sampling", "sigma_max", "sigma_min"), names(v));
        assertEquals(List.of("v_prediction"), assertInstanceOf(ComboInput.class, input(v, "sampling"))
                .currentOptions());
        sigma(v, "sigma_max", 500.0);
        sigma(v, "sigma_min", 0.03);
        NodeSchema p = new InstructPixToPixConditioning().schema();
        assertEquals(List.of("InstructPixToPixConditioning", "conditioning/instructpix2pix"),
                List.of(p.type(), p.category()));
        assertEquals(List.of("positive", "negative", "vae", "pixels"), names(p));
        assertEquals(List.of("positive", "negative", "latent"), p.outputs().stream().map(OutputSpec::name).toList());
        assertEquals(List.of("CONDITIONING", "CONDITIONING", "LATENT"),
                p.outputs().stream().map(o -> o.type().name()).toList());
        for (NodeSchema s : List.of(d, e, v)) {
            assertEquals(List.of("MODEL"), s.outputs().stream().map(o -> o.type().name()).toList(), s.type());
        }
        for (String t : List.of("ModelSamplingContinuousEDM", "ModelSamplingContinuousV", "InstructPixToPixConditioning")) {
            assertTrue(nodes.registry().find(t).isPresent(), t + " is registered");
        }
    }
}
