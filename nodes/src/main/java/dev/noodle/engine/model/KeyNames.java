package dev.noodle.engine.model;

import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every key renaming of the engine in one place: LDM UNet keys ↔ diffusers UNet module names, LDM/diffusers module
 * paths → kohya LoRA names ({@code lora_unet_…}, {@code lora_te_…}, {@code lora_te1_…}/{@code lora_te2_…}), and the
 * diffusers/PEFT LoRA names ({@code unet.…}, {@code text_encoder.…}, {@code text_encoder_2.…}).
 *
 * <p>The mapping follows diffusers' {@code convert_*_to_original} scripts and ComfyUI's
 * {@code utils.unet_to_diffusers} / {@code lora.model_lora_keys_*}: diffusers level {@code d} of {@code down_blocks}
 * holds LDM {@code input_blocks} {@code 1 + (r+1)·d … } (ResBlock at {@code .0}, transformer at {@code .1}) and its
 * downsampler at {@code input_blocks.(r+1)·(d+1).0.op}; {@code up_blocks} mirror {@code output_blocks} with one
 * more ResBlock per level. Stateless and thread-safe.
 */
public final class KeyNames {
    /** Kohya prefix of UNet LoRA modules. */
    public static final String KOHYA_UNET = "lora_unet_";
    /** Kohya prefix of the (first) text encoder's LoRA modules. */
    public static final String KOHYA_TE = "lora_te_";
    /** Kohya prefix of SDXL's CLIP-L LoRA modules. */
    public static final String KOHYA_TE1 = "lora_te1_";
    /** Kohya prefix of SDXL's OpenCLIP bigG LoRA modules. */
    public static final String KOHYA_TE2 = "lora_te2_";

    /** The HF CLIP linear modules of one encoder layer, with their kohya spellings. */
    private static final String[][] CLIP_MODULES = {
        {"self_attn.q_proj", "self_attn_q_proj"},
        {"self_attn.k_proj", "self_attn_k_proj"},
        {"self_attn.v_proj", "self_attn_v_proj"},
        {"self_attn.out_proj", "self_attn_out_proj"},
        {"mlp.fc1", "mlp_fc1"},
        {"mlp.fc2", "mlp_fc2"},
    };

    private static final Pattern CLIP_LAYER_WEIGHT =
            Pattern.compile("encoder\\.layers\\.(\\d+)\\.(.+)\\.weight");

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

    /** Which set of weights a LoRA target lives in. */
    public enum Component {
        /** The diffusion UNet (keys relative to {@code model.diffusion_model.}). */
        UNET,
        /** The text encoder of SD1/SD2, or SDXL's CLIP-L (HF CLIP keys relative to {@code text_model.}). */
        TEXT,
        /** SDXL's second text encoder, OpenCLIP bigG (HF CLIP keys relative to {@code text_model.}). */
        TEXT2
    }

    /**
     * One weight a LoRA module patches.
     *
     * @param component where the weight lives
     * @param key the weight key relative to the component (e.g. {@code input_blocks.1.1.proj_in.weight} or
     *     {@code encoder.layers.0.self_attn.q_proj.weight})
     */
    public record Target(Component component, String key) {
        @Override
        public String toString() {
            return component.name().toLowerCase(Locale.ROOT) + ":" + key;
        }
    }

    /**
     * The block structure that fixes the UNet's module names.
     *
     * @param numResBlocks ResBlocks per level on the way down (SD1/SD2/SDXL: 2)
     * @param depthPerLevel BasicTransformerBlocks per SpatialTransformer at each level (0 = no attention)
     * @param middleDepth transformer depth of the middle block (0 = no middle transformer)
     */
    public record UNetNaming(int numResBlocks, int[] depthPerLevel, int middleDepth) {
        public UNetNaming {
            depthPerLevel = depthPerLevel.clone();
        }

        @Override
        public int[] depthPerLevel() {
            return depthPerLevel.clone();
        }

        /** SD 1.x and 2.x: four levels, attention with depth 1 on the first three. */
        public static UNetNaming sd15() {
            return new UNetNaming(2, new int[] {1, 1, 1, 0}, 1);
        }

        /** SDXL base: three levels, transformer depth 0, 2, 10; middle depth 10. */
        public static UNetNaming sdxl() {
            return new UNetNaming(2, new int[] {0, 2, 10}, 10);
        }

        /** From per-level attention flags and one transformer depth (the {@code UNetConfig} fields). */
        public static UNetNaming of(int numResBlocks, boolean[] attentionLevels, int transformerDepth) {
            int[] d = new int[attentionLevels.length];
            for (int i = 0; i < d.length; i++) {
                d[i] = attentionLevels[i] ? transformerDepth : 0;
            }
            return new UNetNaming(numResBlocks, d, transformerDepth);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof UNetNaming n && n.numResBlocks == numResBlocks && n.middleDepth == middleDepth
                    && Arrays.equals(n.depthPerLevel, depthPerLevel);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(depthPerLevel) * 31 + numResBlocks * 7 + middleDepth;
        }

        @Override
        public String toString() {
            return "UNetNaming[res=" + numResBlocks + ", depth=" + Arrays.toString(depthPerLevel) + ", middle="
                    + middleDepth + "]";
        }
    }

    private KeyNames() {}

    /**
     * Diffusers UNet module path → LDM module path (both without {@code .weight}/{@code .bias}), e.g.
     * {@code down_blocks.0.attentions.1.transformer_blocks.0.attn2.to_k} → {@code
     * input_blocks.2.1.transformer_blocks.0.attn2.to_k}.
     */
    public static Map<String, String> diffusersToLdmUnet(UNetNaming n) {
        Map<String, String> m = new LinkedHashMap<>();
        int[] depth = n.depthPerLevel;
        int levels = depth.length;
        int r = n.numResBlocks;
        for (int lv = 0; lv < levels; lv++) {
            for (int i = 0; i < r; i++) {
                int block = 1 + (r + 1) * lv + i;
                resnet(m, "down_blocks." + lv + ".resnets." + i, "input_blocks." + block + ".0");
                attention(m, "down_blocks." + lv + ".attentions." + i, "input_blocks." + block + ".1", depth[lv]);
            }
            if (lv < levels - 1) {
                m.put("down_blocks." + lv + ".downsamplers.0.conv", "input_blocks." + (r + 1) * (lv + 1) + ".0.op");
            }
        }
        resnet(m, "mid_block.resnets.0", "middle_block.0");
        if (n.middleDepth > 0) {
            attention(m, "mid_block.attentions.0", "middle_block.1", n.middleDepth);
            resnet(m, "mid_block.resnets.1", "middle_block.2");
        } else {
            resnet(m, "mid_block.resnets.1", "middle_block.1");
        }
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

    /** LDM UNet module path → diffusers module path (the inverse of {@link #diffusersToLdmUnet}). */
    public static Map<String, String> ldmToDiffusersUnet(UNetNaming n) {
        Map<String, String> inverse = new LinkedHashMap<>();
        diffusersToLdmUnet(n).forEach((d, l) -> inverse.put(l, d));
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

    /** Kohya LoRA module name of a UNet module path (LDM or diffusers): {@code lora_unet_} + path with _ for dots. */
    public static String kohyaUnet(String modulePath) {
        return KOHYA_UNET + modulePath.replace('.', '_');
    }

    /** Kohya name of an HF CLIP module, e.g. ({@code lora_te_}, 3, {@code mlp.fc1}) → {@code …layers_3_mlp_fc1}. */
    public static String kohyaClip(String prefix, int layer, String hfModule) {
        return prefix + "text_model_encoder_layers_" + layer + "_" + hfModule.replace('.', '_');
    }

    /** HF CLIP weight key (relative to {@code text_model.}) of an encoder layer's linear module. */
    public static String clipWeightKey(int layer, String hfModule) {
        return "encoder.layers." + layer + "." + hfModule + ".weight";
    }

    /**
     * Every LoRA module name this base model understands, mapped to the weight it patches: kohya names for LDM and
     * diffusers UNet paths, diffusers/PEFT names ({@code unet.…}, bare diffusers paths, {@code text_encoder.…}), and
     * kohya text-encoder names. Only names whose target weight exists in the given key sets are returned.
     *
     * @param unetKeys UNet weight keys relative to {@code model.diffusion_model.} (empty when not patching a UNet)
     * @param naming the UNet's block structure (for diffusers names), or null to skip diffusers names
     * @param textKeys HF CLIP keys of the first text encoder relative to {@code text_model.} (may be empty)
     * @param text2Keys HF CLIP keys of SDXL's second text encoder (empty for SD1/SD2)
     */
    public static Map<String, Target> loraModuleTargets(Collection<String> unetKeys, UNetNaming naming,
            Collection<String> textKeys, Collection<String> text2Keys) {
        Map<String, Target> m = new LinkedHashMap<>();
        Set<String> unet = new HashSet<>(unetKeys);
        for (String k : unetKeys) {
            if (k.endsWith(".weight")) {
                String module = k.substring(0, k.length() - ".weight".length());
                m.put(kohyaUnet(module), new Target(Component.UNET, k));
            }
        }
        if (naming != null) {
            diffusersToLdmUnet(naming).forEach((diff, ldm) -> {
                String key = ldm + ".weight";
                if (unet.contains(key)) {
                    Target t = new Target(Component.UNET, key);
                    m.putIfAbsent(kohyaUnet(diff), t);
                    m.putIfAbsent("unet." + diff, t);
                    m.putIfAbsent(diff, t);
                }
            });
        }
        boolean xl = !text2Keys.isEmpty();
        addClip(m, textKeys, Component.TEXT, xl ? new String[] {KOHYA_TE1, KOHYA_TE} : new String[] {KOHYA_TE},
                "text_encoder.");
        addClip(m, text2Keys, Component.TEXT2, new String[] {KOHYA_TE2}, "text_encoder_2.");
        return m;
    }

    private static void addClip(Map<String, Target> m, Collection<String> keys, Component c, String[] kohyaPrefixes,
            String peftPrefix) {
        for (String key : keys) {
            Matcher x = CLIP_LAYER_WEIGHT.matcher(key);
            if (!x.matches()) {
                continue;
            }
            int layer = Integer.parseInt(x.group(1));
            for (String[] mod : CLIP_MODULES) {
                if (mod[0].equals(x.group(2))) {
                    Target t = new Target(c, key);
                    for (String p : kohyaPrefixes) {
                        m.put(kohyaClip(p, layer, mod[0]), t);
                    }
                    m.put(peftPrefix + "text_model.encoder.layers." + layer + "." + mod[0], t);
                }
            }
        }
    }
}
