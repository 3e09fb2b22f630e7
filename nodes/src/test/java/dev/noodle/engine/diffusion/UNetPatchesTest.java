package dev.noodle.engine.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.model.DemoCheckpoint;
import dev.noodle.engine.runtime.Devices;
import dev.noodle.engine.unet.ControlResiduals;
import dev.noodle.engine.unet.UNetConfig;
import dev.noodle.engine.unet.UNetModel;
import dev.noodle.engine.unet.UNetPatchSource;
import dev.noodle.engine.unet.UNetPatches;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * UNet patches as the sampler passes them: which conditionings share a UNet call (ComfyUI's can_concat: equal
 * patches only), what each patch source is told (σ, which conditioning every row belongs to), how sources add up,
 * and where the tiny demo UNet adds control residuals (no patch and zero residuals change nothing; a residual at
 * each place changes the output; a residual of the wrong size is left out).
 */
class UNetPatchesTest {
    /** A network that records its calls: rows, and the middle residual it was given. */
    private static final class Recorder implements ConditionedUNet.Network {
        final List<Long> rows = new ArrayList<>();
        final List<UNetPatches> patches = new ArrayList<>();

        @Override
        public NDArray forward(NDArray x, NDArray t, NDArray context, NDArray y, UNetPatches p) {
            rows.add(x.getShape().get(0));
            patches.add(p);
            return p.control().middle() == null ? x.add(0f) : x.add(p.control().middle().mean());
        }
    }

    /** A source adding a constant middle residual, recording the rows' conditionings it was told about. */
    private record Constant(float value, List<int[]> seen) implements UNetPatchSource {
        @Override
        public UNetPatches prepare(Call call, NDManager scope) {
            seen.add(call.chunkOfRow().clone());
            return UNetPatches.ofControl(new ControlResiduals(List.of(), scope.full(new Shape(1), value),
                    List.of()));
        }
    }

    @Test
    void equalPatchesShareOneCallAndDifferentOnesRunApart() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(4, 4, 2, 2)); // 2 chunks of B = 2
            float[] t = {500f, 500f, 500f, 500f};
            NDArray ctx = m.ones(new Shape(1, 3, 8));
            List<int[]> seen = new ArrayList<>();
            Constant control = new Constant(2f, seen);
            CondEntry pos = new CondEntry(ctx, null, 1f, null).withPatches(List.of(control));
            CondEntry neg = new CondEntry(ctx.mul(3f), null, 1f, null).withPatches(List.of(control));
            Recorder rec = new Recorder();
            NDArray both = new ConditionedUNet(rec, 0, null).predict(x, 3f, t, List.of(List.of(pos), List.of(neg)), m);
            assertEquals(List.of(4L), rec.rows, "one batched call");
            assertArrayEquals(new int[] {0, 0, 1, 1}, seen.get(0), "rows of the positive, then of the negative");
            // ControlNetApply on the positive only: the negative runs plain, in a call of its own
            seen.clear();
            Recorder apart = new Recorder();
            CondEntry plainNeg = neg.withPatches(List.of());
            NDArray split = new ConditionedUNet(apart, 0, null)
                    .predict(x, 3f, t, List.of(List.of(pos), List.of(plainNeg)), m);
            assertEquals(List.of(2L, 2L), apart.rows);
            assertEquals(1, seen.size());
            assertArrayEquals(new int[] {0, 0}, seen.get(0));
            assertTrue(apart.patches.get(1).isEmpty(), "the negative's call carries no patch");
            float[] b = both.toFloatArray();
            float[] s = split.toFloatArray();
            for (int i = 0; i < 32; i++) { // rows 0 and 1: the positive
                assertEquals(b[i], s[i], 1e-6, "positive rows agree");
            }
            assertEquals(b[32] - 2f, s[32], 1e-5, "the negative lost its control");
        }
    }

    @Test
    void modelSourcesComeFirstAndAllSourcesAddUp() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.zeros(new Shape(2, 4, 2, 2));
            List<int[]> seen = new ArrayList<>();
            CondEntry pos = new CondEntry(m.ones(new Shape(1, 3, 8)), null, 1f, null)
                    .withPatches(List.of(new Constant(1f, seen), new Constant(10f, seen)));
            Recorder rec = new Recorder();
            ConditionedUNet net = new ConditionedUNet(rec, 0, null, List.of(new Constant(100f, seen)));
            NDArray out = net.predict(x, new float[] {1f, 1f}, List.of(List.of(pos), List.of(pos)), m);
            assertEquals(3, seen.size(), "model source, then the entry's two");
            assertEquals(111f, rec.patches.get(0).control().middle().getFloat(0), 1e-6);
            assertEquals(111f, out.getFloat(0, 0, 0, 0), 1e-6);
        }
    }

    @Test
    void theDemoUNetAddsResidualsWhereLdmDoes(@TempDir Path dir) throws Exception {
        Path file = DemoCheckpoint.ensure(dir.resolve(DemoCheckpoint.FILE_NAME));
        try (NDManager m = NDManager.newBaseManager(); ModelFile src = ModelFiles.open(file);
                UNetModel unet = UNetModel.load(src.withPrefix(UNetConfig.PREFIX), Devices.Target.cpu())) {
            UNetConfig c = unet.config();
            NDArray x = m.randomNormal(new Shape(1, 4, 8, 8));
            NDArray t = m.create(new float[] {400f});
            NDArray ctx = m.randomNormal(new Shape(1, 77, c.contextDim()));
            float[] plain = unet.forward(x, t, ctx).toFloatArray();
            assertArrayEquals(plain, unet.forward(x, t, ctx, null, UNetPatches.NONE).toFloatArray(), 0f);
            // the skip and middle feature maps of the demo UNet, from a run that records nothing but their shapes
            List<Shape> skips = new ArrayList<>(List.of(new Shape(1, c.modelChannels(), 8, 8)));
            long size = 8;
            int levels = c.channelMult().length;
            for (int level = 0; level < levels; level++) {
                int ch = c.modelChannels() * c.channelMult()[level];
                for (int r = 0; r < c.numResBlocks(); r++) {
                    skips.add(new Shape(1, ch, size, size));
                }
                if (level != levels - 1) {
                    size = (size + 1) / 2;
                    skips.add(new Shape(1, ch, size, size));
                }
            }
            int blocks = skips.size();
            List<NDArray> zeros = new ArrayList<>();
            for (Shape sh : skips) {
                zeros.add(m.zeros(sh));
            }
            NDArray midZero = m.zeros(skips.get(blocks - 1));
            UNetPatches zero = UNetPatches.ofControl(new ControlResiduals(zeros, midZero, zeros));
            assertArrayEquals(plain, unet.forward(x, t, ctx, null, zero).toFloatArray(), 1e-6f,
                    "zero residuals at every place change nothing");
            UNetPatches mid = UNetPatches.ofControl(ControlResiduals.ofSkips(List.of(), midZero.add(0.5f)));
            assertTrue(maxDiff(plain, unet.forward(x, t, ctx, null, mid).toFloatArray()) > 0, "middle");
            for (int i : new int[] {0, blocks - 1}) {
                List<NDArray> one = new ArrayList<>(java.util.Collections.nCopies(blocks, (NDArray) null));
                one.set(i, zeros.get(i).add(0.5f));
                float[] skip = unet.forward(x, t, ctx, null, UNetPatches.ofControl(ControlResiduals.ofSkips(one, null)))
                        .toFloatArray();
                float[] input = unet.forward(x, t, ctx, null,
                        UNetPatches.ofControl(ControlResiduals.ofInputs(one, null))).toFloatArray();
                assertTrue(maxDiff(plain, skip) > 0, "skip " + i + ": " + maxDiff(plain, skip));
                assertTrue(maxDiff(plain, input) > 0, "input block " + i + ": " + maxDiff(plain, input));
                assertTrue(maxDiff(skip, input) > 1e-6, "an input residual also feeds the blocks after it " + i);
            }
            List<NDArray> wrong = List.of(m.ones(new Shape(1, 3, 5, 5)));
            assertArrayEquals(plain, unet.forward(x, t, ctx, null,
                    UNetPatches.ofControl(ControlResiduals.ofSkips(wrong, null))).toFloatArray(), 0f,
                    "a residual that does not fit is left out");
        }
    }

    private static double maxDiff(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }
}
