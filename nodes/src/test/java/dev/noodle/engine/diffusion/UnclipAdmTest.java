package dev.noodle.engine.diffusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noodle.engine.sampling.TorchRng;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The unCLIP / revision y vector against nodes/src/test/python/unclip_reference.py (torch, written from the published
 * schedule and ComfyUI's described behaviour): the augmentation schedule, one and several embeddings, a batch, full
 * noise, negative strength and SDXL's pooled slice.
 */
class UnclipAdmTest {
    private static JsonNode fixture() throws Exception {
        try (InputStream in = UnclipAdmTest.class.getResourceAsStream("unclip.json")) {
            return new ObjectMapper().readTree(in);
        }
    }

    @Test
    void scheduleMatchesTheSquaredCosineReference() throws Exception {
        JsonNode f = fixture();
        float[][] s = UnclipAdm.schedule();
        for (int i = 0; i < f.get("levels").size(); i++) {
            int level = f.get("levels").get(i).asInt();
            assertEquals(f.get("sqrt_alphas_cumprod").get(i).asDouble(), s[0][level], 1e-7, "sqrt ab " + level);
            assertEquals(f.get("sqrt_one_minus_alphas_cumprod").get(i).asDouble(), s[1][level], 1e-7,
                    "sqrt 1-ab " + level);
        }
    }

    @Test
    void vectorsMatchTheTorchReference() throws Exception {
        JsonNode f = fixture();
        int stride = f.get("stride").asInt();
        for (JsonNode c : f.get("cases")) {
            String name = c.get("name").asText();
            int dim = c.get("dim").asInt();
            try (NDManager m = NDManager.newBaseManager()) {
                List<UnclipAdm.Image> images = new ArrayList<>();
                for (JsonNode e : c.get("entries")) {
                    NDArray embeds = TorchRng.randn(e.get("embed_seed").asLong(),
                            new Shape(e.get("batch").asInt(), dim), m);
                    images.add(new UnclipAdm.Image(embeds, (float) e.get("strength").asDouble(),
                            UnclipAdm.noiseLevel(e.get("noise_augmentation").asDouble())));
                }
                long seed = c.get("seed").asLong();
                NDArray v = c.get("pooled").asBoolean()
                        ? UnclipAdm.revisionPooled(images, dim, seed, m)
                        : UnclipAdm.sd21(images, 2 * dim, seed, m);
                float[] got = v.toFloatArray();
                assertEquals(c.get("width").asInt(), got.length, name + " width");
                JsonNode sampled = c.get("sampled");
                for (int i = 0; i < sampled.size(); i++) {
                    double want = sampled.get(i).asDouble();
                    // float32 sinusoid arguments reach ~1000 rad at high levels: one ulp of a frequency moves
                    // sin by ~3e-5, times the strength
                    assertEquals(want, got[i * stride], 1.2e-4, name + "[" + i * stride + "]");
                }
                double sum = 0;
                double sq = 0;
                for (float x : got) {
                    sum += x;
                    sq += (double) x * x;
                }
                assertEquals(c.get("sum").asDouble(), sum, 2e-3, name + " sum");
                assertEquals(c.get("norm").asDouble(), Math.sqrt(sq), 1e-3, name + " norm");
            }
        }
    }

    @Test
    void aPromptWithoutImagesGivesZerosAndAWrongWidthIsNamed() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray y = UnclipAdm.sd21(List.of(), 2048, 1, m);
            assertEquals(new Shape(1, 2048), y.getShape());
            assertEquals(0f, y.abs().sum().getFloat());
            NDArray l = m.ones(new Shape(1, 768));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> UnclipAdm.sd21(List.of(new UnclipAdm.Image(l, 1f, 0)), 2048, 1, m));
            assertTrue(e.getMessage().contains("768") && e.getMessage().contains("1024"), e.getMessage());
        }
    }

    @Test
    void noiseLevelRoundsAsPython() {
        assertEquals(300, UnclipAdm.noiseLevel(0.30000000000000016));
        assertEquals(500, UnclipAdm.noiseLevel(0.5)); // 499.5 → even
        assertEquals(50, UnclipAdm.noiseLevel(0.05)); // 49.95
        assertEquals(999, UnclipAdm.noiseLevel(1.0));
        assertThrows(IllegalArgumentException.class, () -> UnclipAdm.noiseLevel(1.5));
    }
}
