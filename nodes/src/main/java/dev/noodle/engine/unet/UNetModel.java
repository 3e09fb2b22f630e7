package dev.noodle.engine.unet;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.runtime.Attention;
import dev.noodle.engine.runtime.Devices;
import dev.noodle.engine.runtime.Scopes;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * The Stable Diffusion 1.x/2.x denoising UNet (LDM {@code openaimodel.UNetModel}, Rombach et al. 2022): predicts
 * the noise ε of a latent at a timestep given a cross-attention context.
 *
 * <p>The model is a {@link UNetConfig} plus a {@link UNetWeights}; {@link #withWeights} builds a model over
 * patched weights (LoRA) that shares the unpatched arrays. {@link #forward} is thread-safe (weights are only
 * read) and frees all its temporaries before returning. Closing the model closes its weights.
 */
public final class UNetModel implements AutoCloseable {
    private final UNetConfig config;
    private final UNetWeights weights;
    private final UNetLayout layout;
    private final DataType dtype;
    private final Device device;
    private final AttentionHook hook;

    /** A model over already-bound weights, computing in the weights' dtype on their device. */
    public UNetModel(UNetWeights weights) {
        this(weights, null);
    }

    private UNetModel(UNetWeights weights, AttentionHook hook) {
        this.hook = hook;
        this.config = weights.config();
        this.weights = weights;
        this.layout = UNetLayout.of(config);
        NDArray probe = weights.get("out.2.weight");
        this.dtype = probe.getDataType();
        this.device = probe.getDevice();
    }

    /** Reads the config from the weights' keys and shapes, checks and loads them onto the target. */
    public static UNetModel load(TensorSource source, Devices.Target target) {
        UNetConfig config = UNetConfig.fromWeights(source);
        return new UNetModel(UNetWeights.load(source, config, target));
    }

    /** A model over other weights of the same config (e.g. {@code weights().patched(...)}). */
    public UNetModel withWeights(UNetWeights patched) {
        if (!patched.config().equals(config)) {
            throw new IllegalArgumentException("patched weights have config " + patched.config() + ", model has "
                    + config);
        }
        return new UNetModel(patched, hook);
    }

    /**
     * A model over the same weights whose attention key/value inputs pass through {@code hook} (a hypernetwork), or
     * none when null. The copy shares the weights: close only one of the two.
     */
    public UNetModel withAttentionHook(AttentionHook hook) {
        return new UNetModel(weights, hook);
    }

    /** The config. */
    public UNetConfig config() {
        return config;
    }

    /** The weights. */
    public UNetWeights weights() {
        return weights;
    }

    /** Predicts ε with the attention implementation chosen by {@link Attention#mode()}. */
    public NDArray forward(NDArray x, NDArray timesteps, NDArray context) {
        return forward(x, timesteps, context, Attention.mode());
    }

    /**
     * Predicts the noise ε (LDM {@code UNetModel.forward}).
     *
     * @param x noisy latent [B, inChannels, H, W], H and W divisible by 2^(levels−1)
     * @param timesteps [B] (float; fractional timesteps are fine)
     * @param context cross-attention context [B, T, contextDim]
     * @return ε [B, outChannels, H, W] float32, owned by x's manager
     */
    public NDArray forward(NDArray x, NDArray timesteps, NDArray context, Attention.Mode attention) {
        checkInputs(x, timesteps, context);
        NDManager caller = x.getManager();
        UNetBlocks blocks = new UNetBlocks(weights, attention, hook);
        try (NDManager run = caller.newSubManager(device)) {
            NDArray h = onRun(x, run);
            NDArray ctx = onRun(context, run);
            NDArray t = timesteps.toDevice(device, true);
            t.attach(run);
            NDArray embSilu = Scopes.scoped(() -> {
                NDArray te = TimestepEmbedding.sinusoidal(t, config.modelChannels()).toType(dtype, false);
                NDArray emb = blocks.linear(UNetBlocks.silu(blocks.linear(te, "time_embed.0")), "time_embed.2");
                return UNetBlocks.silu(emb); // every ResBlock's emb_layers start with SiLU
            }); // [B, 4·modelChannels]
            Deque<NDArray> skips = new ArrayDeque<>();
            for (List<UNetLayout.Part> block : layout.input()) {
                h = runBlock(blocks, block, h, embSilu, ctx, false);
                skips.push(h);
            }
            h = runBlock(blocks, layout.middle(), h, embSilu, ctx, false); // its input stays a skip
            for (List<UNetLayout.Part> block : layout.output()) {
                NDArray skip = skips.pop();
                NDArray joined = h.concat(skip, 1); // [B, C + Cskip, H, W]
                h.close();
                skip.close();
                h = runBlock(blocks, block, joined, embSilu, ctx, true);
            }
            NDArray hh = h;
            NDArray eps = Scopes.scoped(() -> {
                NDArray n = dev.noodle.engine.runtime.GroupNorm.applySilu(hh, UNetConfig.NORM_GROUPS,
                        weights.get("out.0.weight"), weights.get("out.0.bias"), UNetBlocks.NORM_EPS);
                NDArray o = blocks.conv3(n, "out.2", 1); // [B, outChannels, H, W]
                return o.toType(DataType.FLOAT32, false).toDevice(x.getDevice(), false);
            });
            eps.attach(caller);
            return eps;
        }
    }

    /** Runs the parts of one block in order; closes the block input when {@code consumeInput}. */
    private NDArray runBlock(UNetBlocks blocks, List<UNetLayout.Part> parts, NDArray in, NDArray embSilu,
            NDArray ctx, boolean consumeInput) {
        NDArray h = in;
        for (UNetLayout.Part part : parts) {
            NDArray next = switch (part) {
                case UNetLayout.Conv c -> blocks.conv3(h, c.path(), 1);
                case UNetLayout.Res r -> blocks.resBlock(h, embSilu, r);
                case UNetLayout.Transformer tr -> blocks.transformer(h, ctx, tr, config.transformerDepth());
                case UNetLayout.Down d -> blocks.down(h, d);
                case UNetLayout.Up u -> blocks.up(h, u);
            };
            if (h != in || consumeInput) {
                h.close();
            }
            h = next;
        }
        return h;
    }

    private NDArray onRun(NDArray a, NDManager run) {
        NDArray r = a.toDevice(device, true).toType(dtype, true);
        r.attach(run);
        return r;
    }

    private void checkInputs(NDArray x, NDArray timesteps, NDArray context) {
        Shape xs = x.getShape();
        int factor = 1 << (config.channelMult().length - 1);
        if (xs.dimension() != 4 || xs.get(1) != config.inChannels() || xs.get(2) % factor != 0
                || xs.get(3) % factor != 0) {
            throw new IllegalArgumentException("UNet input must be [B, " + config.inChannels() + ", H, W] with H and W"
                    + " divisible by " + factor + ", got " + xs);
        }
        Shape ts = timesteps.getShape();
        if (ts.dimension() != 1 || ts.get(0) != xs.get(0)) {
            throw new IllegalArgumentException("timesteps must be [" + xs.get(0) + "], got " + ts);
        }
        Shape cs = context.getShape();
        if (cs.dimension() != 3 || cs.get(0) != xs.get(0) || cs.get(2) != config.contextDim()) {
            throw new IllegalArgumentException("context must be [" + xs.get(0) + ", T, " + config.contextDim()
                    + "], got " + cs + " (does the text encoder match this model?)");
        }
    }

    @Override
    public void close() {
        weights.close();
    }
}
