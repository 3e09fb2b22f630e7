package dev.noodle.engine.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import dev.noodle.engine.runtime.Attention;
import dev.noodle.engine.runtime.ConvLayout;
import dev.noodle.engine.runtime.GroupNorm;
import dev.noodle.engine.runtime.Scopes;
import dev.noodle.engine.runtime.TorchOps;

/**
 * The LDM UNet building blocks (ResBlock, SpatialTransformer with BasicTransformerBlocks, Down/Upsample) as pure
 * functions of a {@link UNetWeights} and a key path. Every block runs in its own {@link Scopes#scoped} scope, so
 * its temporaries are freed as soon as it returns; the result lives in the manager of the block's input. Weights
 * are fetched in the compute type through {@link UNetWeights#compute}, so fp16-stored weights are widened inside
 * the block's scope and freed with it. One instance serves one forward pass (it holds that pass's manager).
 */
final class UNetBlocks {
    /** GroupNorm epsilon of LDM's GroupNorm32 (torch default). */
    static final double NORM_EPS = 1e-5;
    /** GroupNorm epsilon of SpatialTransformer.norm. */
    static final double TRANSFORMER_NORM_EPS = 1e-6;
    /** LayerNorm epsilon (torch default). */
    static final float LAYER_NORM_EPS = 1e-5f;

    private static final Shape ONE = new Shape(1, 1);
    private static final Shape TWO = new Shape(2, 2);
    private static final Shape NO_PAD = new Shape(0, 0);

    private final UNetWeights w;
    private final Attention.Mode attention;
    private final GroupNorm.Mode groupNorm;
    private final ConvLayout convLayout;
    private final AttentionHook hook;
    private final UNetPatches patches;
    private final NDManager run;

    /**
     * @param hook replaces attention key/value inputs (hypernetworks), or null
     * @param run the forward pass's manager: widened weight copies belong to it (and to the current scope)
     */
    UNetBlocks(UNetWeights weights, Attention.Mode attention, AttentionHook hook, NDManager run) {
        this(weights, attention, hook, UNetPatches.NONE, run);
    }

    /**
     * @param hook replaces attention key/value inputs (hypernetworks), or null
     * @param patches the pass's transformer patches (IP-Adapter, GLIGEN); control residuals are the model's part
     * @param run the forward pass's manager
     */
    UNetBlocks(UNetWeights weights, Attention.Mode attention, AttentionHook hook, UNetPatches patches,
            NDManager run) {
        this.patches = patches == null ? UNetPatches.NONE : patches;
        this.w = weights;
        this.attention = attention;
        this.groupNorm = weights.options().groupNorm();
        this.convLayout = weights.options().convLayout();
        this.hook = hook;
        this.run = run;
    }

    /** A weight in the compute type (call inside a {@link Scopes#scoped} block). */
    NDArray weight(String key) {
        return w.compute(key, run);
    }

    /**
     * 3×3 convolution, padding 1: [B, Cin, H, W] → [B, Cout, H/stride, W/stride]. Runs in channels-last memory
     * order (oneDNN's fast path on the CPU: 1.5–2.3× faster at 320–640 channels here); the result stays channels-last,
     * so the next convolution needs no conversion, and every other op sees the same logical [B, C, H, W] values.
     */
    NDArray conv3(NDArray x, String key, int stride) {
        Shape s = stride == 1 ? ONE : TWO;
        return Conv2d.conv2d(TorchOps.forConv(x, x.getManager(), convLayout),
                TorchOps.forConv(weight(key + ".weight"), run, convLayout),
                weight(key + ".bias"), s, ONE, ONE, 1).singletonOrThrow();
    }

    private NDArray conv1(NDArray x, String key) {
        return Conv2d.conv2d(TorchOps.forConv(x, x.getManager(), convLayout),
                TorchOps.forConv(weight(key + ".weight"), run, convLayout),
                weight(key + ".bias"), ONE, NO_PAD, ONE, 1).singletonOrThrow();
    }

    /** x·Wᵀ + b over the last axis; a 1×1 conv weight [O, I, 1, 1] is used as the matrix [O, I]. */
    NDArray linear(NDArray x, String key) {
        NDArray m = weight(key + ".weight");
        if (m.getShape().dimension() == 4) {
            m = m.reshape(m.getShape().get(0), m.getShape().get(1));
        }
        String bias = key + ".bias";
        return w.keys().contains(bias)
                ? Linear.linear(x, m, weight(bias)).singletonOrThrow()
                : Linear.linear(x, m).singletonOrThrow();
    }

    private NDArray layerNorm(NDArray x, String key) {
        NDArray g = weight(key + ".weight");
        return LayerNorm.layerNorm(x, g.getShape(), g, weight(key + ".bias"), LAYER_NORM_EPS).singletonOrThrow();
    }

    private NDArray groupNormSilu(NDArray x, String key) {
        return GroupNorm.applySilu(x, UNetConfig.NORM_GROUPS, weight(key + ".weight"), weight(key + ".bias"),
                NORM_EPS, groupNorm);
    }

    /**
     * ResBlock (Ho et al. 2020 / LDM openaimodel): h = conv(SiLU(GN(x))); h += Linear(SiLU(emb)); h =
     * conv(SiLU(GN(h))); return skip(x) + h.
     *
     * @param x [B, Cin, H, W]
     * @param embSilu SiLU of the time embedding, [B, 4·modelChannels] (shared by all ResBlocks)
     * @return [B, Cout, H, W]
     */
    NDArray resBlock(NDArray x, NDArray embSilu, UNetLayout.Res part) {
        String p = part.path() + ".";
        return Scopes.scoped(() -> {
            NDArray h = conv3(groupNormSilu(x, p + "in_layers.0"), p + "in_layers.2", 1); // [B, Cout, H, W]
            NDArray e = linear(embSilu, p + "emb_layers.1"); // [B, Cout]
            h = h.add(e.reshape(e.getShape().get(0), e.getShape().get(1), 1, 1));
            h = conv3(groupNormSilu(h, p + "out_layers.0"), p + "out_layers.3", 1);
            NDArray skip = part.in() != part.out() ? conv1(x, p + "skip_connection") : x;
            return skip.add(h);
        });
    }

    /**
     * SpatialTransformer (Rombach et al. 2022, LDM attention.py): GN, proj_in, BasicTransformerBlocks over the
     * H·W tokens with cross-attention to the context, proj_out, residual.
     *
     * @param x [B, C, H, W]
     * @param context [B, T, contextDim]
     * @return [B, C, H, W] after {@code part.depth()} BasicTransformerBlocks
     */
    NDArray transformer(NDArray x, NDArray context, UNetLayout.Transformer part) {
        String p = part.path() + ".";
        return Scopes.scoped(() -> {
            Shape s = x.getShape();
            long b = s.get(0);
            long c = s.get(1);
            long hw = s.get(2) * s.get(3);
            NDArray n = GroupNorm.apply(x, UNetConfig.NORM_GROUPS, weight(p + "norm.weight"),
                    weight(p + "norm.bias"), TRANSFORMER_NORM_EPS, groupNorm); // [B, C, H, W]
            NDArray t = linear(n.reshape(b, c, hw).transpose(0, 2, 1), p + "proj_in"); // [B, HW, C]
            n.close(); // read once, by proj_in
            for (int d = 0; d < part.depth(); d++) {
                // each block's input is freed as soon as the next block's output exists: SDXL's depth-10 blocks no
                // longer keep ten token arrays alive, nor leave them between the blocks' temporaries
                NDArray next = basicBlock(t, context, site(part, d), part.heads());
                t.close();
                t = next;
            }
            t = linear(t, p + "proj_out"); // [B, HW, C]
            return t.transpose(0, 2, 1).reshape(s).add(x);
        });
    }

    // The site of BasicTransformerBlock d of a SpatialTransformer at "input_blocks.i.1", "middle_block.1" or
    // "output_blocks.i.1".
    private TransformerSite site(UNetLayout.Transformer part, int d) {
        String[] parts = part.path().split("\\.");
        String kind = parts[0].equals("middle_block") ? "middle"
                : parts[0].equals("input_blocks") ? "input" : "output";
        int index = kind.equals("middle") ? 0 : Integer.parseInt(parts[1]);
        return new TransformerSite(part.path() + ".transformer_blocks." + d, kind, index, d, part.heads(),
                attention);
    }

    /**
     * BasicTransformerBlock: x += attn1(LN1(x)); [token patches]; x += attn2(LN2(x), ctx) [+ cross-attention
     * patches before to_out]; x += FF(LN3(x)); x [B, N, C].
     */
    private NDArray basicBlock(NDArray x, NDArray context, TransformerSite site, int heads) {
        String p = site.path() + ".";
        return Scopes.scoped(() -> {
            NDArray h = x.add(selfAttention(layerNorm(x, p + "norm1"), p + "attn1.", heads));
            for (UNetPatches.TokenPatch patch : patches.afterSelfAttention()) {
                h = patch.apply(site, h);
            }
            h = h.add(crossAttention(layerNorm(h, p + "norm2"), context, p + "attn2.", heads, site));
            // GEGLU feed-forward (Shazeer 2020): Linear(C→8C), a·GELU(g), Linear(4C→C)
            NDArray ff = linear(TorchOps.geglu(linear(layerNorm(h, p + "norm3"), p + "ff.net.0.proj")), p + "ff.net.2");
            return h.add(ff);
        });
    }

    // [B, N, C] -> [B, N, C]
    private NDArray selfAttention(NDArray x, String p, int heads) {
        NDArray q = linear(x, p + "to_q");
        AttentionHook.KeyValue kv = hook == null ? null : hook.apply(x, false);
        NDArray k = linear(kv == null ? x : kv.k(), p + "to_k");
        NDArray v = linear(kv == null ? x : kv.v(), p + "to_v");
        return linear(Attention.multiHead(q, k, v, heads, attention), p + "to_out.0");
    }

    // x [B, N, C], context [B, T, D] -> [B, N, C]. Keys/values come only from the context (or the hook's
    // transform of it: A1111 hypernetworks).
    private NDArray crossAttention(NDArray x, NDArray context, String p, int heads, TransformerSite site) {
        NDArray q = linear(x, p + "to_q");
        AttentionHook.KeyValue kv = hook == null ? null : hook.apply(context, true);
        NDArray k = linear(kv == null ? context : kv.k(), p + "to_k");
        NDArray v = linear(kv == null ? context : kv.v(), p + "to_v");
        NDArray out = Attention.multiHead(q, k, v, heads, attention); // [B, N, inner]
        for (UNetPatches.CrossAttentionPatch patch : patches.crossAttention()) {
            NDArray extra = patch.extra(site, q, context);
            if (extra != null) {
                out = out.add(extra.toType(out.getDataType(), false));
            }
        }
        return linear(out, p + "to_out.0");
    }

    /** Downsample: 3×3 conv with stride 2: [B, C, H, W] → [B, C, H/2, W/2]. */
    NDArray down(NDArray x, UNetLayout.Down part) {
        return Scopes.scoped(() -> conv3(x, part.path() + ".op", 2));
    }

    /**
     * Upsample: nearest resize to the size of the skip connection it is joined with next, then 3×3 conv:
     * [B, C, H, W] → [B, C, h, w]. The stride-2 downsample rounds odd sizes up (⌈n/2⌉), so (h, w) is (2H, 2W)
     * or one less; LDM/SGM openaimodel {@code Upsample.forward(x, output_shape)} interpolates to that shape.
     */
    NDArray up(NDArray x, UNetLayout.Up part, long h, long w) {
        return Scopes.scoped(() -> {
            Shape s = x.getShape();
            NDArray up = s.get(2) * 2 == h && s.get(3) * 2 == w
                    ? TorchOps.upsampleNearest2x(x)
                    : TorchOps.upsampleNearest(x, h, w);
            return conv3(up, part.path() + ".conv", 1);
        });
    }

    /**
     * SiLU of the embedding every ResBlock takes (LDM/SGM {@code UNetModel.forward}): time_embed(sinusoidal(t)),
     * plus label_emb(y) when y is given (SDXL).
     *
     * @param t timesteps [B] on the weights' device
     * @param y [B, adm] in the compute type, or null
     * @return [B, 4·modelChannels]
     */
    NDArray embedding(NDArray t, NDArray y, int modelChannels, ai.djl.ndarray.types.DataType dtype) {
        return Scopes.scoped(() -> {
            NDArray te = TimestepEmbedding.sinusoidal(t, modelChannels).toType(dtype, false);
            NDArray emb = linear(silu(linear(te, "time_embed.0")), "time_embed.2");
            if (y != null) {
                // SGM: emb = emb + label_emb(y), label_emb = Linear, SiLU, Linear
                emb = emb.add(linear(silu(linear(y, "label_emb.0.0")), "label_emb.0.2"));
            }
            return silu(emb); // every ResBlock's emb_layers start with SiLU
        });
    }

    /**
     * Runs the parts of one block in order; closes the block input when {@code consumeInput}. An upsample resizes
     * to {@code upTo}'s height and width ([B, C, H, W] of the next skip), or doubles when it is null.
     */
    NDArray run(java.util.List<UNetLayout.Part> parts, NDArray in, NDArray embSilu, NDArray ctx,
            boolean consumeInput, Shape upTo) {
        NDArray h = in;
        for (UNetLayout.Part part : parts) {
            NDArray next = switch (part) {
                case UNetLayout.Conv c -> {
                    NDArray hh = h;
                    yield Scopes.scoped(() -> conv3(hh, c.path(), 1));
                }
                case UNetLayout.Res r -> resBlock(h, embSilu, r);
                case UNetLayout.Transformer tr -> transformer(h, ctx, tr);
                case UNetLayout.Down d -> down(h, d);
                case UNetLayout.Up u -> up(h, u, upTo == null ? 2 * h.getShape().get(2) : upTo.get(2),
                        upTo == null ? 2 * h.getShape().get(3) : upTo.get(3));
            };
            if (h != in || consumeInput) {
                h.close();
            }
            h = next;
        }
        return h;
    }

    /**
     * A square convolution whose padding keeps the size (k/2: 3×3 pad 1, 1×1 pad 0) with the given stride:
     * [B, Cin, H, W] → [B, Cout, ⌈H/stride⌉, ⌈W/stride⌉].
     */
    NDArray conv(NDArray x, String key, int stride) {
        NDArray k = weight(key + ".weight");
        long size = k.getShape().get(2);
        Shape pad = new Shape(size / 2, size / 2);
        return Conv2d.conv2d(TorchOps.forConv(x, x.getManager(), convLayout), TorchOps.forConv(k, run, convLayout),
                weight(key + ".bias"), stride == 1 ? ONE : TWO, pad, ONE, 1).singletonOrThrow();
    }

    /** SiLU x·σ(x). */
    static NDArray silu(NDArray x) {
        return Activation.swish(x, 1f);
    }
}
