package dev.noodle.engine.keys;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The diffusers family of UNet names: diffusers module paths ↔ the LDM module paths of single-file checkpoints.
 *
 * <p>The mapping follows diffusers' {@code convert_*_to_original} scripts and ComfyUI's
 * {@code utils.unet_to_diffusers}: diffusers level {@code d} of {@code down_blocks} holds LDM {@code input_blocks}
 * {@code 1 + (r+1)·d … } (ResBlock at {@code .0}, transformer at {@code .1}) and its downsampler at
 * {@code input_blocks.(r+1)·(d+1).0.op}; {@code up_blocks} mirror {@code output_blocks} with one more ResBlock per
 * level. Reached through {@link KeyNames}. Stateless and thread-safe.
 */
final class DiffusersUNetNames {
    private static final String[][] RESNET = {
        {"in_layers.0", "norm1"},
        {"in_layers.2", "conv1"},
        {"emb_layers.1", "time_emb_proj"},
        {"out_layers.0", "norm2"},
        {"out_layers.3", "conv2"},
        {"skip_connection", "conv_shortcut"},
    };

    private static final String[] ATTENTION = {"norm", "proj_in", "proj_out"};

    private static final String[] TRANSFORMER_BLOCK = {
        "norm1", "norm2", "norm3", "attn1.to_q", "attn1.to_k", "attn1.to_v", "attn1.to_out.0", "attn2.to_q",
        "attn2.to_k", "attn2.to_v", "attn2.to_out.0", "ff.net.0.proj", "ff.net.2",
    };

    private static final String[][] BASIC = {
        {"input_blocks.0.0", "conv_in"},
        {"time_embed.0", "time_embedding.linear_1"},
        {"time_embed.2", "time_embedding.linear_2"},
        {"label_emb.0.0", "add_embedding.linear_1"},
        {"label_emb.0.2", "add_embedding.linear_2"},
        {"out.0", "conv_norm_out"},
        {"out.2", "conv_out"},
    };

    private DiffusersUNetNames() {}

    /**
     * Diffusers UNet module path → LDM module path (both without {@code .weight}/{@code .bias}), e.g.
     * {@code down_blocks.0.attentions.1.transformer_blocks.0.attn2.to_k} → {@code
     * input_blocks.2.1.transformer_blocks.0.attn2.to_k}.
     */
    static Map<String, String> diffusersToLdm(KeyNames.UNetNaming n) {
        Map<String, String> m = new LinkedHashMap<>();
        int[] depth = n.depthPerLevel();
        int levels = depth.length;
        int r = n.numResBlocks();
        down(m, r, levels, (lv, i) -> depth[lv]);
        middle(m, n.middleDepth());
        for (int up = 0; up < levels; up++) {
            int lv = levels - 1 - up; // up_blocks.0 is the deepest level
            for (int i = 0; i <= r; i++) {
                int block = (r + 1) * up + i;
                resnet(m, "up_blocks." + up + ".resnets." + i, "output_blocks." + block + ".0");
                attention(m, "up_blocks." + up + ".attentions." + i, "output_blocks." + block + ".1", depth[lv]);
                if (i == r && up < levels - 1) {
                    int slot = depth[lv] > 0 ? 2 : 1;
                    m.put("up_blocks." + up + ".upsamplers.0.conv", "output_blocks." + block + "." + slot + ".conv");
                }
            }
        }
        for (String[] b : BASIC) {
            m.put(b[1], b[0]);
        }
        return m;
    }

    /**
     * The encoder half only, as a diffusers {@code ControlNetModel} holds it: {@code conv_in}, {@code
     * time_embedding}, {@code add_embedding}, {@code down_blocks} and {@code mid_block}, with the transformer depth
     * given per input block ({@code levels × numResBlocks} entries, shallow level first) so that uneven depths
     * inside a level map too.
     */
    static Map<String, String> encoderDiffusersToLdm(int numResBlocks, int[] inputDepth, int middleDepth) {
        if (numResBlocks <= 0 || inputDepth.length == 0 || inputDepth.length % numResBlocks != 0) {
            throw new IllegalArgumentException("need levels × " + numResBlocks + " input depths, got "
                    + inputDepth.length);
        }
        Map<String, String> m = new LinkedHashMap<>();
        int[] depth = inputDepth.clone();
        down(m, numResBlocks, depth.length / numResBlocks, (lv, i) -> depth[lv * numResBlocks + i]);
        middle(m, middleDepth);
        for (String[] b : BASIC) {
            if (!b[0].startsWith("out.")) {
                m.put(b[1], b[0]);
            }
        }
        return m;
    }

    private interface BlockDepth {
        int at(int level, int block);
    }

    private static void down(Map<String, String> m, int r, int levels, BlockDepth depth) {
        for (int lv = 0; lv < levels; lv++) {
            for (int i = 0; i < r; i++) {
                int block = 1 + (r + 1) * lv + i;
                resnet(m, "down_blocks." + lv + ".resnets." + i, "input_blocks." + block + ".0");
                attention(m, "down_blocks." + lv + ".attentions." + i, "input_blocks." + block + ".1",
                        depth.at(lv, i));
            }
            if (lv < levels - 1) {
                m.put("down_blocks." + lv + ".downsamplers.0.conv", "input_blocks." + (r + 1) * (lv + 1) + ".0.op");
            }
        }
    }

    private static void middle(Map<String, String> m, int middleDepth) {
        resnet(m, "mid_block.resnets.0", "middle_block.0");
        if (middleDepth > 0) {
            attention(m, "mid_block.attentions.0", "middle_block.1", middleDepth);
            resnet(m, "mid_block.resnets.1", "middle_block.2");
        } else {
            resnet(m, "mid_block.resnets.1", "middle_block.1");
        }
    }

    /** LDM UNet module path → diffusers module path (the inverse of {@link #diffusersToLdm}). */
    static Map<String, String> ldmToDiffusers(KeyNames.UNetNaming n) {
        Map<String, String> inverse = new LinkedHashMap<>();
        diffusersToLdm(n).forEach((d, l) -> inverse.put(l, d));
        return inverse;
    }

    private static void resnet(Map<String, String> m, String diffusers, String ldm) {
        for (String[] p : RESNET) {
            m.put(diffusers + "." + p[1], ldm + "." + p[0]);
        }
    }

    private static void attention(Map<String, String> m, String diffusers, String ldm, int depth) {
        if (depth == 0) {
            return;
        }
        for (String a : ATTENTION) {
            m.put(diffusers + "." + a, ldm + "." + a);
        }
        for (int t = 0; t < depth; t++) {
            for (String b : TRANSFORMER_BLOCK) {
                m.put(diffusers + ".transformer_blocks." + t + "." + b, ldm + ".transformer_blocks." + t + "." + b);
            }
        }
    }
}
