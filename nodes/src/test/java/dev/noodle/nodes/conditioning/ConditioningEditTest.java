package dev.noodle.nodes.conditioning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noodle.engine.diffusion.LatentArea;
import dev.noodle.nodes.values.ConditioningValue;
import dev.noodle.nodes.values.HeapTensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * ConditioningAverage, ConditioningConcat and ConditioningZeroOut against conditioning_edit.json
 * (nodes/src/test/python/guidance_reference.py), and what the placement editors record on an entry.
 */
class ConditioningEditTest {
    static final JsonNode FIX = load();

    private static JsonNode load() {
        try (InputStream in = ConditioningEditTest.class.getResourceAsStream("/dev/noodle/nodes/conditioning_edit.json")) {
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static float[] floats(String key) {
        JsonNode a = FIX.get(key);
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) a.get(i).asDouble();
        }
        return out;
    }

    private static ConditioningValue.Entry entry(String key, String pooled, int tokens) {
        return new ConditioningValue.Entry(new HeapTensor(new long[] {1, tokens, 4}, floats(key)),
                pooled == null ? null : new HeapTensor(new long[] {1, 5}, floats(pooled)), 1f, null, Map.of());
    }

    private static void close(String key, HeapTensor got) {
        float[] want = floats(key);
        assertEquals(want.length, got.data().length, key);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got.data()[i], 1e-6, key + " at " + i);
        }
    }

    @Test
    void averageConcatAndZeroOutMatchTheReference() {
        ConditioningValue.Entry to = entry("to", "to_pooled", 3);
        ConditioningValue.Entry bare = entry("to_bare", null, 3);
        ConditioningValue.Entry shortFrom = entry("short", "short_pooled", 2);
        ConditioningValue.Entry longFrom = entry("long", "long_pooled", 5);
        for (var c : Map.of("short", shortFrom, "long", longFrom).entrySet()) {
            ConditioningValue.Entry avg = ConditioningEditNodes.ConditioningAverage.average(to, c.getValue(), 0.3f);
            close("avg_" + c.getKey(), avg.context());
            assertArrayEquals(new long[] {1, 3, 4}, avg.context().shape(), "keeps conditioning_to's length");
            close("avg_" + c.getKey() + "_pooled", avg.pooled());
            ConditioningValue.Entry cat = ConditioningEditNodes.ConditioningConcat.concat(to, c.getValue().context());
            close("concat_" + c.getKey(), cat.context());
            assertSame(to.pooled(), cat.pooled(), "concat keeps conditioning_to's pooled output");
        }
        ConditioningValue.Entry avgBare = ConditioningEditNodes.ConditioningAverage.average(bare, shortFrom, 0.3f);
        close("avg_bare", avgBare.context());
        close("avg_bare_pooled", avgBare.pooled());
        ConditioningValue.Entry zero = ConditioningEditNodes.ConditioningZeroOut.zeroOut(
                to.withArea(new LatentArea(1, 1, 2, 2), 0.5f));
        assertArrayEquals(new float[12], zero.context().data());
        assertArrayEquals(new float[5], zero.pooled().data());
        assertEquals(new LatentArea(1, 1, 2, 2), zero.area(), "zero out keeps the area");
        assertNull(ConditioningEditNodes.ConditioningZeroOut.zeroOut(bare).pooled());
        ConditioningValue.Entry wide = new ConditioningValue.Entry(new HeapTensor(new long[] {1, 1, 3},
                new float[3]), null, 1f, null, Map.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConditioningEditNodes.ConditioningConcat.concat(to, wide.context()));
        assertTrue(e.getMessage().contains("same CLIP"), e.getMessage());
    }

    @Test
    void placementEditorsRecordComfyUisKeys() {
        ConditioningValue.Entry e = entry("to", "to_pooled", 3);
        HeapTensor mask = new HeapTensor(new long[] {1, 2, 2}, new float[] {1, 0, 0, 1});
        ConditioningValue.Entry masked = e.withMask(mask, 0.5f, true);
        assertEquals(0.5f, masked.placement().maskStrength());
        assertTrue(masked.placement().maskBounds());
        // ConditioningSetArea (and the percentage form) turn "mask bounds" off, as ComfyUI's set_area_to_bounds
        ConditioningValue.Entry area = masked.withArea(new LatentArea(0, 0, 1, 1), 2f);
        assertTrue(!area.placement().maskBounds() && area.placement().mask() == mask && area.strength() == 2f);
        ConditioningValue.Entry pct = area.withAreaFractions(new ConditioningValue.AreaFractions(0, 0, 0.5, 0.5), 1f);
        assertNull(pct.area(), "a fractional area replaces the cell area");
        ConditioningValue.Entry back = pct.withArea(new LatentArea(0, 0, 1, 1), 1f);
        assertNull(back.placement().fractions(), "and the other way round");
        ConditioningValue.Entry timed = back.withTimestepRange(0.2, 0.7).withStrength(3f);
        assertEquals(0.2, timed.placement().start());
        assertEquals(0.7, timed.placement().end());
        assertEquals(3f, timed.strength());
        assertSame(mask, timed.placement().mask(), "later edits keep the mask");
        assertEquals(timed.placement(), timed.withExtras(Map.of()).placement(), "extras edits keep the placement");
    }
}
