package dev.noodle.engine.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.noodle.engine.runtime.Scopes;
import java.util.List;

/**
 * The encoder half of an LDM UNet — time embedding (plus {@code label_emb}), input blocks and middle block — run
 * over weights that hold it, with a tap after every block: how a ControlNet (Zhang et al. 2023, LDM/cldm
 * {@code ControlNet.forward}) reuses the UNet's own blocks. The same {@link UNetBlocks} run it as
 * {@link UNetModel}'s forward pass, so the two cannot drift apart. Stateless; thread-safe (weights are only read).
 */
public final class UNetEncoder {
    /** The block index a tap sees for the middle block's output. */
    public static final int MIDDLE = -1;

    private UNetEncoder() {}

    /** Operations a tap may run on the same weights, inside the pass's scope. */
    public interface Ops {
        /**
         * The convolution under {@code key} ({@code key.weight} [Cout, Cin, k, k], {@code key.bias}), padding k/2.
         *
         * @param x [B, Cin, H, W]
         * @return [B, Cout, ⌈H/stride⌉, ⌈W/stride⌉]
         */
        NDArray conv(NDArray x, String key, int stride);

        /** The compute type of the pass (what {@code x} is turned into). */
        DataType dtype();
    }

    /** Sees each block's output; returns what the next block takes (the output itself, or a changed copy). */
    @FunctionalInterface
    public interface Tap {
        /**
         * @param block the input block index, or {@link #MIDDLE}
         * @param h that block's output [B, C, H, W] in the compute type, owned by the pass (freed when it ends)
         * @param ops convolutions over the same weights
         */
        NDArray after(int block, NDArray h, Ops ops);
    }

    /**
     * Runs {@code before} (e.g. a ControlNet's hint encoder) and then the encoder half on {@code x}, calling
     * {@code tap} after every input block and after the middle block. All temporaries are freed before returning:
     * the tap keeps what it needs by attaching it to a longer scope.
     *
     * @param weights weights holding the encoder half of {@code weights.config()} (other keys may sit beside)
     * @param x [B, inChannels, H, W]
     * @param timesteps [B]
     * @param context [B, T, contextDim]
     * @param y [B, adm] for configs with {@code label_emb}, else null
     */
    public static void run(UNetWeights weights, NDArray x, NDArray timesteps, NDArray context, NDArray y, Tap tap) {
        UNetConfig config = weights.config();
        UNetLayout layout = UNetLayout.of(config);
        DataType dtype = weights.precision().compute();
        ai.djl.Device device = weights.home();
        try (NDManager run = x.getManager().newSubManager(device)) {
            UNetBlocks blocks = new UNetBlocks(weights, weights.options().attention(), null, run);
            Ops ops = new Ops() {
                @Override
                public NDArray conv(NDArray in, String key, int stride) {
                    return Scopes.scoped(() -> blocks.conv(in, key, stride));
                }

                @Override
                public DataType dtype() {
                    return dtype;
                }
            };
            NDArray h = onRun(x, device, dtype, run);
            NDArray ctx = onRun(context, device, dtype, run);
            NDArray yy = y == null ? null : onRun(y, device, dtype, run);
            NDArray t = timesteps.toDevice(device, true);
            t.attach(run);
            NDArray embSilu = blocks.embedding(t, yy, config.modelChannels(), dtype); // [B, 4·modelChannels]
            int index = 0;
            for (List<UNetLayout.Part> block : layout.input()) {
                h = blocks.run(block, h, embSilu, ctx, true, null); // the block's input is not needed again
                h = tap.after(index++, h, ops);
            }
            h = blocks.run(layout.middle(), h, embSilu, ctx, true, null);
            tap.after(MIDDLE, h, ops);
        }
    }

    private static NDArray onRun(NDArray a, ai.djl.Device device, DataType dtype, NDManager run) {
        NDArray r = a.toDevice(device, true).toType(dtype, true);
        r.attach(run);
        return r;
    }
}
