package dev.noodle.engine.keys;

import dev.noodle.engine.keys.KeyNames.Component;
import dev.noodle.engine.keys.KeyNames.Target;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The LoRA family of names: kohya module names ({@code lora_unet_…}, {@code lora_te_…}, {@code lora_te1_…}/{@code
 * lora_te2_…}) and the diffusers/PEFT names ({@code unet.…}, {@code text_encoder.…}, {@code text_encoder_2.…}) of the
 * weights a LoRA patches, as ComfyUI's {@code lora.model_lora_keys_*} spell them. Reached through {@link KeyNames}.
 * Stateless and thread-safe.
 */
final class LoraNames {
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

    private LoraNames() {}

    /** Kohya LoRA module name of a UNet module path (LDM or diffusers): {@code lora_unet_} + path with _ for dots. */
    static String kohyaUnet(String modulePath) {
        return KeyNames.KOHYA_UNET + modulePath.replace('.', '_');
    }

    /** ComfyUI's LoRA module name of a UNet module path (LDM): {@code diffusion_model.} + path (LoraSave writes it). */
    static String comfyUnet(String modulePath) {
        return KeyNames.COMFY_UNET + modulePath;
    }

    /**
     * ComfyUI's LoRA module name of a text-encoder tensor: {@code text_encoders.} + the key in ComfyUI's CLIP state
     * dict ({@code clip_l.transformer.text_model.…}; the projection sits beside {@code text_model}).
     */
    static String comfyText(String encoder, String hfModule) {
        String inner = hfModule.startsWith("text_projection") ? hfModule : "text_model." + hfModule;
        return KeyNames.COMFY_TEXT + encoder + ".transformer." + inner;
    }

    /**
     * Kohya name of any HF CLIP module (relative to {@code text_model.}, or {@code text_projection}): the prefix, then
     * {@code text_model_} and the path with _ for dots, e.g. ({@code lora_te_}, {@code final_layer_norm}) →
     * {@code lora_te_text_model_final_layer_norm}.
     */
    static String kohyaText(String prefix, String hfModule) {
        String inner = hfModule.startsWith("text_projection") ? hfModule : "text_model." + hfModule;
        return prefix + inner.replace('.', '_');
    }

    /** Kohya name of an HF CLIP module, e.g. ({@code lora_te_}, 3, {@code mlp.fc1}) → {@code …layers_3_mlp_fc1}. */
    static String kohyaClip(String prefix, int layer, String hfModule) {
        return prefix + "text_model_encoder_layers_" + layer + "_" + hfModule.replace('.', '_');
    }

    /** HF CLIP weight key (relative to {@code text_model.}) of an encoder layer's linear module. */
    static String clipWeightKey(int layer, String hfModule) {
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
    static Map<String, Target> moduleTargets(Collection<String> unetKeys, KeyNames.UNetNaming naming,
            Collection<String> textKeys, Collection<String> text2Keys) {
        Map<String, Target> m = new LinkedHashMap<>();
        Set<String> unet = new HashSet<>(unetKeys);
        for (String k : unetKeys) {
            if (k.endsWith(".weight")) {
                String module = k.substring(0, k.length() - ".weight".length());
                m.put(kohyaUnet(module), new Target(Component.UNET, k));
                m.put(comfyUnet(module), new Target(Component.UNET, k));
            } else if (k.endsWith(".bias")) { // a LoraSave .diff_b module, named for the bias it patches
                m.put(comfyUnet(k), new Target(Component.UNET, k));
                m.put(kohyaUnet(k.substring(0, k.length() - ".bias".length())) + ".bias",
                        new Target(Component.UNET, k));
            }
        }
        if (naming != null) {
            DiffusersUNetNames.diffusersToLdm(naming).forEach((diff, ldm) -> {
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
        addClip(m, textKeys, Component.TEXT, xl ? new String[] {KeyNames.KOHYA_TE1, KeyNames.KOHYA_TE}
                : new String[] {KeyNames.KOHYA_TE},
                "text_encoder.", xl ? new String[] {"clip_l"} : new String[] {"clip_l", "clip_h"});
        addClip(m, text2Keys, Component.TEXT2, new String[] {KeyNames.KOHYA_TE2}, "text_encoder_2.",
                new String[] {"clip_g"});
        return m;
    }

    private static void addClip(Map<String, Target> m, Collection<String> keys, Component c, String[] kohyaPrefixes,
            String peftPrefix, String[] comfyEncoders) {
        for (String key : keys) {
            if (key.endsWith(".weight")) { // ComfyUI names every weight of its CLIP state dict, norms included
                String module = key.substring(0, key.length() - ".weight".length());
                for (String e : comfyEncoders) {
                    m.put(comfyText(e, module), new Target(c, key));
                }
                for (String p : kohyaPrefixes) { // LoraSave's kohya names cover norms and embeddings too
                    m.putIfAbsent(kohyaText(p, module), new Target(c, key));
                }
            } else if (key.endsWith(".bias")) { // .diff_b modules are named for the bias
                for (String e : comfyEncoders) {
                    m.put(comfyText(e, key), new Target(c, key));
                }
                for (String p : kohyaPrefixes) {
                    m.putIfAbsent(kohyaText(p, key.substring(0, key.length() - ".bias".length())) + ".bias",
                            new Target(c, key));
                }
            }
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
