package dev.noodle.nodes.conditioning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.diffusion.LatentArea;
import dev.noodle.engine.model.ModelFamily;
import dev.noodle.engine.sampling.KSamplerSigmas;
import dev.noodle.engine.sampling.ModelSampling;
import dev.noodle.engine.sampling.SamplerKind;
import dev.noodle.engine.sampling.Scheduler;
import dev.noodle.engine.unet.ControlResiduals;
import dev.noodle.engine.unet.UNetPatchSource;
import dev.noodle.engine.unet.UNetPatches;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.node.MessageLevel;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.nodes.values.CondPatch;
import dev.noodle.nodes.values.ConditioningValue;
import dev.noodle.nodes.values.ControlApplication;
import dev.noodle.nodes.values.ControlNetValue;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.ImageValue;
import dev.noodle.nodes.values.ModelValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * ControlNetApply and ControlNetApplyAdvanced as ComfyUI's nodes.py and comfy/controlnet.py define them: what they
 * record on conditioning, and what the recorded application adds to a UNet call (strength, start/end percent on the
 * SD 1.5 schedule, hint per latent size, rows of a CFG batch, hint-only reuse, the family guard), with a toy control
 * model whose residuals are computed by hand.
 */
class ControlNetApplyTest {
    static final List<int[]> BLOCKS = List.of(new int[] {2, 1}, new int[] {3, 2});
    static final int[] MIDDLE = {4, 2};

    static ToyControl toy(boolean hintOnly) {
        return new ToyControl(ModelFamily.SD1, hintOnly, BLOCKS, MIDDLE);
    }

    static ModelValue model(ModelFamily family) {
        ModelValue.Hold hold = new ModelValue.Hold() {
            @Override
            public void release() {}

            @Override
            public long sizeBytes() {
                return 0;
            }
        };
        return new ModelValue(hold, null, ModelSampling.sd15(), family.latentScale(), family, List.of(), 0, null);
    }

    static ConditioningValue cond(float v, int entries) {
        List<ConditioningValue.Entry> out = new ArrayList<>();
        for (int i = 0; i < entries; i++) {
            out.add(new ConditioningValue.Entry(new HeapTensor(new long[] {1, 2, 3}, new float[] {v, v, v, v, v, v}),
                    null, 1f, null, Map.of()));
        }
        return new ConditioningValue(out);
    }

    /** An RGB image [b, h, w, 3] with distinct values in 0..1. */
    static ImageValue image(int b, int h, int w) {
        float[] v = new float[b * h * w * 3];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((i * 37 % 101) / 101.0);
        }
        return new ImageValue(new HeapTensor(new long[] {b, h, w, 3}, v));
    }

    // ------------------------------------------------------------------ running a node by hand

    static List<Object> run(Node node, Map<String, Object> inputs) throws Exception {
        NodeInputs in = new NodeInputs() {
            @Override
            public Object value(InputSpec spec) {
                if (inputs.containsKey(spec.name())) {
                    return inputs.get(spec.name());
                }
                return spec instanceof FloatInput f ? f.defaultValue() : null;
            }

            @Override
            public boolean has(InputSpec spec) {
                return inputs.containsKey(spec.name());
            }
        };
        return node.execute(new Ctx(node.schema().type(), in)).values();
    }

    private record Ctx(String nodeType, NodeInputs inputs) implements NodeContext {
        @Override
        public String nodeId() {
            return "1";
        }

        @Override
        public void progress(long value, long max) {}

        @Override
        public void progress(long value, long max, Object preview) {}

        @Override
        public void message(MessageLevel level, String text) {}

        @Override
        public CancellationToken cancellation() {
            return new CancellationToken();
        }

        @Override
        public <T> T service(Class<T> type) {
            return null;
        }

        @Override
        public String runId() {
            return "test";
        }

        @Override
        public Workflow workflow() {
            return null;
        }

        @Override
        public Map<String, String> extraPngInfo() {
            return Map.of();
        }
    }

    // ------------------------------------------------------------------ the nodes

    @Test
    void controlNetApplyRecordsOneApplicationPerEntryAndChains() throws Exception {
        ControlNetValue cn = toy(false).value("toy.safetensors");
        ConditioningValue c = cond(1f, 2);
        ImageValue img = image(1, 2, 3);
        ConditioningValue once = (ConditioningValue) run(new ControlNetNodes.ControlNetApply(),
                Map.of("conditioning", c, "control_net", cn, "image", img, "strength", 0.7)).get(0);
        assertTrue(c.entries().stream().allMatch(e -> e.patches().isEmpty()), "the input is left as it was");
        assertEquals(2, once.entries().size());
        for (int i = 0; i < 2; i++) {
            ConditioningValue.Entry e = once.entries().get(i);
            assertEquals(1, e.patches().size());
            ControlApplication a = assertInstanceOf(ControlApplication.class, e.patches().get(0));
            assertEquals(0.7f, a.strength(), 1e-7);
            assertEquals(0.0, a.startPercent());
            assertEquals(1.0, a.endPercent());
            assertTrue(a.applyToUncond(), "ControlNetApply's control_apply_to_uncond");
            assertSame(cn, a.control());
            // image.movedim(-1, 1): [1, 2, 3, 3] → [1, 3, 2, 3]
            assertArrayEquals(new long[] {1, 3, 2, 3}, a.image().shape());
            float[] px = img.pixels().data();
            for (int y = 0; y < 2; y++) {
                for (int x = 0; x < 3; x++) {
                    for (int k = 0; k < 3; k++) {
                        assertEquals(px[(y * 3 + x) * 3 + k], a.image().data()[(k * 2 + y) * 3 + x]);
                    }
                }
            }
            assertSame(c.entries().get(i).context(), e.context(), "the prompt is kept");
        }
        ConditioningValue twice = (ConditioningValue) run(new ControlNetNodes.ControlNetApply(),
                Map.of("conditioning", once, "control_net", toy(false).value("b"), "image", img)).get(0);
        List<CondPatch> chain = twice.entries().get(1).patches();
        assertEquals(2, chain.size(), "a second application adds to the first (previous_controlnet)");
        assertSame(once.entries().get(1).patches().get(0), chain.get(0));
        assertEquals("b", ((ControlApplication) chain.get(1)).control().source());

        Object same = run(new ControlNetNodes.ControlNetApply(),
                Map.of("conditioning", c, "control_net", cn, "image", img, "strength", 0.0)).get(0);
        assertSame(c, same, "strength 0 returns the conditioning unchanged");
    }

    @Test
    void advancedSharesOneApplicationBetweenPositiveAndNegative() throws Exception {
        ControlNetValue cn = toy(false).value("toy");
        ConditioningValue pos = cond(1f, 1);
        ConditioningValue neg = cond(-1f, 2);
        List<Object> out = run(new ControlNetNodes.ControlNetApplyAdvanced(), Map.of("positive", pos, "negative",
                neg, "control_net", cn, "image", image(1, 4, 4), "strength", 1.5, "start_percent", 0.2,
                "end_percent", 0.6));
        ConditioningValue p = (ConditioningValue) out.get(0);
        ConditioningValue n = (ConditioningValue) out.get(1);
        ControlApplication a = (ControlApplication) p.entries().get(0).patches().get(0);
        for (ConditioningValue.Entry e : n.entries()) {
            assertSame(a, e.patches().get(0), "one application on both, so CFG batches them");
        }
        assertEquals(p.entries().get(0).patches(), n.entries().get(0).patches());
        assertFalse(a.applyToUncond());
        assertEquals(0.2, a.startPercent(), 1e-7);
        assertEquals(0.6, a.endPercent(), 1e-7);
        assertEquals(1.5f, a.strength());
        assertTrue(a.describe().contains("ControlNet toy at 1.50, 20–60%"), a.describe());

        List<Object> zero = run(new ControlNetNodes.ControlNetApplyAdvanced(), Map.of("positive", pos, "negative",
                neg, "control_net", cn, "image", image(1, 4, 4), "strength", 0.0, "start_percent", 0.2));
        assertSame(pos, zero.get(0), "strength 0 is the identity");
        assertSame(neg, zero.get(1));

        // chained: the second application's lists still agree between positive and negative
        List<Object> again = run(new ControlNetNodes.ControlNetApplyAdvanced(), Map.of("positive", p, "negative", n,
                "control_net", toy(false).value("second"), "image", image(1, 4, 4)));
        ConditioningValue p2 = (ConditioningValue) again.get(0);
        ConditioningValue n2 = (ConditioningValue) again.get(1);
        assertEquals(2, p2.entries().get(0).patches().size());
        assertEquals(p2.entries().get(0).patches(), n2.entries().get(1).patches());

        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> run(
                new ControlNetNodes.ControlNetApplyAdvanced(), Map.of("positive", pos, "negative", neg,
                        "control_net", cn, "image", new ImageValue(new HeapTensor(new long[] {1, 2, 2, 1},
                                new float[4])))));
        assertTrue(bad.getMessage().contains("ControlNetApplyAdvanced") && bad.getMessage().contains("RGB"),
                bad.getMessage());
    }

    // ------------------------------------------------------------------ what an application adds to a UNet call

    static float[] values(int n, int seed) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) Math.sin(seed * 31 + i * 0.37);
        }
        return v;
    }

    static UNetPatchSource.Call call(NDManager m, float[] x, long[] shape, float sigma, int[] chunkOfRow) {
        float[] t = new float[(int) shape[0]];
        java.util.Arrays.fill(t, 500f);
        return new UNetPatchSource.Call(m.create(x, new Shape(shape)), t, sigma, m.zeros(new Shape(shape[0], 2, 3)),
                null, chunkOfRow);
    }

    static void close(float[] want, NDArray got, String what) {
        float[] g = got.toFloatArray();
        assertEquals(want.length, g.length, what);
        for (int i = 0; i < g.length; i++) {
            assertEquals(want[i], g[i], 1e-5 + 1e-6 * Math.abs(want[i]), what + " at " + i);
        }
    }

    static float[] hintByHand(HeapTensor img, int lh, int lw) {
        return ToyControl.hintByHand(img, lh, lw);
    }

    // rows of a [B, ...] array picked by index
    static float[] rows(float[] a, int rowSize, int... pick) {
        float[] out = new float[pick.length * rowSize];
        for (int i = 0; i < pick.length; i++) {
            System.arraycopy(a, pick[i] * rowSize, out, i * rowSize, rowSize);
        }
        return out;
    }

    @Test
    void residualsAreTheControlsTimesStrengthWithTheImageResizedAndSpreadOverCfgRows() {
        ToyControl toy = toy(false);
        // two control images for a batch of two under CFG: rows 0, 1 positive, 2, 3 negative; an odd-sized image
        ImageValue img = image(2, 13, 11);
        HeapTensor chw = ControlNetNodes.channelsFirst("t", img);
        ControlApplication a = new ControlApplication(toy.value("toy"), chw, 0.8f, 0, 1, false);
        UNetPatchSource source = a.source(model(ModelFamily.SD1));
        long[] xs = {4, 4, 2, 2};
        float[] x = values(4 * 4 * 2 * 2, 1);
        float[] hint = hintByHand(chw, 2, 2); // [2, 3, 16, 16]
        float[] spread = rows(hint, 3 * 16 * 16, 0, 1, 0, 1); // broadcast_image_to(…, 4, 2)
        try (NDManager m = NDManager.newBaseManager()) {
            UNetPatches p = source.prepare(call(m, x, xs, 5f, new int[] {0, 0, 1, 1}), m);
            ControlResiduals r = p.control();
            assertTrue(r.input().isEmpty(), "a ControlNet adds to skips, not to input blocks");
            long[] hs = {4, 3, 16, 16};
            for (int i = 0; i < BLOCKS.size(); i++) {
                float[] want = ToyControl.expected(spread, hs, x, xs, BLOCKS.get(i), ToyControl.a(i), ToyControl.B);
                for (int j = 0; j < want.length; j++) {
                    want[j] *= 0.8f;
                }
                close(want, r.outputAt(i), "skip " + i);
            }
            float[] mid = ToyControl.expected(spread, hs, x, xs, MIDDLE, ToyControl.A_MIDDLE, ToyControl.B);
            for (int j = 0; j < mid.length; j++) {
                mid[j] *= 0.8f;
            }
            close(mid, r.middle(), "middle");
            assertEquals(1, toy.hintCalls.get());

            // the same size again: the hint is not prepared again; another size is, once
            source.prepare(call(m, x, xs, 5f, new int[] {0, 0, 1, 1}), m);
            assertEquals(1, toy.hintCalls.get(), "hint cached per latent size");
            float[] x2 = values(2 * 4 * 3 * 1, 2);
            UNetPatches odd = source.prepare(call(m, x2, new long[] {2, 4, 3, 1}, 5f, new int[] {0, 0}), m);
            assertEquals(2, toy.hintCalls.get());
            assertEquals(2, a.prepared().hintCount());
            float[] hint31 = hintByHand(chw, 3, 1); // [2, 3, 24, 8]: a 13×11 image to 8×24 crops its width
            float[] want = ToyControl.expected(hint31, new long[] {2, 3, 24, 8}, x2, new long[] {2, 4, 3, 1},
                    BLOCKS.get(0), ToyControl.a(0), ToyControl.B);
            for (int j = 0; j < want.length; j++) {
                want[j] *= 0.8f;
            }
            close(want, odd.control().outputAt(0), "odd latent, no CFG");

            // an inpainting UNet's input carries mask and masked-image channels: the control sees the latent's 4
            float[] x9 = new float[2 * 9 * 3];
            for (int n = 0; n < 2; n++) {
                System.arraycopy(x2, n * 12, x9, n * 27, 12);
                java.util.Arrays.fill(x9, n * 27 + 12, n * 27 + 27, 7f);
            }
            UNetPatches nine = source.prepare(call(m, x9, new long[] {2, 9, 3, 1}, 5f, new int[] {0, 0}), m);
            close(want, nine.control().outputAt(0), "the latent channels only");
        }
    }

    @Test
    void strengthScalesTheResidualsLinearly() {
        ToyControl toy = toy(false);
        HeapTensor chw = ControlNetNodes.channelsFirst("t", image(1, 16, 16));
        float[] x = values(2 * 4 * 2 * 2, 3);
        long[] xs = {2, 4, 2, 2};
        try (NDManager m = NDManager.newBaseManager()) {
            float[] one = new ControlApplication(toy.value("t"), chw, 1f, 0, 1, false).source(model(ModelFamily.SD1))
                    .prepare(call(m, x, xs, 1f, new int[] {0, 1}), m).control().outputAt(1).toFloatArray();
            for (float s : new float[] {0.25f, 2f, 10f}) {
                NDArray got = new ControlApplication(toy.value("t"), chw, s, 0, 1, false)
                        .source(model(ModelFamily.SD1)).prepare(call(m, x, xs, 1f, new int[] {0, 1}), m).control()
                        .outputAt(1);
                float[] want = one.clone();
                for (int i = 0; i < want.length; i++) {
                    want[i] *= s;
                }
                close(want, got, "strength " + s);
            }
        }
    }

    // SD 1.5's σ at a timestep, re-stated from the schedule (scaled linear betas 0.00085..0.012, 1000 steps; σ =
    // sqrt((1 − ᾱ)/ᾱ), log-linear between integer timesteps) — ComfyUI percent_to_sigma(p) = σ((1 − p)·999)
    static double sigmaByHand(double t) {
        double[] logSigma = new double[1000];
        double cum = 1;
        double a = Math.sqrt(0.00085);
        double b = Math.sqrt(0.012);
        for (int i = 0; i < 1000; i++) {
            double beta = Math.pow(a + (b - a) * i / 999.0, 2);
            cum *= 1 - beta;
            logSigma[i] = Math.log(Math.sqrt((1 - cum) / cum));
        }
        int lo = (int) Math.floor(t);
        int hi = (int) Math.ceil(t);
        double w = t - lo;
        return Math.exp((1 - w) * logSigma[lo] + w * logSigma[hi]);
    }

    @Test
    void startAndEndPercentLimitTheControlToPartOfARealSchedule() {
        ToyControl toy = toy(false);
        HeapTensor chw = ControlNetNodes.channelsFirst("t", image(1, 16, 16));
        ModelValue sd15 = model(ModelFamily.SD1);
        float[] sigmas = KSamplerSigmas.forSteps(sd15.sampling(), Scheduler.NORMAL, SamplerKind.EULER, 20, 1f);
        double start = 0.3;
        double end = 0.7;
        double sStart = sigmaByHand((1 - start) * 999);
        double sEnd = sigmaByHand((1 - end) * 999);
        UNetPatchSource src = new ControlApplication(toy.value("t"), chw, 1f, start, end, false).source(sd15);
        UNetPatchSource whole = new ControlApplication(toy.value("t"), chw, 1f, 0, 1, false).source(sd15);
        float[] x = values(4 * 2 * 2, 4);
        int active = 0;
        try (NDManager m = NDManager.newBaseManager()) {
            for (int i = 0; i < sigmas.length - 1; i++) {
                float s = sigmas[i];
                boolean want = s <= sStart * (1 + 1e-5) && s >= sEnd * (1 - 1e-5);
                if (Math.abs(s - sStart) < 1e-4 * sStart || Math.abs(s - sEnd) < 1e-4 * sEnd) {
                    continue; // on the boundary to float precision: either way is right
                }
                UNetPatches p = src.prepare(call(m, x, new long[] {1, 4, 2, 2}, s, new int[] {0}), m);
                assertEquals(want, p != UNetPatches.NONE, "step " + i + " σ " + s + " in [" + sEnd + ", " + sStart
                        + "]");
                active += want ? 1 : 0;
                assertTrue(whole.prepare(call(m, x, new long[] {1, 4, 2, 2}, s, new int[] {0}), m)
                        != UNetPatches.NONE, "0..1 acts at every step");
            }
        }
        // 20 normal steps, 30..70%: about 40% of the steps
        assertTrue(active >= 6 && active <= 10, "active steps " + active);
    }

    @Test
    void aHintOnlyModelComputesItsResidualsOnceAndReusesThemAtEveryStep() throws Exception {
        ToyControl t2i = toy(true);
        HeapTensor chw = ControlNetNodes.channelsFirst("t", image(1, 8, 8));
        ControlApplication a = new ControlApplication(t2i.value("adapter"), chw, 0.5f, 0, 1, false);
        UNetPatchSource src = a.source(model(ModelFamily.SD1));
        float[] hint = hintByHand(chw, 2, 2);
        try (NDManager m = NDManager.newBaseManager()) {
            for (int step = 0; step < 5; step++) {
                UNetPatches p = src.prepare(call(m, values(2 * 4 * 4, step), new long[] {2, 4, 2, 2},
                        10f - step, new int[] {0, 1}), m);
                assertTrue(p.control().output().isEmpty(), "an adapter adds to input blocks");
                float[] want = ToyControl.expected(hint, new long[] {1, 3, 16, 16}, new float[2 * 4 * 4],
                        new long[] {2, 4, 2, 2}, BLOCKS.get(1), ToyControl.a(1), 0f);
                // the hint has one image, so the adapter's maps have one row, as ComfyUI keeps it
                float[] one = java.util.Arrays.copyOf(want, want.length / 2);
                for (int j = 0; j < one.length; j++) {
                    one[j] *= 0.5f;
                }
                close(one, p.control().inputAt(1), "step " + step);
            }
            assertEquals(1, t2i.residualCalls.get(), "computed once per hint and size");
            assertEquals(1, t2i.hintCalls.get());
        }
        // many threads, one latent size: one preparation
        ToyControl shared = toy(false);
        UNetPatchSource par = new ControlApplication(shared.value("c"), chw, 1f, 0, 1, false)
                .source(model(ModelFamily.SD1));
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                futures.add(pool.submit(() -> {
                    try (NDManager m = NDManager.newBaseManager()) {
                        par.prepare(call(m, values(16, 1), new long[] {1, 4, 2, 2}, 1f, new int[] {0}), m);
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(1, shared.hintCalls.get(), "the hint is prepared once however many threads ask");
        assertEquals(12, shared.residualCalls.get());
    }

    @Test
    void aControlForAnotherFamilyIsRefusedNamingBoth() {
        HeapTensor chw = ControlNetNodes.channelsFirst("t", image(1, 8, 8));
        ControlApplication a = new ControlApplication(toy(false).value("control_sd15_canny.pth"), chw, 1f, 0, 1,
                false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> a.source(model(ModelFamily.SDXL)));
        assertTrue(e.getMessage().contains(ModelFamily.SD1.displayName())
                && e.getMessage().contains(ModelFamily.SDXL.displayName())
                && e.getMessage().contains("control_sd15_canny.pth"), e.getMessage());
        ControlApplication adapter = new ControlApplication(toy(true).value("t2i.pth"), chw, 1f, 0, 1, false);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> adapter.source(model(ModelFamily.SD2)))
                .getMessage().contains("T2I adapter"));
        // an SD 1.x control works on the SD 1.x inpainting model
        assertInstanceOf(ControlApplication.Source.class, a.source(model(ModelFamily.SD1_INPAINT)));
    }

    @Test
    void controlNetApplysControlReachesANegativeThatHasNone() throws Exception {
        ControlNetValue cn = toy(false).value("toy");
        ConditioningValue pos = (ConditioningValue) run(new ControlNetNodes.ControlNetApply(),
                Map.of("conditioning", cond(1f, 1), "control_net", cn, "image", image(1, 8, 8))).get(0);
        ConditioningValue neg = cond(-1f, 1);
        ConditioningValue shared = ControlApplication.sharedWithNegative(pos, neg);
        assertEquals(pos.entries().get(0).patches(), shared.entries().get(0).patches(),
                "the negative gets the positive's controls, so both still share a UNet call");
        assertSame(neg.entries().get(0).context(), shared.entries().get(0).context());
        assertTrue(neg.entries().get(0).patches().isEmpty(), "the input is left as it was");

        // Advanced's control is not given to the negative (control_apply_to_uncond False)
        ConditioningValue adv = (ConditioningValue) run(new ControlNetNodes.ControlNetApplyAdvanced(),
                Map.of("positive", cond(1f, 1), "negative", cond(0f, 1), "control_net", cn, "image",
                        image(1, 8, 8))).get(0);
        assertSame(neg, ControlApplication.sharedWithNegative(adv, neg));
        // a negative that has a control of its own keeps it alone
        ConditioningValue negWith = (ConditioningValue) run(new ControlNetNodes.ControlNetApply(),
                Map.of("conditioning", neg, "control_net", toy(false).value("other"), "image", image(1, 8, 8)))
                .get(0);
        assertSame(negWith, ControlApplication.sharedWithNegative(pos, negWith));
        // area entries neither give nor take; two controlled positives cycle over one plain negative (last wins)
        ConditioningValue two = new ConditioningValue(List.of(pos.entries().get(0),
                ((ConditioningValue) run(new ControlNetNodes.ControlNetApply(), Map.of("conditioning", cond(2f, 1),
                        "control_net", toy(false).value("second"), "image", image(1, 8, 8))).get(0)).entries()
                        .get(0)));
        ConditioningValue.Entry area = neg.entries().get(0).withArea(new LatentArea(0, 0, 1, 1), 1f);
        ConditioningValue negs = new ConditioningValue(List.of(area, neg.entries().get(0)));
        ConditioningValue out = ControlApplication.sharedWithNegative(two, negs);
        assertTrue(out.entries().get(0).patches().isEmpty(), "the area entry is left alone");
        assertEquals(two.entries().get(1).patches(), out.entries().get(1).patches());
        assertNotSame(negs, out);
        assertNull(out.entries().get(1).area());
    }
}
