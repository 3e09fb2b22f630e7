package dev.noodle.engine.vae;

import ai.djl.ndarray.NDArray;
import dev.noodle.engine.runtime.Attention;
import dev.noodle.engine.runtime.EngineOptions;
import dev.noodle.engine.runtime.GroupNorm;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The LDM encoder and decoder forward passes over bound weights (Rombach et al. 2022, ldm
 * {@code modules/diffusionmodules/model.py}).
 *
 * <p>Each block runs in its own scope and the previous activation is freed as soon as the next exists, so the
 * peak is about two activations of the largest level plus one block's temporaries. Immutable; thread-safe.
 */
final class VaeNetwork {
    private final VaeConfig config;
    private final Map<String, NDArray> w;
    private final EngineOptions options;

    /** A network over bound weights computing with the kernels {@code options} choose. */
    VaeNetwork(VaeConfig config, Map<String, NDArray> weights, EngineOptions options) {
        this.config = config;
        this.w = weights;
        this.options = options;
    }

    /** A bound weight by LDM name; throws naming the key when absent. */
    NDArray weight(String key) {
        NDArray a = w.get(key);
        if (a == null) {
            throw new IllegalArgumentException("the VAE has no parameter '" + key + "'");
        }
        return a;
    }

    /** Encoder + quant_conv: image x [B, 3, H, W] in [-1, 1] → posterior moments [B, 2·embed, H/f, W/f]. */
    NDArray encodeMoments(NDArray x) {
        NDArray h = step(x, x, a -> conv(a, "encoder.conv_in"));
        for (int i = 0; i < config.levels(); i++) {
            for (int j = 0; j < config.numResBlocks(); j++) {
                String name = "encoder.down." + i + ".block." + j;
                h = step(x, h, a -> resnet(a, name));
            }
            if (i != config.levels() - 1) {
                String name = "encoder.down." + i + ".downsample.conv";
                h = step(x, h, a -> VaeOps.downsample(a, w.get(name + ".weight"), w.get(name + ".bias"),
                        options.convLayout()));
            }
        }
        h = mid(x, h, "encoder.mid");
        h = step(x, h, a -> conv(normSilu(a, "encoder.norm_out"), "encoder.conv_out"));
        return step(x, h, a -> conv(a, "quant_conv"));
    }

    /** post_quant_conv + decoder: unscaled latent z [B, embed, h, w] → image [B, 3, f·h, f·w], about [-1, 1]. */
    NDArray decode(NDArray z) {
        NDArray h = step(z, z, a -> conv(a, "post_quant_conv"));
        h = step(z, h, a -> conv(a, "decoder.conv_in"));
        h = mid(z, h, "decoder.mid");
        for (int i = config.levels() - 1; i >= 0; i--) {
            for (int j = 0; j <= config.numResBlocks(); j++) {
                String name = "decoder.up." + i + ".block." + j;
                h = step(z, h, a -> resnet(a, name));
            }
            if (i != 0) {
                String name = "decoder.up." + i + ".upsample.conv";
                h = step(z, h, a -> VaeOps.upsampleConv(a, w.get(name + ".weight"), w.get(name + ".bias"),
                        options.convLayout()));
            }
        }
        return step(z, h, a -> conv(normSilu(a, "decoder.norm_out"), "decoder.conv_out"));
    }

    private NDArray mid(NDArray input, NDArray h, String prefix) {
        h = step(input, h, a -> resnet(a, prefix + ".block_1"));
        h = step(input, h, a -> attnBlock(a, prefix + ".attn_1"));
        return step(input, h, a -> resnet(a, prefix + ".block_2"));
    }

    /** Applies one block in its own scope and frees {@code h} unless it is the caller's input. */
    private static NDArray step(NDArray input, NDArray h, UnaryOperator<NDArray> block) {
        NDArray next = VaeOps.scoped(() -> block.apply(h));
        if (h != input) {
            h.close();
        }
        return next;
    }

    /** ldm ResnetBlock: x + conv2(swish(norm2(conv1(swish(norm1(x)))))), 1×1 nin_shortcut when channels change. */
    private NDArray resnet(NDArray x, String name) {
        // each temporary is closed as soon as the next one exists: at 512² in the last up block these are 128- and
        // 256-channel images of 134–268 MB, and keeping them to the end of the block doubled the decoder's peak
        NDArray a = normSilu(x, name + ".norm1");
        NDArray h = conv(a, name + ".conv1");
        a.close();
        a = normSilu(h, name + ".norm2");
        h.close();
        h = conv(a, name + ".conv2");
        a.close();
        if (w.containsKey(name + ".nin_shortcut.weight")) {
            NDArray skip = conv(x, name + ".nin_shortcut");
            h.addi(skip);
            skip.close();
            return h;
        }
        return h.addi(x);
    }

    /** ldm AttnBlock: x + proj_out(attention(q, k, v)) over the H·W positions with one head of C channels. */
    private NDArray attnBlock(NDArray x, String name) {
        long[] s = x.getShape().getShape(); // [B, C, H, W]
        NDArray h = norm(x, name + ".norm");
        // one head over the H·W positions: [B, C, H, W] → [B, 1, HW, C]
        NDArray q = conv(h, name + ".q").reshape(s[0], 1, s[1], s[2] * s[3]).transpose(0, 1, 3, 2);
        NDArray k = conv(h, name + ".k").reshape(s[0], 1, s[1], s[2] * s[3]).transpose(0, 1, 3, 2);
        NDArray v = conv(h, name + ".v").reshape(s[0], 1, s[1], s[2] * s[3]).transpose(0, 1, 3, 2);
        NDArray o = Attention.sdpa(q, k, v, options.attention()).transpose(0, 1, 3, 2).reshape(s); // [B, C, H, W]
        return conv(o, name + ".proj_out").addi(x);
    }

    private NDArray conv(NDArray x, String name) {
        return VaeOps.conv(x, w.get(name + ".weight"), w.get(name + ".bias"), options.convLayout());
    }

    private NDArray norm(NDArray x, String name) {
        return GroupNorm.apply(x, VaeConfig.GROUPS, w.get(name + ".weight"), w.get(name + ".bias"), VaeConfig.EPS,
                options.groupNorm());
    }

    /** GroupNorm then swish x·σ(x) (Ramachandran et al. 2017), fused where the runtime allows. */
    private NDArray normSilu(NDArray x, String name) {
        return GroupNorm.applySilu(
                x, VaeConfig.GROUPS, w.get(name + ".weight"), w.get(name + ".bias"), VaeConfig.EPS,
                options.groupNorm());
    }
}
