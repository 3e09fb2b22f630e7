package dev.noodle.engine.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.noodle.engine.io.MapTensorSource;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.SafetensorsFile;
import dev.noodle.engine.io.TensorSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The CLIP text transformer against an independent torch implementation (clip_text_reference.py). */
class ClipTextModelTest {
    private static final ClipConfig TINY = new ClipConfig(64, 3, 2, 1000, 77, 128, ClipConfig.Activation.QUICK_GELU,
            1e-5f);
    private static SafetensorsFile weightsFile;
    private static SafetensorsFile expected;
    private static TensorSource weights;
    private static ClipTextModel model;

    @BeforeAll
    static void load() throws Exception {
        weightsFile = SafetensorsFile.open(resource("tiny_clip.safetensors"));
        expected = SafetensorsFile.open(resource("tiny_clip_expected.safetensors"));
        weights = weightsFile.withPrefix(ClipTextModel.SD1_PREFIX);
        model = ClipTextModel.load(weights, TINY, Device.cpu(), DataType.FLOAT32);
    }

    @AfterAll
    static void close() {
        model.close();
        weightsFile.close();
        expected.close();
    }

    private static Path resource(String name) throws Exception {
        return Path.of(ClipTextModelTest.class.getResource(name).toURI());
    }

    private static int[] ids(String key) {
        float[] f = expected.loadFloats(key);
        int[] out = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = (int) f[i];
        }
        return out;
    }

    private static void assertClose(String key, NDArray actual) {
        float[] want = expected.loadFloats(key);
        assertArrayEquals(expected.info(key).shape(), actual.getShape().getShape(), key + " shape");
        float[] got = actual.toFloatArray();
        double maxErr = 0;
        for (int i = 0; i < want.length; i++) {
            maxErr = Math.max(maxErr, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
        }
        assertTrue(maxErr < 1e-4, key + ": max relative error " + maxErr);
    }

    @Test
    void configIsInferredFromShapes() {
        ClipConfig c = ClipConfig.fromWeights(weights);
        assertEquals(new ClipConfig(64, 3, 1, 1000, 77, 128, ClipConfig.Activation.QUICK_GELU, 1e-5f), c);
        assertEquals(768, ClipConfig.vitL14().width());
        long params = ClipTextModel.parameterShapes(ClipConfig.vitL14()).values().stream()
                .mapToLong(s -> java.util.Arrays.stream(s).reduce(1, Math::multiplyExact)).sum();
        assertEquals(123_060_480L, params); // SD 1.x CLIP ViT-L/14 text encoder, without position_ids
    }

    @Test
    void lastLayerAndPooledMatchTorch() {
        try (NDManager m = NDManager.newBaseManager()) {
            ClipOutput out = model.encode(m, new int[][] {ids("ids.a"), ids("ids.b")}, -1, true);
            assertClose("plain.hidden", out.hidden());
            assertClose("plain.pooled", out.pooled());
        }
    }

    /**
     * Encoding leaves no array behind in the model's own manager (a soak finding: the position-embedding slice was
     * made there and never closed, 2 arrays per prompt run); counted over every manager DJL holds.
     */
    @Test
    void encodingLeavesNothingBehind() {
        try (NDManager m = NDManager.newBaseManager()) {
            model.encode(m, new int[][] {ids("ids.a")}, -1, true); // warm-up
        }
        long before = liveArrays();
        for (int i = 0; i < 5; i++) {
            try (NDManager m = NDManager.newBaseManager()) {
                model.encode(m, new int[][] {ids("ids.a"), ids("ids.b")}, i % 2 == 0 ? -1 : -2, true);
            }
        }
        assertEquals(before, liveArrays(), "arrays left alive by 5 encodes");
    }

    private static long liveArrays() {
        try (NDManager probe = NDManager.newBaseManager()) {
            return ((BaseNDManager) probe.getParentManager()).getManagedArrays().stream()
                    .filter(a -> !a.isReleased()).count();
        }
    }

    @Test
    void clipSkipTwoMatchesTorch() {
        try (NDManager m = NDManager.newBaseManager()) {
            ClipOutput out = model.encode(m, new int[][] {ids("ids.a"), ids("ids.b")}, -2, true);
            assertClose("skip2.hidden", out.hidden());
            assertClose("skip2.pooled", out.pooled());
            assertClose("skip2_nonorm.hidden", model.encode(m, new int[][] {ids("ids.a")}, -2, false).hidden());
            assertThrows(IllegalArgumentException.class, () -> model.encode(m, new int[][] {ids("ids.a")}, -4, true));
            assertThrows(IllegalArgumentException.class, () -> model.encode(m, new int[][] {ids("ids.a")}, 0, true));
        }
    }

    @Test
    void embeddingVectorsAreInjectedAtTheirSlots() {
        float[] v = expected.loadFloats("embedding.vectors");
        float[] v0 = java.util.Arrays.copyOfRange(v, 0, 64);
        float[] v1 = java.util.Arrays.copyOfRange(v, 64, 128);
        float[] ones = new float[77];
        java.util.Arrays.fill(ones, 1f);
        var chunk = new PromptTokens.Chunk(ids("ids.c"), ones,
                List.of(new PromptTokens.EmbeddingSlot(2, "emb", v0), new PromptTokens.EmbeddingSlot(3, "emb", v1)));
        try (NDManager m = NDManager.newBaseManager()) {
            ClipOutput out = model.encodeChunks(m, List.of(chunk), -1, true);
            assertClose("embedding.hidden", out.hidden());
            assertClose("embedding.pooled", out.pooled());
            var wide = new PromptTokens.Chunk(ids("ids.c"), ones,
                    List.of(new PromptTokens.EmbeddingSlot(2, "bad_sd2_emb", new float[1024])));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.encodeChunks(m, List.of(wide), -1, true));
            assertTrue(e.getMessage().contains("'bad_sd2_emb'") && e.getMessage().contains("1024")
                    && e.getMessage().contains("64"), e.getMessage());
        }
    }

    @Test
    void weightedPromptMatchesComfyUiFormula() {
        float[] w = expected.loadFloats("weighted.weights");
        var a = new PromptTokens.Chunk(ids("ids.a"), java.util.Arrays.copyOfRange(w, 0, 77), List.of());
        var b = new PromptTokens.Chunk(ids("ids.b"), java.util.Arrays.copyOfRange(w, 77, 154), List.of());
        int[] emptyIds = new int[77];
        java.util.Arrays.fill(emptyIds, 999);
        emptyIds[0] = 998;
        float[] ones = new float[77];
        java.util.Arrays.fill(ones, 1f);
        var prompt = new PromptTokens(List.of(a, b), new PromptTokens.Chunk(emptyIds, ones, List.of()), List.of());
        try (NDManager m = NDManager.newBaseManager()) {
            ClipOutput out = model.encodeWeighted(m, prompt, -2, true);
            assertClose("weighted.hidden", out.hidden());
            assertClose("weighted.pooled", out.pooled());
        }
    }

    @Test
    void bindingReportsMissingUnexpectedAndMismatchedKeys() {
        Map<String, MapTensorSource.Entry> entries = new LinkedHashMap<>();
        ClipTextModel.parameterShapes(TINY).forEach((k, s) -> entries.put(k,
                new MapTensorSource.Entry(s, new float[(int) java.util.Arrays.stream(s).reduce(1, (x, y) -> x * y)])));
        entries.remove("encoder.layers.1.mlp.fc2.bias");
        entries.put("encoder.layers.0.self_attn.q_proj.weight", new MapTensorSource.Entry(new long[] {64, 32},
                new float[64 * 32]));
        entries.put("text_projection.weight", new MapTensorSource.Entry(new long[] {1}, new float[1]));
        entries.put("embeddings.position_ids", new MapTensorSource.Entry(new long[] {1, 77}, new float[77]));
        MapTensorSource src = new MapTensorSource(entries, "broken.safetensors");
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> ClipTextModel.load(src, TINY, Device.cpu(), DataType.FLOAT32));
        String msg = e.getMessage();
        assertTrue(msg.contains("broken.safetensors"), msg);
        assertTrue(msg.contains("the CLIP text encoder weights do not fit the expected layout (width 64, "), msg);
        assertTrue(msg.contains("1 missing keys: encoder.layers.1.mlp.fc2.bias [64]"), msg);
        assertTrue(msg.contains("encoder.layers.0.self_attn.q_proj.weight: file has [64, 32], expected [64, 64]"),
                msg);
        assertTrue(msg.contains("1 unexpected keys: text_projection.weight [1]"), msg);
        assertTrue(!msg.contains("position_ids"), msg);
        ModelFormatException none = assertThrows(ModelFormatException.class,
                () -> ClipConfig.fromWeights(new MapTensorSource(Map.of(), "vae.safetensors")));
        assertTrue(none.getMessage().contains("vae.safetensors"), none.getMessage());
    }

    @Test
    void realTokenizerAndDemoWeightsRunEndToEnd() {
        ClipTokenizer tok = DemoVocabulary.tokenizer();
        ClipConfig c = new ClipConfig(32, 2, 2, tok.vocabSize(), 77, 64, ClipConfig.Activation.QUICK_GELU, 1e-5f);
        Map<String, MapTensorSource.Entry> entries = new LinkedHashMap<>();
        java.util.Random r = new java.util.Random(7);
        ClipTextModel.parameterShapes(c).forEach((k, s) -> {
            float[] d = new float[(int) java.util.Arrays.stream(s).reduce(1, (x, y) -> x * y)];
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) r.nextGaussian() * 0.1f;
            }
            entries.put(k, new MapTensorSource.Entry(s, d));
        });
        List<String> words = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            words.add("(a photo of a cat:1.2)");
        }
        PromptTokens pt = PromptTokens.tokenize(String.join(" ", words), tok, EmbeddingLookup.NONE);
        try (ClipTextModel demo = ClipTextModel.load(new MapTensorSource(entries, "demo"), c, Device.cpu(),
                        DataType.FLOAT32);
                NDManager m = NDManager.newBaseManager()) {
            ClipOutput out = demo.encodeWeighted(m, pt, -1, true);
            assertArrayEquals(new long[] {1, 77L * pt.chunks().size(), 32}, out.hidden().getShape().getShape());
            assertTrue(pt.chunks().size() >= 4);
            // unweighted positions are bit-identical to a plain encode of the same chunk
            ClipOutput plain = demo.encodeChunks(m, pt.chunks().subList(0, 1), -1, true);
            assertEquals(plain.hidden().get(0, 0).getFloat(0), out.hidden().get(0, 0).getFloat(0));
        }
    }
}
