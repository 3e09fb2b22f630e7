package dev.noodle.engine.diffusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noodle.engine.sampling.ModelSampling;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Area, mask, mask-bounds and σ-range conditioning as ComfyUI's calc_cond_batch mixes it, on a toy network, against
 * cond_mix.json (nodes/src/test/python/guidance_reference.py); fractional-area rounding and percent → σ.
 */
class CondMixTest {
    static final JsonNode FIX = load();

    private static JsonNode load() {
        try (InputStream in = CondMixTest.class.getResourceAsStream("cond_mix.json")) {
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static float[] floats(JsonNode a) {
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) a.get(i).asDouble();
        }
        return out;
    }

    private static long[] longs(JsonNode a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asLong();
        }
        return out;
    }

    // the toy network of the reference: out = x·mean(context) + 0.001·t per row
    private static final ConditionedUNet.Network TOY = (x, t, context, y, patches) ->
            x.mul(context.sum().div((float) context.size())).add(t.mul(0.001f).reshape(-1, 1, 1, 1));

    private static void assertClose(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-5 + 1e-5 * Math.abs(want[i]), what + " at " + i);
        }
    }

    @Test
    void areasMasksAndRangesMixAsComfyUi() {
        long[] shape = longs(FIX.get("shape"));
        int b = (int) shape[0];
        int h = (int) shape[2];
        int w = (int) shape[3];
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(floats(FIX.get("x")), new Shape(shape));
            float[] t = floats(FIX.get("t"));
            Shape cs = new Shape(longs(FIX.get("context_shape")));
            JsonNode ctx = FIX.get("contexts");
            float[] md = floats(FIX.get("mask_d"));
            LatentArea bounds = LatentArea.boundsOf(md, b, h, w);
            long[] want = longs(FIX.get("bounds")); // (h, w, y, x)
            assertEquals(new LatentArea((int) want[3], (int) want[2], (int) want[1], (int) want[0]), bounds);
            CondEntry a = new CondEntry(m.create(floats(ctx.get("a")), cs), null, 1f, null);
            CondEntry bb = new CondEntry(m.create(floats(ctx.get("b")), cs), null, 0.7f, new LatentArea(2, 3, 9, 7));
            CondEntry c = new CondEntry(m.create(floats(ctx.get("c")), cs), null, 1.2f, null)
                    .withMask(m.create(floats(FIX.get("mask_c")), new Shape(1, h, w)).mul(0.8f));
            CondEntry d = new CondEntry(m.create(floats(ctx.get("d")), cs), null, 0.9f, bounds)
                    .withMask(m.create(md, new Shape(b, h, w)).mul(1.5f));
            CondEntry e = new CondEntry(m.create(floats(ctx.get("e")), cs), null, 2f, new LatentArea(10, 8, 6, 20))
                    .withSigmaRange(5f, 1f);
            ConditionedUNet net = new ConditionedUNet(TOY, 0, null);
            for (String sigma : List.of("7", "3", "0.5")) {
                NDArray got = net.predict(x, Float.parseFloat(sigma), t, List.of(List.of(a, bb, c, d, e)), m);
                assertClose(floats(FIX.get("mix_sigma_" + sigma)), got.toFloatArray(), "σ " + sigma);
            }
            // opposite areas (create_cond_with_same_area_if_none): the negative gets d's area with m's text, the
            // positive m's area with a's; b's area already has its twin q in the negative
            JsonNode nc = FIX.get("opposite_neg_context");
            CondEntry n = new CondEntry(m.create(floats(nc.get("n")), cs), null, 1f, null);
            CondEntry mm = new CondEntry(m.create(floats(nc.get("m")), cs), null, 0.6f, new LatentArea(1, 2, 12, 10));
            CondEntry q = new CondEntry(m.create(floats(nc.get("q")), cs), null, 1.1f, new LatentArea(2, 3, 9, 7));
            List<List<CondEntry>> opp = OppositeAreas.apply(List.of(List.of(a, bb, c, d), List.of(n, mm, q)));
            assertEquals(5, opp.get(0).size(), "positive + m's area");
            assertEquals(4, opp.get(1).size(), "negative + d's area");
            CondEntry dm = opp.get(1).get(3);
            assertEquals(d.area(), dm.area());
            assertEquals(mm.context(), dm.context(), "d's copy speaks m's text");
            assertEquals(d.mask(), dm.mask(), "and keeps d's mask");
            NDArray both = net.predict(x.concat(x, 0), 3f, new float[] {500, 500, 500, 500}, opp, m);
            float[] ob = both.toFloatArray();
            int hb = ob.length / 2;
            assertClose(floats(FIX.get("opposite_pos")), Arrays.copyOfRange(ob, 0, hb), "opposite positive");
            assertClose(floats(FIX.get("opposite_neg")), Arrays.copyOfRange(ob, hb, ob.length), "opposite negative");
            // a chunk whose every entry is outside its range predicts zeros; the other chunk is unaffected
            NDArray two = net.predict(x.concat(x, 0), 7f, new float[] {500, 500, 500, 500},
                    List.of(List.of(e), List.of(a, bb, c, d, e)), m);
            float[] all = two.toFloatArray();
            int half = all.length / 2;
            assertClose(floats(FIX.get("none_active")), Arrays.copyOfRange(all, 0, half), "none active");
            assertClose(floats(FIX.get("mix_sigma_7")), Arrays.copyOfRange(all, half, all.length), "second chunk");
            // a mask whose batch cannot serve the latent's is refused by name
            CondEntry bad = c.withMask(m.zeros(new Shape(3, h, w)));
            NDArray x4 = x.concat(x, 0);
            IllegalArgumentException err = assertThrows(IllegalArgumentException.class,
                    () -> net.predict(x4.concat(x4, 0), 7f, new float[8], List.of(List.of(bad), List.of(bad)), m));
            assertTrue(err.getMessage().contains("mask of batch 3"), err.getMessage());
        }
    }

    @Test
    void fractionsRoundAsPython() {
        for (JsonNode f : FIX.get("fractions")) {
            JsonNode in = f.get("in");
            LatentArea got = LatentArea.ofFractions(in.get(0).asDouble(), in.get(1).asDouble(), in.get(2).asDouble(),
                    in.get(3).asDouble(), in.get(4).asInt(), in.get(5).asInt());
            long[] a = longs(f.get("area"));
            assertEquals(new LatentArea((int) a[0], (int) a[1], (int) a[2], (int) a[3]), got, in.toString());
        }
        assertEquals(new LatentArea(0, 0, 8, 8), LatentArea.boundsOf(new float[16 * 16], 1, 16, 16), "empty mask");
    }

    @Test
    void percentToSigmaFollowsTheSchedule() {
        ModelSampling ms = ModelSampling.sd15();
        for (JsonNode p : FIX.get("percent_to_sigma")) {
            double want = p.get(1).asDouble();
            assertEquals(want, ms.percentToSigma(p.get(0).asDouble()), 1e-5 * Math.max(1, want), p.toString());
        }
        CondEntry always = new CondEntry(null, null, 1f, null);
        CondEntry late = always.withSigmaRange(ms.percentToSigma(0.5), ms.percentToSigma(1.0));
        assertTrue(always.activeAt(1e9f));
        assertFalse(late.activeAt(ms.percentToSigma(0.4)));
        assertTrue(late.activeAt(ms.percentToSigma(0.6)));
    }
}
