package dev.noodle.nodes;

import dev.noodle.nodes.sampling.SamplerNodes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noodle.engine.adapters.LoraPatcher;
import dev.noodle.engine.model.CheckpointLoader;
import dev.noodle.engine.keys.KeyNames;
import dev.noodle.engine.model.LoadedCheckpoint;
import dev.noodle.engine.model.ModelFamily;
import dev.noodle.engine.model.TinyCheckpoints;
import dev.noodle.engine.runtime.Devices;
import dev.noodle.engine.sampling.ModelSampling;
import dev.noodle.engine.sampling.PredictionType;
import dev.noodle.engine.diffusion.AdmConditioning;
import dev.noodle.engine.diffusion.CondEntry;
import dev.noodle.engine.diffusion.ConditionedUNet;
import dev.noodle.engine.text.ClipEncoding;
import dev.noodle.engine.text.PromptStyle;
import dev.noodle.engine.text.EmbeddingLookup;
import dev.noodle.engine.text.SdxlConditioning;
import dev.noodle.engine.text.SdxlTextEncoder;
import dev.noodle.engine.text.SdxlTextOutput;
import dev.noodle.engine.unet.UNetConfig;
import dev.noodle.nodes.values.ConditioningValue;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.ModelValue;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SDXL and SD 2.x checkpoints through the loader and the sampler glue, on tiny generated checkpoints. */
class SdxlCheckpointTest {
    @TempDir
    static Path dir;

    static LoadedCheckpoint xl;
    static NDManager m;

    @BeforeAll
    static void load() throws Exception {
        Path f = TinyCheckpoints.write(dir.resolve("xl.safetensors"), TinyCheckpoints.Kind.SDXL);
        xl = CheckpointLoader.load(f, dir, Devices.Target.cpu(), s -> { });
        m = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        m.close();
        xl.close();
    }

    @Test
    void sdxlLoadsBothEncodersWithTheSdxlScaleAndEps() {
        assertEquals(ModelFamily.SDXL, xl.info().family());
        assertNotNull(xl.clip2());
        assertEquals(0.13025f, xl.latentScale());
        assertEquals(PredictionType.EPS, xl.sampling().prediction());
        assertEquals(ClipEncoding.sdxlClipL(), xl.encoding());
        assertEquals(TinyCheckpoints.sdxlClipG().projectionDim(), xl.clip2().config().projectionDim());
        assertEquals(TinyCheckpoints.sdxlUnet(), xl.unet().config());
        // SDXL uses SD's discrete schedule
        assertArrayEquals(ModelSampling.sd15().sigmas(), xl.sampling().sigmas());
    }

    @Test
    void vPredKeyMeansVPrediction() throws Exception {
        for (TinyCheckpoints.Kind k : List.of(TinyCheckpoints.Kind.SDXL_VPRED, TinyCheckpoints.Kind.SD2_V)) {
            Path f = TinyCheckpoints.write(dir.resolve(k + ".safetensors"), k);
            try (LoadedCheckpoint c = CheckpointLoader.load(f, dir, Devices.Target.cpu(), s -> { })) {
                assertEquals(PredictionType.V_PREDICTION, c.sampling().prediction(), k.toString());
                assertEquals(k == TinyCheckpoints.Kind.SD2_V ? ModelFamily.SD2 : ModelFamily.SDXL, c.info().family());
                assertEquals(k == TinyCheckpoints.Kind.SD2_V ? null : c.clip2(), c.clip2());
            }
        }
    }

    private SdxlTextOutput encode(String text) {
        return new SdxlTextEncoder(xl.clip(), xl.clip2()).encode(m, text, text, xl.tokenizer(), EmbeddingLookup.NONE,
                EmbeddingLookup.NONE, -2, PromptStyle.COMFY);
    }

    private static ModelValue model(LoadedCheckpoint c) {
        ModelValue.Hold none = new ModelValue.Hold() {
            @Override
            public void release() {}

            @Override
            public long sizeBytes() {
                return 0;
            }
        };
        return new ModelValue(none, c.unet(), c.sampling(), c.latentScale(), c.info().family(), List.of(), 0, null);
    }

    @Test
    void yIsPooledPlusTheLatentSizeTimesEightByDefaultOrTheNodeSizes() {
        SdxlTextOutput out = encode("a cat");
        float[] pooled = out.pooled().toFloatArray();
        HeapTensor latent = new HeapTensor(new long[] {1, 4, 6, 10}, new float[240]);
        // plain CLIPTextEncode: original = target = (48, 80) px, crop 0
        ConditioningValue plain = new ConditioningValue(List.of(new ConditioningValue.Entry(
                HeapTensor.of(out.context()), HeapTensor.of(out.pooled()), 1f, null, Map.of())));
        CondEntry e = SamplerNodes.entries(plain, m, model(xl), latent, false).get(0);
        float[] want = SdxlConditioning.forImage(48, 80).vector(pooled);
        assertEquals(xl.unet().config().admInChannels(), want.length);
        assertArrayEquals(want, e.y().toFloatArray(), 1e-6f);
        // CLIPTextEncodeSDXL's extras: width/height/crop/target
        Map<String, HeapTensor> extras = Map.of("width", scalar(1024), "height", scalar(768), "crop_w", scalar(16),
                "crop_h", scalar(8), "target_width", scalar(512), "target_height", scalar(640));
        ConditioningValue sized = new ConditioningValue(List.of(new ConditioningValue.Entry(
                HeapTensor.of(out.context()), HeapTensor.of(out.pooled()), 1f, null, extras)));
        CondEntry s = SamplerNodes.entries(sized, m, model(xl), latent, true).get(0);
        assertArrayEquals(new SdxlConditioning(768, 1024, 8, 16, 640, 512).vector(pooled), s.y().toFloatArray(), 1e-6f);
    }

    private static HeapTensor scalar(float v) {
        return new HeapTensor(new long[] {1}, new float[] {v});
    }

    @Test
    void fullSizeYIs2816AndTheRefinerLayoutIs2560() {
        NDArray pooled = m.randomNormal(new Shape(1, 1280));
        NDArray y = AdmConditioning.y(m, 2816, pooled, Map.of(), 128, 128, false);
        assertArrayEquals(SdxlConditioning.forImage(1024, 1024).vector(pooled.toFloatArray()), y.toFloatArray(), 0f);
        NDArray zeros = AdmConditioning.y(m, 2816, null, Map.of(), 128, 128, false);
        assertArrayEquals(SdxlConditioning.forImage(1024, 1024).vector(new float[1280]), zeros.toFloatArray(), 0f);
        NDArray r = AdmConditioning.y(m, 2560, pooled, Map.of("width", 1024.0, "height", 1024.0), 128, 128, true);
        assertArrayEquals(SdxlConditioning.refinerVector(pooled.toFloatArray(), 1024, 1024, 0, 0, 2.5),
                r.toFloatArray(), 0f);
        assertNull(AdmConditioning.y(m, 0, pooled, Map.of(), 8, 8, false));
    }

    @Test
    void batchedCondAndUncondYsGiveTheSameAsSeparateCalls() {
        SdxlTextOutput a = encode("a red fox in the snow");
        SdxlTextOutput b = encode("");
        HeapTensor latent = new HeapTensor(new long[] {1, 4, 8, 8}, new float[256]);
        ModelValue mv = model(xl);
        CondEntry ca = SamplerNodes.entries(new ConditioningValue(List.of(new ConditioningValue.Entry(
                HeapTensor.of(a.context()), HeapTensor.of(a.pooled()), 1f, null, Map.of()))), m, mv, latent, false).get(0);
        CondEntry cb = SamplerNodes.entries(new ConditioningValue(List.of(new ConditioningValue.Entry(
                HeapTensor.of(b.context()), HeapTensor.of(b.pooled()), 1f, null, Map.of()))), m, mv, latent, true).get(0);
        ai.djl.pytorch.jni.JniUtils.setSeed(3);
        NDArray x = m.randomNormal(new Shape(2, 4, 8, 8));
        float[] ts = {500f, 500f};
        NDArray batched = new ConditionedUNet(xl.unet(), null).predict(x, ts, List.of(List.of(ca), List.of(cb)), m);
        NDArray t1 = m.create(new float[] {500f});
        NDArray first = xl.unet().forward(x.get("0:1"), t1, a.context(), ca.y());
        NDArray second = xl.unet().forward(x.get("1:2"), t1, b.context(), cb.y());
        assertArrayEquals(first.concat(second, 0).toFloatArray(), batched.toFloatArray(), 1e-4f);
    }

    @Test
    void vPredictionStepMatchesTorchPreconditioning() throws Exception {
        JsonNode ref;
        try (InputStream in = getClass().getResourceAsStream("/vpred/vpred.json")) {
            ref = new ObjectMapper().readTree(in);
        }
        Path f = TinyCheckpoints.write(dir.resolve("v.safetensors"), TinyCheckpoints.Kind.SD2_V);
        try (LoadedCheckpoint c = CheckpointLoader.load(f, dir, Devices.Target.cpu(), s -> { })) {
            ModelSampling ms = c.sampling();
            float[] x = floats(ref.get("x"));
            float[] out = floats(ref.get("model_output"));
            for (JsonNode step : ref.get("steps")) {
                float sigma = (float) step.get("sigma").asDouble();
                assertEquals(step.get("timestep").asInt(), ms.timestep(sigma));
                NDArray xs = m.create(x);
                assertArrayEquals(floats(step.get("denoised")),
                        ms.calculateDenoised(sigma, m.create(out), xs).toFloatArray(), 1e-5f);
                assertEquals(step.get("c_in").asDouble(), ms.calculateInput(m.create(new float[] {1f}), sigma)
                        .getFloat(0), 1e-6);
                // one denoising step of the tiny v model: x·c_skip + UNet(x·c_in, t)·c_out with torch's constants
                ai.djl.pytorch.jni.JniUtils.setSeed(11);
                NDArray lx = m.randomNormal(new Shape(1, 4, 8, 8));
                NDArray ctx = m.randomNormal(new Shape(1, 77, c.unet().config().contextDim()));
                NDArray t = m.create(new float[] {step.get("timestep").asInt()});
                NDArray unet = c.unet().forward(lx.mul((float) step.get("c_in").asDouble()), t, ctx);
                NDArray want = lx.mul((float) step.get("c_skip").asDouble())
                        .add(unet.mul((float) step.get("c_out").asDouble()));
                NDArray got = ms.calculateDenoised(sigma, c.unet().forward(ms.calculateInput(lx, sigma),
                        m.create(new float[] {ms.timestep(sigma)}), ctx), lx);
                assertArrayEquals(want.toFloatArray(), got.toFloatArray(), 1e-4f);
            }
        }
    }

    private static float[] floats(JsonNode a) {
        float[] v = new float[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) a.get(i).asDouble();
        }
        return v;
    }

    @Test
    void loraNamingUsesEachLevelsOwnDepth() {
        assertEquals(KeyNames.UNetNaming.sdxl(), LoraPatcher.naming(UNetConfig.sdxl()));
        assertEquals(KeyNames.UNetNaming.sd15(), LoraPatcher.naming(UNetConfig.sd15()));
        assertEquals(new KeyNames.UNetNaming(2, new int[] {0, 2, 3}, 2), LoraPatcher.naming(UNetConfig.tinyXl()));
    }
}
