package dev.noodle.engine.text;

import static dev.noodle.engine.text.OpenClipTextTest.assertClose;
import static dev.noodle.engine.text.OpenClipTextTest.ids;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.io.SafetensorsFile;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** SDXL text conditioning (context, pooled, 2816/2560 vectors) against openclip_text_reference.py. */
class SdxlTextTest {
    static SafetensorsFile file;
    static SafetensorsFile expected;
    static SdxlTextEncoder xl;

    @BeforeAll
    static void load() throws Exception {
        file = SafetensorsFile.open(OpenClipTextTest.resource("tiny_sdxl_clip.safetensors"));
        expected = SafetensorsFile.open(OpenClipTextTest.resource("tiny_xl_expected.safetensors"));
        xl = SdxlTextEncoder.load(file);
    }

    @AfterAll
    static void close() {
        xl.close();
        file.close();
        expected.close();
    }

    static PromptTokens prompt(String a, String b, int pad) {
        float[] w = expected.loadFloats("xl.weights");
        var ca = new PromptTokens.Chunk(ids(expected, a), Arrays.copyOfRange(w, 0, 77), List.of());
        var cb = new PromptTokens.Chunk(ids(expected, b), Arrays.copyOfRange(w, 77, 154), List.of());
        int[] empty = new int[77];
        Arrays.fill(empty, pad);
        empty[0] = 998;
        empty[1] = 999;
        float[] ones = new float[77];
        Arrays.fill(ones, 1f);
        return new PromptTokens(List.of(ca, cb), new PromptTokens.Chunk(empty, ones, List.of()), List.of());
    }

    @Test
    void weightedContextConcatenatesClipLAndBigGPenultimateWithoutNorm() {
        assertEquals(ClipConfig.Activation.GELU, xl.clipG().config().activation());
        assertEquals(ClipConfig.Activation.QUICK_GELU, xl.clipL().config().activation());
        try (NDManager m = NDManager.newBaseManager()) {
            SdxlTextOutput out = xl.encode(m, prompt("ids.al", "ids.bl", 999), prompt("ids.ag", "ids.bg", 0),
                    SdxlTextEncoder.DEFAULT_STOP_AT_LAYER, Emphasis.COMFY);
            assertClose(expected, "xl.context", out.context());
            assertClose(expected, "xl.pooled", out.pooled());
        }
    }

    @Test
    void setLastLayerMinusOneUsesTheLastLayerOfBothStillWithoutNorm() {
        try (NDManager m = NDManager.newBaseManager()) {
            PromptTokens l = new PromptTokens(List.of(prompt("ids.al", "ids.bl", 999).chunks().get(0)).stream()
                    .map(c -> new PromptTokens.Chunk(c.ids(), ones(), List.of())).toList(),
                    prompt("ids.al", "ids.bl", 999).empty(), List.of());
            PromptTokens g = new PromptTokens(List.of(new PromptTokens.Chunk(ids(expected, "ids.ag"), ones(),
                    List.of())), prompt("ids.ag", "ids.bg", 0).empty(), List.of());
            SdxlTextOutput out = xl.encode(m, l, g, -1, Emphasis.COMFY);
            assertClose(expected, "xl.last.context", out.context());
        }
    }

    @Test
    void a1111EmphasisOnBothEncoders() {
        try (NDManager m = NDManager.newBaseManager()) {
            SdxlTextOutput out = xl.encode(m, prompt("ids.al", "ids.bl", 999), prompt("ids.ag", "ids.bg", 0),
                    -2, Emphasis.A1111);
            assertClose(expected, "xl.a1111.context", out.context());
            assertClose(expected, "xl.pooled", out.pooled());
        }
    }

    @Test
    void sizeAndRefinerVectorsMatchTorch() {
        float[] pooled = expected.loadFloats("xl.pooled");
        var cond = new SdxlConditioning(1024, 768, 16, 32, 896, 1152);
        float[] y = cond.vector(pooled);
        assertEquals(128 + 6 * 256, y.length);
        assertClose(expected, "xl.adm", new long[] {1, y.length}, y);
        float[] r = SdxlConditioning.refinerVector(pooled, 832, 1216, 0, 8, 2.5);
        assertClose(expected, "xl.refiner_adm", new long[] {1, r.length}, r);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray batch = m.create(pooled, new Shape(1, pooled.length)).repeat(0, 2);
            NDArray yb = cond.vector(m, batch);
            assertArrayEquals(new long[] {2, 128 + 1536}, yb.getShape().getShape());
            assertArrayEquals(y, yb.get(1).toFloatArray());
            assertArrayEquals(r, SdxlConditioning.refinerVector(m, batch, 832, 1216, 0, 8, 2.5).get(0)
                    .toFloatArray());
        }
        // plain CLIPTextEncode: original = target = image size, no crop; cos first: e(0) = [1…1, 0…0]
        float[] zero = SdxlConditioning.embed(0);
        assertEquals(1f, zero[0]);
        assertEquals(1f, zero[127]);
        assertEquals(0f, zero[128]);
        assertEquals(new SdxlConditioning(1024, 1024, 0, 0, 1024, 1024), SdxlConditioning.forImage(1024, 1024));
        assertEquals(2816, 1280 + SdxlConditioning.BASE_NUMBERS * SdxlConditioning.EMBEDDING_WIDTH);
    }

    static float[] ones() {
        float[] o = new float[77];
        Arrays.fill(o, 1f);
        return o;
    }
}
