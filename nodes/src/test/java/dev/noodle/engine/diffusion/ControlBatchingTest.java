package dev.noodle.engine.diffusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.model.ModelFamily;
import dev.noodle.engine.sampling.ModelSampling;
import dev.noodle.engine.unet.UNetPatchSource;
import dev.noodle.engine.unet.UNetPatches;
import dev.noodle.nodes.conditioning.ToyControl;
import dev.noodle.nodes.values.ControlApplication;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.ModelValue;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Applied controls in the sampler's UNet calls, counted with a network that records what it is given: positive and
 * negative of one ControlNetApplyAdvanced still run as one CFG batch, each row getting its own control image; a
 * chain's residuals add up (ComfyUI control_merge); a control on one side only splits the batch (can_concat).
 */
class ControlBatchingTest {
    static final List<int[]> BLOCKS = List.of(new int[] {2, 1}, new int[] {3, 2});
    static final int[] MIDDLE = {4, 2};

    record Seen(long rows, UNetPatches patches, float[] skip0, float[] skip1) {}

    static ModelValue sd15() {
        return new ModelValue(new ModelValue.Hold() {
            @Override
            public void release() {}

            @Override
            public long sizeBytes() {
                return 0;
            }
        }, null, ModelSampling.sd15(), 0.18215f, ModelFamily.SD1, List.of(), 0, null);
    }

    static ConditionedUNet counting(List<Seen> seen) {
        return new ConditionedUNet((x, t, c, y, p) -> {
            seen.add(new Seen(x.getShape().get(0), p,
                    p.control().outputAt(0) == null ? null : p.control().outputAt(0).toFloatArray(),
                    p.control().outputAt(1) == null ? null : p.control().outputAt(1).toFloatArray()));
            return x.mul(0.5f);
        }, 0, null);
    }

    static HeapTensor image(int b, int h, int w, int seed) {
        float[] v = new float[b * 3 * h * w];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((i * 13 + seed * 7) % 17 / 17.0);
        }
        return new HeapTensor(new long[] {b, 3, h, w}, v);
    }

    static CondEntry entry(NDManager m, float v, List<UNetPatchSource> sources) {
        NDArray ctx = m.full(new Shape(1, 2, 3), v);
        return new CondEntry(ctx, null, 1f, null, null).withPatches(sources);
    }

    // the hint by hand for a 16×16 image and a 2×2 latent: nearest-exact 16 → 16 is the image itself
    static float[] expectedSkip(HeapTensor img, int[] hintRows, float[] x, long[] xs, int block, float strength) {
        int rowSize = 3 * 16 * 16;
        float[] hint = new float[hintRows.length * rowSize];
        for (int i = 0; i < hintRows.length; i++) {
            System.arraycopy(img.data(), hintRows[i] * rowSize, hint, i * rowSize, rowSize);
        }
        float[] r = ToyControl.expected(hint, new long[] {hintRows.length, 3, 16, 16}, x, xs, BLOCKS.get(block),
                ToyControl.a(block), ToyControl.B);
        for (int i = 0; i < r.length; i++) {
            r[i] *= strength;
        }
        return r;
    }

    static void close(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-5, what + " at " + i);
        }
    }

    @Test
    void positiveAndNegativeOfOneApplicationShareOneUNetCall() {
        ToyControl toy = new ToyControl(ModelFamily.SD1, false, BLOCKS, MIDDLE);
        HeapTensor img = image(2, 16, 16, 1);
        ControlApplication a = new ControlApplication(toy.value("toy"), img, 0.9f, 0, 1, false);
        ModelValue model = sd15();
        List<Seen> seen = new ArrayList<>();
        try (NDManager m = NDManager.newBaseManager()) {
            // the sampler makes each side's sources separately (SamplerNodes.entries): they must still be equal
            CondEntry pos = entry(m, 1f, List.of(a.source(model)));
            CondEntry neg = entry(m, -1f, List.of(a.source(model)));
            long[] xs = {4, 4, 2, 2};
            float[] xv = new float[4 * 16];
            for (int i = 0; i < xv.length; i++) {
                xv[i] = (float) Math.cos(i * 0.3);
            }
            NDArray x = m.create(xv, new Shape(xs));
            counting(seen).predict(x, 3f, new float[] {500, 500, 500, 500}, List.of(List.of(pos), List.of(neg)), m);
            assertEquals(1, seen.size(), "one UNet call for both sides");
            assertEquals(4, seen.get(0).rows());
            // rows: positive image 0, 1, negative image 0, 1 (broadcast_image_to with batched_number 2)
            close(expectedSkip(img, new int[] {0, 1, 0, 1}, xv, xs, 0, 0.9f), seen.get(0).skip0(), "skip 0");
            close(expectedSkip(img, new int[] {0, 1, 0, 1}, xv, xs, 1, 0.9f), seen.get(0).skip1(), "skip 1");

            // a chain of two on both sides: still one call, the residuals summed
            ToyControl second = new ToyControl(ModelFamily.SD1, false, BLOCKS, MIDDLE);
            HeapTensor img2 = image(1, 16, 16, 5);
            ControlApplication b = new ControlApplication(second.value("second"), img2, 0.4f, 0, 1, false);
            seen.clear();
            counting(seen).predict(x, 3f, new float[] {500, 500, 500, 500},
                    List.of(List.of(entry(m, 1f, List.of(a.source(model), b.source(model)))),
                            List.of(entry(m, -1f, List.of(a.source(model), b.source(model))))), m);
            assertEquals(1, seen.size());
            float[] want = expectedSkip(img, new int[] {0, 1, 0, 1}, xv, xs, 0, 0.9f);
            float[] plus = expectedSkip(img2, new int[] {0}, xv, xs, 0, 0.4f);
            for (int i = 0; i < want.length; i++) {
                want[i] += plus[i];
            }
            close(want, seen.get(0).skip0(), "chained skip 0");

            // only the positive controlled: two calls, the negative's without residuals
            seen.clear();
            counting(seen).predict(x, 3f, new float[] {500, 500, 500, 500},
                    List.of(List.of(entry(m, 1f, List.of(a.source(model)))), List.of(entry(m, -1f, List.of()))), m);
            assertEquals(2, seen.size(), "different patches do not share a call");
            assertEquals(2, seen.get(0).rows());
            // alone, the positive's two rows take images 0 and 1
            float[] posX = java.util.Arrays.copyOf(xv, 2 * 16);
            close(expectedSkip(img, new int[] {0, 1}, posX, new long[] {2, 4, 2, 2}, 0, 0.9f), seen.get(0).skip0(),
                    "positive alone");
            assertTrue(seen.get(1).patches().isEmpty(), "the negative call has nothing added");

            // outside its window the control adds nothing, and the batch is still one call
            ControlApplication late = new ControlApplication(toy.value("toy"), img, 1f, 0.5, 1, false);
            seen.clear();
            float sigmaMax = model.sampling().sigmaMax();
            counting(seen).predict(x, sigmaMax, new float[] {999, 999, 999, 999},
                    List.of(List.of(entry(m, 1f, List.of(late.source(model)))),
                            List.of(entry(m, -1f, List.of(late.source(model))))), m);
            assertEquals(1, seen.size());
            assertTrue(seen.get(0).patches().isEmpty(), "start_percent 0.5: nothing at the first step");
        }
    }
}
