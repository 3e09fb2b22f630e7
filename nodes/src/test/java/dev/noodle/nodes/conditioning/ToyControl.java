package dev.noodle.nodes.conditioning;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.noodle.engine.control.ControlHints;
import dev.noodle.engine.control.ControlModel;
import dev.noodle.engine.model.ModelFamily;
import dev.noodle.engine.unet.ControlResiduals;
import dev.noodle.engine.unet.UNetConfig;
import dev.noodle.nodes.values.ControlNetValue;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.ModelValue;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test-only control model whose residuals are an exact, hand-computable function of the UNet input and the
 * hint, so the wiring around it (hint preparation, row spreading, strength, step windows, chains, UNet placement)
 * can be checked to float precision: for input block i with {@code C} channels at 1/f of the latent size,
 * {@code r[n, c, y, x] = a(i)·hint[n, c mod 3, 8f·y, 8f·x] + B·x[n, c mod Cin, f·y, f·x]} with {@code a(i) =
 * 0.1·(i + 1)} and {@code B = 0.05} (0 for a hint-only model); the middle block's uses {@code a = 0.3}. A
 * ControlNet-like toy returns them as skip residuals, a hint-only (T2I-like) toy as input-block residuals. Counts
 * its calls.
 */
public final class ToyControl implements ControlModel {
    /** The factor on x. */
    public static final float B = 0.05f;
    /** The middle block's factor on the hint. */
    public static final float A_MIDDLE = 0.3f;

    private final ModelFamily family;
    private final boolean hintOnly;
    private final List<int[]> blocks;
    private final int[] middle;
    public final AtomicInteger hintCalls = new AtomicInteger();
    public final AtomicInteger residualCalls = new AtomicInteger();

    /**
     * @param blocks per input block {channels, factor}
     * @param middle {channels, factor} of the middle block
     */
    public ToyControl(ModelFamily family, boolean hintOnly, List<int[]> blocks, int[] middle) {
        this.family = family;
        this.hintOnly = hintOnly;
        this.blocks = List.copyOf(blocks);
        this.middle = middle.clone();
    }

    /** A toy shaped for a UNet config's input blocks and middle block (LDM layout, as UNetLayout). */
    public static ToyControl forUNet(UNetConfig c, ModelFamily family) {
        List<int[]> blocks = new ArrayList<>();
        blocks.add(new int[] {c.modelChannels(), 1});
        int f = 1;
        int ch = c.modelChannels();
        int[] mult = c.channelMult();
        for (int level = 0; level < mult.length; level++) {
            ch = c.modelChannels() * mult[level];
            for (int r = 0; r < c.numResBlocks(); r++) {
                blocks.add(new int[] {ch, f});
            }
            if (level < mult.length - 1) {
                f *= 2;
                blocks.add(new int[] {ch, f});
            }
        }
        return new ToyControl(family, false, blocks, new int[] {ch, f});
    }

    /** The factor on the hint at input block i. */
    public static float a(int i) {
        return 0.1f * (i + 1);
    }

    public List<int[]> blocks() {
        return blocks;
    }

    public int[] middle() {
        return middle.clone();
    }

    /** This model on a CONTROL_NET wire, from a "file" of that name. */
    public ControlNetValue value(String name) {
        return new ControlNetValue(new ModelValue.Hold() {
            @Override
            public void release() {}

            @Override
            public long sizeBytes() {
                return 0;
            }
        }, this, name);
    }

    @Override
    public ModelFamily family() {
        return family;
    }

    @Override
    public boolean hintOnly() {
        return hintOnly;
    }

    @Override
    public NDArray hint(NDArray image, long latentH, long latentW, NDManager scope) {
        hintCalls.incrementAndGet();
        return ControlHints.resize(image, latentH, latentW, scope);
    }

    @Override
    public ControlResiduals residuals(NDArray x, NDArray timesteps, NDArray context, NDArray y, NDArray hint,
            NDManager scope) {
        residualCalls.incrementAndGet();
        List<NDArray> maps = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            maps.add(map(x, hint, blocks.get(i), a(i), scope));
        }
        NDArray mid = map(x, hint, middle, A_MIDDLE, scope);
        return hintOnly ? ControlResiduals.ofInputs(maps, mid) : ControlResiduals.ofSkips(maps, mid);
    }

    private NDArray map(NDArray x, NDArray hint, int[] block, float a, NDManager scope) {
        int c = block[0];
        int f = block[1];
        NDArray h = tile(hint.get(new NDIndex(":, :, ::" + 8 * f + ", ::" + 8 * f)), c).mul(a);
        if (!hintOnly) {
            h = h.add(tile(x.get(new NDIndex(":, :, ::" + f + ", ::" + f)), c).mul(B));
        }
        h.attach(scope);
        return h;
    }

    // [N, c0, H, W] → [N, c, H, W] with channel k = channel k mod c0
    private static NDArray tile(NDArray a, int c) {
        long c0 = a.getShape().get(1);
        NDList parts = new NDList();
        for (long k = 0; k < c; k += c0) {
            parts.add(a);
        }
        return NDArrays.concat(parts, 1).get(new NDIndex(":, 0:" + c));
    }

    /**
     * The toy's map re-stated with loops: block {channels, factor} from hint [Nh, 3, 8H, 8W] (Nh 1 or N) and x
     * [N, Cin, H, W] with factors {@code a} and {@code b}; [N, channels, H/f, W/f] flattened.
     */
    public static float[] expected(float[] hint, long[] hs, float[] x, long[] xs, int[] block, float a, float b) {
        int n = (int) xs[0];
        int cin = (int) xs[1];
        int h = (int) xs[2];
        int w = (int) xs[3];
        int c = block[0];
        int f = block[1];
        int oh = (h + f - 1) / f;
        int ow = (w + f - 1) / f;
        int hh = (int) hs[2];
        int hw = (int) hs[3];
        float[] out = new float[n * c * oh * ow];
        for (int i = 0; i < n; i++) {
            int hi = hs[0] == 1 ? 0 : i;
            for (int k = 0; k < c; k++) {
                for (int y = 0; y < oh; y++) {
                    for (int xx = 0; xx < ow; xx++) {
                        float hv = hint[((hi * 3 + k % 3) * hh + 8 * f * y) * hw + 8 * f * xx];
                        float xv = x[((i * cin + k % cin) * h + f * y) * w + f * xx];
                        out[((i * c + k) * oh + y) * ow + xx] = a * hv + b * xv;
                    }
                }
            }
        }
        return out;
    }

    /**
     * The hint an application prepares for an lh×lw latent, re-stated with loops from ComfyUI's
     * {@code common_upscale(img, 8·lw, 8·lh, "nearest-exact", "center")}: img [B, 3, H, W] → [B, 3, 8lh, 8lw].
     */
    public static float[] hintByHand(HeapTensor img, int lh, int lw) {
        int b = (int) img.dim(0);
        int h = (int) img.dim(2);
        int w = (int) img.dim(3);
        int oh = 8 * lh;
        int ow = 8 * lw;
        double oldAspect = (double) w / h;
        double newAspect = (double) ow / oh;
        int x0 = oldAspect > newAspect ? (int) Math.rint((w - w * (newAspect / oldAspect)) / 2) : 0;
        int y0 = oldAspect < newAspect ? (int) Math.rint((h - h * (oldAspect / newAspect)) / 2) : 0;
        int ch = h - 2 * y0;
        int cw = w - 2 * x0;
        float[] out = new float[b * 3 * oh * ow];
        for (int n = 0; n < b; n++) {
            for (int k = 0; k < 3; k++) {
                for (int y = 0; y < oh; y++) {
                    for (int x = 0; x < ow; x++) {
                        int sy = Math.min((int) Math.floor((y + 0.5) * ch / oh), ch - 1) + y0;
                        int sx = Math.min((int) Math.floor((x + 0.5) * cw / ow), cw - 1) + x0;
                        out[((n * 3 + k) * oh + y) * ow + x] = img.data()[((n * 3 + k) * h + sy) * w + sx];
                    }
                }
            }
        }
        return out;
    }

    @Override
    public long sizeBytes() {
        return 0;
    }

    @Override
    public void close() {}
}
