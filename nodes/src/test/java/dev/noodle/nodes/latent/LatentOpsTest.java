package dev.noodle.nodes.latent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.LatentValue;
import dev.noodle.nodes.values.MaskValue;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The latent operations against values computed by hand, and against an independent torch re-statement of ComfyUI's
 * node code ({@code src/test/python/latent_ops_reference.py}, which writes {@code latent_ops.json}): every operation,
 * resized and repeated second inputs, feathered composites at the borders and wider than the pasted block, masked
 * composites partly outside the destination.
 */
class LatentOpsTest {
    static final Path JSON = Path.of("src/test/resources/dev/noodle/nodes/latent_ops.json");

    static HeapTensor t(long[] shape, float... v) {
        return new HeapTensor(shape, v);
    }

    static LatentValue lat(long b, long c, long h, long w, float... v) {
        return LatentValue.of(t(new long[] {b, c, h, w}, v));
    }

    static float[] seq(int n, float start) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = start + i;
        }
        return v;
    }

    @Test
    void operationsMatchTheTorchReference() throws Exception {
        JsonNode f = new ObjectMapper().readTree(JSON.toFile());
        Map<String, LatentValue> latents = new HashMap<>();
        f.get("latents").properties().forEach(e -> latents.put(e.getKey(),
                LatentValue.of(tensor(e.getValue()))));
        Map<String, MaskValue> masks = new HashMap<>();
        f.get("masks").properties().forEach(e -> masks.put(e.getKey(), new MaskValue(tensor(e.getValue()))));
        List<String> bad = new ArrayList<>();
        Map<String, Integer> counts = new HashMap<>();
        for (JsonNode c : f.get("cases")) {
            String node = c.get("node").asText();
            LatentValue a = latents.get(c.get("a").asText());
            LatentValue b = c.has("b") ? latents.get(c.get("b").asText()) : null;
            double value = c.has("value") ? c.get("value").asDouble() : 0;
            LatentValue got = switch (node) {
                case "add" -> LatentOps.add(a, b);
                case "subtract" -> LatentOps.subtract(a, b);
                case "multiply" -> LatentOps.multiply(a, value);
                case "blend" -> LatentOps.blend(a, b, value);
                case "interpolate" -> LatentOps.interpolate(a, b, value);
                case "composite" -> LatentOps.composite(a, b, c.get("x").asLong(), c.get("y").asLong(),
                        c.get("feather").asLong());
                case "composite_masked" -> LatentOps.compositeMasked(a, b, c.get("x").asLong(), c.get("y").asLong(),
                        c.get("resize").asBoolean(), c.get("mask").isNull() ? null : masks.get(c.get("mask").asText()));
                case "batch" -> LatentOps.batch(a, b);
                case "crop" -> LatentOps.crop(a, c.get("width").asLong(), c.get("height").asLong(),
                        c.get("x").asLong(), c.get("y").asLong());
                case "flip" -> LatentOps.flip(a, c.get("vertically").asBoolean());
                case "rotate" -> LatentOps.rotate(a, c.get("k").asInt());
                default -> throw new AssertionError("unknown case " + node);
            };
            counts.merge(node, 1, Integer::sum);
            String what = c.toString().replaceAll("\"expected\":\\[[^]]*]", "");
            long[] shape = longs(c.get("shape"));
            if (!java.util.Arrays.equals(shape, got.samples().shape())) {
                bad.add(what + ": shape " + java.util.Arrays.toString(got.samples().shape()));
                continue;
            }
            float[] expected = floats(c.get("expected"));
            float[] actual = got.samples().data();
            double max = 0;
            for (int i = 0; i < actual.length; i++) {
                max = Math.max(max, Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i])));
            }
            if (!(max <= 2e-6)) {
                bad.add(what + ": max difference " + max);
            }
        }
        assertEquals(List.of(), bad);
        for (String n : List.of("add", "subtract", "multiply", "blend", "interpolate", "composite",
                "composite_masked", "batch", "crop", "flip", "rotate")) {
            assertTrue(counts.getOrDefault(n, 0) >= 3, n + " cases: " + counts);
        }
    }

    static HeapTensor tensor(JsonNode n) {
        return new HeapTensor(longs(n.get("shape")), floats(n.get("data")));
    }

    static long[] longs(JsonNode a) {
        long[] v = new long[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).asLong();
        }
        return v;
    }

    static float[] floats(JsonNode a) {
        float[] v = new float[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) a.get(i).asDouble();
        }
        return v;
    }

    @Test
    void compositeFeathersByHand() {
        // a 1×1×4×4 zero canvas, a 1×1×2×2 block of ones at cell (1, 1), feather 2 cells (16 pixels): no side of the
        // block touches the border, so in each direction the cell next to an edge is weighted 1/2 by that edge and 1
        // by the opposite one (t = 1 reaches across the 2-cell block): every cell 1/2 · 1/2
        LatentValue to = lat(1, 1, 4, 4, new float[16]);
        LatentValue from = lat(1, 1, 2, 2, 1, 1, 1, 1);
        LatentValue out = LatentOps.composite(to, from, 8, 8, 16);
        float[] want = {
            0, 0, 0, 0,
            0, 0.25f, 0.25f, 0,
            0, 0.25f, 0.25f, 0,
            0, 0, 0, 0};
        assertArrayEquals(want, out.samples().data(), 1e-7f);
        // at the top-left border only the bottom and right edges fade
        float[] c = LatentOps.composite(to, from, 0, 0, 16).samples().data();
        assertArrayEquals(new float[] {1, 0.5f, 0, 0, 0.5f, 0.25f, 0, 0}, java.util.Arrays.copyOf(c, 8), 1e-7f);
        // feather 1 cell: the one row/column at an inner edge is weighted 1/1 = 1, i.e. no fade
        assertEquals(1f, LatentOps.composite(to, from, 8, 8, 8).samples().data()[5]);
        // plain paste, cut at the edge
        LatentValue cut = LatentOps.composite(to, lat(1, 1, 2, 2, 1, 2, 3, 4), 24, 24, 0);
        assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, cut.samples().data());
        // the canvas keeps its noise mask and batch index
        HeapTensor mask = t(new long[] {1, 1, 4, 4}, new float[16]);
        LatentValue marked = new LatentValue(to.samples(), mask, new int[] {5});
        LatentValue kept = LatentOps.composite(marked, from, 0, 0, 0);
        assertSame(mask, kept.noiseMask());
        assertArrayEquals(new int[] {5}, kept.batchIndex());
    }

    @Test
    void compositeMaskedByHand() {
        LatentValue dst = lat(1, 1, 2, 3, new float[6]);
        LatentValue src = lat(1, 1, 2, 2, 4, 4, 4, 4);
        // a 2×2 mask [[1, 0], [0.5, 0]] at cell (1, 0) of a 2×3 destination
        MaskValue mask = new MaskValue(t(new long[] {1, 2, 2}, 1, 0, 0.5f, 0));
        float[] out = LatentOps.compositeMasked(dst, src, 8, 0, false, mask).samples().data();
        assertArrayEquals(new float[] {0, 4, 0, 0, 2, 0}, out);
        // without a mask, with the source stretched to the destination
        float[] all = LatentOps.compositeMasked(dst, src, 0, 0, true, null).samples().data();
        assertArrayEquals(new float[] {4, 4, 4, 4, 4, 4}, all);
    }

    @Test
    void arithmeticByHand() {
        LatentValue a = lat(1, 2, 1, 2, 1, 2, 3, 4);
        LatentValue b = lat(1, 2, 1, 2, 10, 20, 30, 40);
        assertArrayEquals(new float[] {11, 22, 33, 44}, LatentOps.add(a, b).samples().data());
        assertArrayEquals(new float[] {-9, -18, -27, -36}, LatentOps.subtract(a, b).samples().data());
        assertArrayEquals(new float[] {-2, -4, -6, -8}, LatentOps.multiply(a, -2).samples().data());
        // blend_factor weighs samples1: 0.25·a + 0.75·b
        assertArrayEquals(new float[] {7.75f, 15.5f, 23.25f, 31f}, LatentOps.blend(a, b, 0.25).samples().data(),
                1e-5f);
        // a single second latent is repeated over the batch of the first
        LatentValue a2 = lat(2, 2, 1, 2, 1, 2, 3, 4, 5, 6, 7, 8);
        assertArrayEquals(new float[] {11, 22, 33, 44, 15, 26, 37, 48}, LatentOps.add(a2, b).samples().data());
        // interpolate: pixel 0 vectors (1, 3) and (10, 30) point the same way: the lengths mix linearly
        float[] half = LatentOps.interpolate(a, b, 0.5).samples().data();
        assertEquals(0.5 * (1 + 10), half[0], 1e-5);
        assertEquals(0.5 * (3 + 30), half[2], 1e-5);
        // orthogonal unit vectors at ratio 0.5: the direction is the diagonal, the length stays 1
        float[] orth = LatentOps.interpolate(lat(1, 2, 1, 1, 1, 0), lat(1, 2, 1, 1, 0, 1), 0.5).samples().data();
        assertEquals(Math.sqrt(0.5), orth[0], 1e-6);
        assertEquals(Math.sqrt(0.5), orth[1], 1e-6);
        // a zero vector has no direction: it counts as 0, not NaN
        float[] zero = LatentOps.interpolate(lat(1, 2, 1, 1, 0, 0), lat(1, 2, 1, 1, 0, 0), 0.3).samples().data();
        assertArrayEquals(new float[] {0, 0}, zero);
    }

    @Test
    void transformsByHand() {
        LatentValue l = lat(1, 1, 2, 3, 1, 2, 3, 4, 5, 6);
        assertArrayEquals(new float[] {4, 5, 6, 1, 2, 3}, LatentOps.flip(l, true).samples().data());
        assertArrayEquals(new float[] {3, 2, 1, 6, 5, 4}, LatentOps.flip(l, false).samples().data());
        LatentValue cw = LatentOps.rotate(l, 1); // clockwise: [[4, 1], [5, 2], [6, 3]]
        assertArrayEquals(new long[] {1, 1, 3, 2}, cw.samples().shape());
        assertArrayEquals(new float[] {4, 1, 5, 2, 6, 3}, cw.samples().data());
        assertArrayEquals(new float[] {6, 5, 4, 3, 2, 1}, LatentOps.rotate(l, 2).samples().data());
        assertArrayEquals(new float[] {3, 6, 2, 5, 1, 4}, LatentOps.rotate(l, 3).samples().data());
        assertSame(l, LatentOps.rotate(l, 0));
        // crop: 64 pixels at x = 8 of a 10-cell-wide latent, y moved back so 8 rows remain
        LatentValue big = lat(1, 1, 9, 10, seq(90, 0));
        LatentValue c = LatentOps.crop(big, 64, 64, 8, 40);
        assertArrayEquals(new long[] {1, 1, 8, 8}, c.samples().shape());
        assertEquals(11f, c.samples().data()[0]); // row 1, column 1
    }

    @Test
    void fromBatchKeepsNoiseRowsAndMasksAsComfyUi() {
        LatentValue l = lat(4, 1, 1, 1, 10, 11, 12, 13);
        LatentOps.FromBatch r = LatentOps.fromBatch(l, 1, 2);
        assertArrayEquals(new float[] {11, 12}, r.latent().samples().data());
        assertArrayEquals(new int[] {1, 2}, r.latent().batchIndex());
        assertFalse(r.clamped());
        // an index past the end takes the last latent; a length past the end what is left
        LatentOps.FromBatch past = LatentOps.fromBatch(l, 9, 3);
        assertArrayEquals(new float[] {13}, past.latent().samples().data());
        assertArrayEquals(new int[] {3}, past.latent().batchIndex());
        assertTrue(past.clamped());
        // an existing batch index is sliced
        LatentValue indexed = new LatentValue(l.samples(), null, new int[] {7, 3, 5, 9});
        assertArrayEquals(new int[] {3, 5, 9}, LatentOps.fromBatch(indexed, 1, 3).latent().batchIndex());
        // masks: one for all is kept; two for four are repeated (m0 m1 m0 m1) and sliced
        HeapTensor one = t(new long[] {1, 1, 1, 1}, 0.5f);
        assertSame(one, LatentOps.fromBatch(new LatentValue(l.samples(), one, null), 2, 1).latent().noiseMask());
        HeapTensor two = t(new long[] {2, 1, 1, 1}, 0.1f, 0.9f);
        HeapTensor sliced = LatentOps.fromBatch(new LatentValue(l.samples(), two, null), 2, 2).latent().noiseMask();
        assertArrayEquals(new float[] {0.1f, 0.9f}, sliced.data());
        // LatentBatch joins the batch indices (0..B-1 for a latent without one)
        LatentValue joined = LatentOps.batch(indexed, l);
        assertArrayEquals(new int[] {7, 3, 5, 9, 0, 1, 2, 3}, joined.batchIndex());
        assertEquals(8, joined.batch());
        assertNull(LatentOps.multiply(LatentOps.blend(lat(1, 1, 1, 1, 1), l, 0.5), 1).batchIndex());
    }

    @Test
    void seedBehaviorFixesOrFreesTheNoiseRows() {
        LatentValue l = lat(3, 1, 1, 1, 1, 2, 3);
        assertArrayEquals(new int[] {0, 0, 0}, LatentOps.seedBehavior(l, true).batchIndex());
        LatentValue sliced = LatentOps.fromBatch(l, 2, 1).latent();
        LatentValue joined = LatentOps.batch(sliced, l);
        assertArrayEquals(new int[] {2, 0, 1, 2}, joined.batchIndex());
        assertArrayEquals(new int[] {2, 2, 2, 2}, LatentOps.seedBehavior(joined, true).batchIndex());
        assertNull(LatentOps.seedBehavior(joined, false).batchIndex());
        assertSame(joined.samples(), LatentOps.seedBehavior(joined, false).samples());
    }

    @Test
    void badInputsAreRefusedNamingTheNodeAndInput() {
        LatentValue four = lat(1, 4, 2, 2, new float[16]);
        LatentValue sixteen = lat(1, 16, 2, 2, new float[64]);
        for (Runnable r : List.<Runnable>of(() -> LatentOps.add(four, sixteen),
                () -> LatentOps.subtract(four, sixteen), () -> LatentOps.blend(four, sixteen, 0.5),
                () -> LatentOps.interpolate(four, sixteen, 0.5), () -> LatentOps.batch(four, sixteen),
                () -> LatentOps.composite(four, sixteen, 0, 0, 0),
                () -> LatentOps.compositeMasked(four, sixteen, 0, 0, false, null))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
            assertTrue(e.getMessage().contains("channels"), e.getMessage());
        }
        IllegalArgumentException outside = assertThrows(IllegalArgumentException.class,
                () -> LatentOps.composite(four, four, 64, 0, 0));
        assertTrue(outside.getMessage().contains("Latent Composite") && outside.getMessage().contains("x="),
                outside.getMessage());
        LatentValue three = lat(3, 4, 2, 2, new float[48]);
        LatentValue two = lat(2, 4, 2, 2, new float[32]);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LatentOps.blend(three, two, 0.5))
                .getMessage().contains("batch"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LatentOps.composite(two, three, 0, 0, 0))
                .getMessage().contains("samples_from has 3"));
        assertThrows(IllegalArgumentException.class, () -> LatentOps.requireLatent("LatentAdd", "samples1",
                LatentValue.of(t(new long[] {1, 4, 0, 2}))));
        assertThrows(IllegalArgumentException.class, () -> LatentOps.requireLatent("LatentAdd", "samples1",
                LatentValue.of(t(new long[] {4, 2}, new float[8]))));
        // a position exactly at the edge pastes nothing, as ComfyUI's empty slice does
        assertArrayEquals(new float[16], LatentOps.composite(four, lat(1, 4, 2, 2, seq(16, 1)), 16, 0, 0)
                .samples().data());
    }
}
