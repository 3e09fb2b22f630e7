package dev.noodle.engine.adapters;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/**
 * Checks {@link LoraExtraction} against numpy's LAPACK SVD (nodes/src/test/python/lora_extract_reference.py):
 * singular values, the truncation error of up·down at every rank, exact reconstruction at rank ≥ the rank of the
 * difference, and ComfyUI's clamped factors entry by entry.
 */
class LoraExtractionTest {
    private static final JsonNode REF = load();

    private static JsonNode load() {
        try (InputStream in = LoraExtractionTest.class.getResourceAsStream("lora_extract.json")) {
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void singularValuesAndTruncationErrorsMatchNumpy() {
        int checked = 0;
        for (JsonNode c : REF.get("cases")) {
            float[] diff = floats(c.get("diff"));
            long[] shape = longs(c.get("shape"));
            double norm = c.get("norm").asDouble();
            for (JsonNode r : c.get("ranks")) {
                if (!r.get("clamp").isNull()) {
                    continue;
                }
                String what = c.get("name").asText() + " rank " + r.get("rank").asInt();
                LoraExtraction.Pair p = LoraExtraction.extract(diff, shape, r.get("rank").asInt(), Double.NaN);
                assertEquals(r.get("effective_rank").asInt(), p.rank(), what);
                double[] sigma = doubles(r.get("sigma"));
                for (int j = 0; j < sigma.length; j++) {
                    assertEquals(sigma[j], p.singularValues()[j], 1e-6 * sigma[0], what + " sigma " + j);
                }
                double expected = r.get("error").asDouble();
                double error = reconstructionError(diff, p);
                // at rank ≥ the difference's rank numpy's error is float32 noise (~1e-8): reproduced to 1e-5 relative
                assertEquals(expected, error, 1e-5 * norm, what + ": Frobenius error of up·down");
                assertEquals(shape.length, p.upShape().length, what);
                checked++;
            }
        }
        assertEquals(13, checked);
    }

    @Test
    void clampedFactorsMatchComfyUisQuantileClamp() {
        for (JsonNode c : REF.get("cases")) {
            for (JsonNode r : c.get("ranks")) {
                if (r.get("clamp").isNull()) {
                    continue;
                }
                LoraExtraction.Pair p = LoraExtraction.extract(floats(c.get("diff")), longs(c.get("shape")),
                        r.get("rank").asInt(), r.get("clamp").asDouble());
                assertArrayEquals(floats(r.get("up")), p.up(), 1e-5f);
                assertArrayEquals(floats(r.get("down")), p.down(), 1e-5f);
                assertArrayEquals(new long[] {16, 3, 1, 1}, p.upShape());
                assertArrayEquals(new long[] {3, 8, 3, 3}, p.downShape());
                assertEquals(r.get("error").asDouble(), reconstructionError(floats(c.get("diff")), p), 1e-5);
            }
        }
    }

    @Test
    void rejectsOtherShapesAndRanks() {
        assertThrows(IllegalArgumentException.class,
                () -> LoraExtraction.extract(new float[4], new long[] {4}, 1, Double.NaN));
        assertThrows(IllegalArgumentException.class,
                () -> LoraExtraction.extract(new float[4], new long[] {2, 2}, 0, Double.NaN));
    }

    @Test
    void zeroDifferenceGivesZeroFactors() {
        LoraExtraction.Pair p = LoraExtraction.extract(new float[12], new long[] {3, 4}, 2, Double.NaN);
        assertEquals(0, reconstructionError(new float[12], p));
        assertArrayEquals(new float[6], p.up(), 0f);
    }

    /** ‖up·down − ΔW‖_F, up [O, r], down [r, C]. */
    static double reconstructionError(float[] diff, LoraExtraction.Pair p) {
        int o = (int) p.upShape()[0];
        int r = p.rank();
        int cols = diff.length / o;
        double sum = 0;
        for (int i = 0; i < o; i++) {
            for (int c = 0; c < cols; c++) {
                double v = 0;
                for (int j = 0; j < r; j++) {
                    v += (double) p.up()[i * r + j] * p.down()[j * cols + c];
                }
                double d = v - diff[i * cols + c];
                sum += d * d;
            }
        }
        return Math.sqrt(sum);
    }

    private static float[] floats(JsonNode a) {
        float[] f = new float[a.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) a.get(i).asDouble();
        }
        return f;
    }

    private static double[] doubles(JsonNode a) {
        double[] f = new double[a.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = a.get(i).asDouble();
        }
        return f;
    }

    private static long[] longs(JsonNode a) {
        long[] f = new long[a.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = a.get(i).asLong();
        }
        return f;
    }
}
