package dev.noodle.engine.unet;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.memory.InferenceMemory;
import dev.noodle.engine.memory.ModelPlacement;
import dev.noodle.engine.runtime.Attention;
import dev.noodle.engine.runtime.Devices;
import dev.noodle.engine.runtime.Scopes;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * The Stable Diffusion 1.x/2.x/XL denoising UNet (LDM/SGM {@code openaimodel.UNetModel}, Rombach et al. 2022;
 * Podell et al. 2023 for SDXL): predicts the noise ε of a latent at a timestep given a cross-attention context
 * and, for SDXL, a vector y (pooled text embedding and size conditioning) added to the time embedding.
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
    private final List<UNetPatchSource> patchSources;

    /** A model over already-bound weights, computing in the weights' dtype on their device. */
    public UNetModel(UNetWeights weights) {
        this(weights, null, List.of());
    }

    private UNetModel(UNetWeights weights, AttentionHook hook, List<UNetPatchSource> patchSources) {
        this.hook = hook;
        this.patchSources = List.copyOf(patchSources);
        this.config = weights.config();
        this.weights = weights;
        this.layout = UNetLayout.of(config);
        this.dtype = weights.precision().compute();
        this.device = weights.home();
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
        return new UNetModel(patched, hook, patchSources);
    }

    /**
     * A model over the same weights whose attention key/value inputs pass through {@code hook} (a hypernetwork), or
     * none when null. The copy shares the weights: close only one of the two.
     */
    public UNetModel withAttentionHook(AttentionHook hook) {
        return new UNetModel(weights, hook, patchSources);
    }

    /**
     * A model over the same weights whose every sampling call also applies {@code source}'s patches (an
     * IP-Adapter: a model patch, as ComfyUI's attn2 patches), after those it has. Shares the weights: close only one.
     */
    public UNetModel withPatchSource(UNetPatchSource source) {
        List<UNetPatchSource> all = new java.util.ArrayList<>(patchSources);
        all.add(source);
        return new UNetModel(weights, hook, all);
    }

    /** The model-level patch sources, in the order added; the sampler's conditioning adds its own. */
    public List<UNetPatchSource> patchSources() {
        return patchSources;
    }

    /** The attention hook (a hypernetwork) applied by this model, or null: weights alone do not describe it. */
    public AttentionHook attentionHook() {
        return hook;
    }

    /** The config. */
    public UNetConfig config() {
        return config;
    }

    /** The weights. */
    public UNetWeights weights() {
        return weights;
    }

    /** Predicts ε of a model without {@code label_emb}, with the attention its weights' options choose. */
    public NDArray forward(NDArray x, NDArray timesteps, NDArray context) {
        return forward(x, timesteps, context, null, weights.options().attention());
    }

    /** Predicts ε of a model without {@code label_emb} with the given attention implementation. */
    public NDArray forward(NDArray x, NDArray timesteps, NDArray context, Attention.Mode attention) {
        return forward(x, timesteps, context, null, attention);
    }

    /** Predicts ε with y (null for models without {@code label_emb}) and the attention its weights' options choose. */
    public NDArray forward(NDArray x, NDArray timesteps, NDArray context, NDArray y) {
        return forward(x, timesteps, context, y, weights.options().attention());
    }

    /**
     * Predicts the noise ε (LDM/SGM {@code UNetModel.forward}): emb = time_embed(sinusoidal(t)) [+ label_emb(y)].
     *
     * @param x noisy latent [B, inChannels, H, W], any H and W (ComfyUI sizes: 8-pixel multiples, so latents of
     *     any size; each downsample rounds an odd size up and the matching upsample returns to it)
     * @param timesteps [B] (float; fractional timesteps are fine)
     * @param context cross-attention context [B, T, contextDim]
     * @param y [B, admInChannels] for models with {@code label_emb} (SDXL: pooled ‖ size embeddings, 2816), null
     *     for the others
     * @return ε [B, outChannels, H, W] float32, owned by x's manager
     */
    public NDArray forward(NDArray x, NDArray timesteps, NDArray context, NDArray y, Attention.Mode attention) {
        return forward(x, timesteps, context, y, attention, UNetPatches.NONE);
    }

    /** Predicts ε with y (or null), the weights' attention and {@code patches} (controls, adapters). */
    public NDArray forward(NDArray x, NDArray timesteps, NDArray context, NDArray y, UNetPatches patches) {
        return forward(x, timesteps, context, y, weights.options().attention(), patches);
    }

    /**
     * Predicts ε as {@link #forward(NDArray, NDArray, NDArray, NDArray, Attention.Mode)}, adding {@code patches}:
     * control residuals where LDM's {@code apply_control} adds them (input block outputs, the middle block's output,
     * skip connections as the output blocks take them) and the transformer patches inside every
     * BasicTransformerBlock. A residual whose size differs from the feature map it should join is skipped with a
     * warning, as ComfyUI does.
     */
    public NDArray forward(NDArray x, NDArray timesteps, NDArray context, NDArray y, Attention.Mode attention,
            UNetPatches patches) {
        checkInputs(x, timesteps, context, y);
        Shape xs = x.getShape();
        long work = InferenceMemory.denoise(xs.get(0), xs.get(2), xs.get(3), dtype.getNumOfBytes());
        // on a GPU the weights move in first (and other models out when they would not fit), with one retry
        // after running out of memory; on the CPU this runs the pass directly
        return ModelPlacement.onHome("UNet pass on " + xs, weights.stores(), work,
                () -> forwardHere(x, timesteps, context, y, attention, patches));
    }

    private NDArray forwardHere(NDArray x, NDArray timesteps, NDArray context, NDArray y, Attention.Mode attention,
            UNetPatches patches) {
        UNetPatches p = patches == null ? UNetPatches.NONE : patches;
        ControlResiduals control = p.control();
        NDManager caller = x.getManager();
        try (NDManager run = caller.newSubManager(device)) {
            UNetBlocks blocks = new UNetBlocks(weights, attention, hook, p, run);
            NDArray h = onRun(x, run);
            NDArray ctx = onRun(context, run);
            NDArray yy = y == null ? null : onRun(y, run);
            NDArray t = timesteps.toDevice(device, true);
            t.attach(run);
            NDArray embSilu = blocks.embedding(t, yy, config.modelChannels(), dtype); // [B, 4·modelChannels]
            Deque<NDArray> skips = new ArrayDeque<>();
            int index = 0;
            for (List<UNetLayout.Part> block : layout.input()) {
                h = blocks.run(block, h, embSilu, ctx, false, null);
                h = addControl(h, control.inputAt(index), "input block " + index, run);
                skips.push(h);
                index++;
            }
            h = blocks.run(layout.middle(), h, embSilu, ctx, false, null); // its input stays a skip
            h = addControl(h, control.middle(), "middle block", run);
            for (List<UNetLayout.Part> block : layout.output()) {
                index--;
                NDArray skip = addControl(skips.pop(), control.outputAt(index), "skip " + index, run);
                NDArray joined = h.concat(skip, 1); // [B, C + Cskip, H, W]
                h.close();
                skip.close();
                // an upsample in this block resizes to the next skip's size (odd sizes: ⌈n/2⌉ on the way down)
                Shape next = skips.isEmpty() ? null : skips.peek().getShape();
                h = blocks.run(block, joined, embSilu, ctx, true, next);
            }
            NDArray hh = h;
            NDArray eps = Scopes.scoped(() -> {
                NDArray n = dev.noodle.engine.runtime.GroupNorm.applySilu(hh, UNetConfig.NORM_GROUPS,
                        blocks.weight("out.0.weight"), blocks.weight("out.0.bias"), UNetBlocks.NORM_EPS,
                        weights.options().groupNorm());
                NDArray o = blocks.conv3(n, "out.2", 1); // [B, outChannels, H, W]
                return o.toType(DataType.FLOAT32, false).toDevice(x.getDevice(), false);
            });
            eps.attach(caller);
            return eps;
        }
    }

    // h + residual in the compute type; h is closed when a residual was added.
    private NDArray addControl(NDArray h, NDArray residual, String where, NDManager run) {
        if (residual == null) {
            return h;
        }
        if (!residual.getShape().equals(h.getShape())) {
            if (!residual.getShape().slice(1).equals(h.getShape().slice(1))
                    || residual.getShape().get(0) != 1 && residual.getShape().get(0) != h.getShape().get(0)) {
                System.getLogger(UNetModel.class.getName()).log(System.Logger.Level.WARNING,
                        "control residual " + residual.getShape() + " does not fit the " + where + " features "
                                + h.getShape() + "; it is left out");
                return h;
            }
        }
        NDArray r = residual.toDevice(device, false).toType(dtype, false);
        NDArray sum = h.add(r);
        sum.attach(run);
        if (r != residual) {
            r.close();
        }
        h.close();
        return sum;
    }

    private NDArray onRun(NDArray a, NDManager run) {
        NDArray r = a.toDevice(device, true).toType(dtype, true);
        r.attach(run);
        return r;
    }

    private void checkInputs(NDArray x, NDArray timesteps, NDArray context, NDArray y) {
        Shape xs = x.getShape();
        if (xs.dimension() != 4 || xs.get(1) != config.inChannels() || xs.get(2) < 1 || xs.get(3) < 1) {
            throw new IllegalArgumentException("UNet input must be [B, " + config.inChannels() + ", H, W], got " + xs);
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
        if (config.hasLabelEmbedding() && y == null) {
            throw new IllegalArgumentException("this UNet has label_emb (SDXL-style): it needs y [" + xs.get(0) + ", "
                    + config.admInChannels() + "] (pooled text embedding and size conditioning)");
        }
        if (!config.hasLabelEmbedding() && y != null) {
            throw new IllegalArgumentException("this UNet has no label_emb, so it takes no y (got " + y.getShape()
                    + "); pass null");
        }
        if (y != null && (y.getShape().dimension() != 2 || y.getShape().get(0) != xs.get(0)
                || y.getShape().get(1) != config.admInChannels())) {
            throw new IllegalArgumentException("y must be [" + xs.get(0) + ", " + config.admInChannels() + "], got "
                    + y.getShape());
        }
    }

    @Override
    public void close() {
        weights.close();
    }
}
