package dev.noodle.engine.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.noodle.engine.io.MapTensorSource;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.SafetensorsFile;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** OpenCLIP (SD 2.x) text encoder read with open_clip key names, against openclip_text_reference.py. */
class OpenClipTextTest {
    static SafetensorsFile sd2File;
    static SafetensorsFile expected;
    static ClipTextModel sd2;

    @BeforeAll
    static void load() throws Exception {
        sd2File = SafetensorsFile.open(resource("tiny_sd2_clip.safetensors"));
        expected = SafetensorsFile.open(resource("tiny_xl_expected.safetensors"));
        sd2 = ClipTextModel.loadOpenClip(sd2File.withPrefix(ClipTextModel.SD2_PREFIX));
    }

    @AfterAll
    static void close() {
        sd2.close();
        sd2File.close();
        expected.close();
    }

    static Path resource(String name) throws Exception {
        return Path.of(OpenClipTextTest.class.getResource(name).toURI());
    }

    static int[] ids(SafetensorsFile f, String key) {
        float[] v = f.loadFloats(key);
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (int) v[i];
        }
        return out;
    }

    static void assertClose(SafetensorsFile f, String key, NDArray actual) {
        assertClose(f, key, actual.getShape().getShape(), actual.toFloatArray());
    }

    static void assertClose(SafetensorsFile f, String key, long[] shape, float[] got) {
        float[] want = f.loadFloats(key);
        assertArrayEquals(f.info(key).shape(), shape, key + " shape");
        double maxErr = 0;
        for (int i = 0; i < want.length; i++) {
            maxErr = Math.max(maxErr, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
        }
        assertTrue(maxErr < 1e-4, key + ": max relative error " + maxErr);
    }

    @Test
    void configIsInferredFromOpenClipShapes() {
        assertEquals(new ClipConfig(128, 3, 2, 1000, 77, 256, ClipConfig.Activation.GELU, 1e-5f, 96), sd2.config());
        long h = ClipTextModel.parameterShapes(ClipConfig.vitH14()).values().stream()
                .mapToLong(s -> java.util.Arrays.stream(s).reduce(1, Math::multiplyExact)).sum();
        long g = ClipTextModel.parameterShapes(ClipConfig.vitBigG14()).values().stream()
                .mapToLong(s -> java.util.Arrays.stream(s).reduce(1, Math::multiplyExact)).sum();
        assertEquals(354_032_640L, h); // OpenCLIP ViT-H/14 text tower incl. text_projection, without logit_scale
        assertEquals(694_659_840L, g); // OpenCLIP ViT-bigG/14 text tower incl. text_projection
    }

    @Test
    void penultimateWithNormAndProjectedPooledMatchTorch() {
        int[][] batch = {ids(expected, "ids.a0"), ids(expected, "ids.b0")};
        try (NDManager m = NDManager.newBaseManager()) {
            ClipEncoding enc = ClipEncoding.sd2();
            ClipOutput out = sd2.encode(m, batch, enc.stopAtLayer(), enc.finalNorm());
            assertClose(expected, "sd2.skip2.hidden", out.hidden());
            assertClose(expected, "sd2.pooled", out.pooled());
            assertClose(expected, "sd2.last.hidden", sd2.encode(m, batch, -1, true).hidden());
        }
    }

    @Test
    void keyViewSplitsPackedProjectionsAndTransposesTextProjection() {
        OpenClipKeys view = new OpenClipKeys(sd2File.withPrefix(ClipTextModel.SD2_PREFIX));
        assertTrue(!view.contains("logit_scale"));
        float[] packed = sd2File.loadFloats(ClipTextModel.SD2_PREFIX + "transformer.resblocks.1.attn.in_proj_weight");
        float[] k = view.loadFloats("encoder.layers.1.self_attn.k_proj.weight");
        assertEquals(128 * 128, k.length);
        assertEquals(packed[128 * 128 + 5], k[5]);
        float[] p = sd2File.loadFloats(ClipTextModel.SD2_PREFIX + "text_projection"); // [128, 96]
        float[] pt = view.loadFloats(ClipTextModel.PROJECTION_KEY); // [96, 128]
        assertArrayEquals(new long[] {96, 128}, view.info(ClipTextModel.PROJECTION_KEY).shape());
        assertEquals(p[7 * 96 + 3], pt[3 * 128 + 7]);
        try (NDManager m = NDManager.newBaseManager()) {
            float[] viaNd = view.load(ClipTextModel.PROJECTION_KEY, m, ai.djl.ndarray.types.DataType.FLOAT32)
                    .toFloatArray();
            assertArrayEquals(pt, viaNd);
            float[] vNd = view.load("encoder.layers.1.self_attn.v_proj.bias", m,
                    ai.djl.ndarray.types.DataType.FLOAT32).toFloatArray();
            assertArrayEquals(view.loadFloats("encoder.layers.1.self_attn.v_proj.bias"), vNd);
        }
    }

    @Test
    void badPackedProjectionIsReportedWithTheKey() {
        Map<String, MapTensorSource.Entry> e = new LinkedHashMap<>();
        e.put("transformer.resblocks.0.attn.in_proj_weight", new MapTensorSource.Entry(new long[] {10, 4},
                new float[40]));
        OpenClipKeys view = new OpenClipKeys(new MapTensorSource(e, "odd.safetensors"));
        ModelFormatException ex = assertThrows(ModelFormatException.class,
                () -> view.info("encoder.layers.0.self_attn.q_proj.weight"));
        assertTrue(ex.getMessage().contains("in_proj_weight") && ex.getMessage().contains("[10, 4]"),
                ex.getMessage());
    }
}
