package dev.noodle.engine.keys;

import dev.noodle.engine.keys.KeyNames.OpenClipTensor;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The open_clip family of text-encoder names (SD 2.x {@code cond_stage_model.model.*}, SDXL
 * {@code conditioner.embedders.1.model.*}) ↔ the Hugging Face CLIP names the text encoder binds, the renaming
 * ComfyUI applies when it loads these checkpoints:
 *
 * <ul>
 *   <li>{@code token_embedding.weight} ↔ {@code embeddings.token_embedding.weight}; {@code positional_embedding} ↔
 *       {@code embeddings.position_embedding.weight}; {@code ln_final} ↔ {@code final_layer_norm};
 *   <li>{@code transformer.resblocks.i.ln_1/ln_2} ↔ {@code encoder.layers.i.layer_norm1/2}, {@code mlp.c_fc/c_proj}
 *       ↔ {@code mlp.fc1/fc2}, {@code attn.out_proj} ↔ {@code self_attn.out_proj};
 *   <li>{@code attn.in_proj_weight [3D, D]} / {@code in_proj_bias [3D]} hold q, k, v stacked in rows (in that order,
 *       as {@code torch.nn.MultiheadAttention} packs them);
 *   <li>{@code text_projection [D, P]} (used as x·P) is the transpose of {@code text_projection.weight [P, D]};
 *   <li>{@code logit_scale} (the contrastive temperature) has no HF counterpart; other keys keep their names.
 * </ul>
 *
 * Reached through {@link KeyNames}. Stateless and thread-safe.
 */
final class OpenClipNames {
    private static final Pattern OPEN_CLIP_BLOCK = Pattern.compile("^transformer\\.resblocks\\.(\\d+)\\.(.+)$");
    private static final Pattern HF_LAYER = Pattern.compile("^encoder\\.layers\\.(\\d+)\\.(.+)$");
    /** open_clip module of a residual block → HF module of an encoder layer. */
    private static final Map<String, String> BLOCK = Map.of(
            "ln_1", "layer_norm1", "ln_2", "layer_norm2", "mlp.c_fc", "mlp.fc1", "mlp.c_proj", "mlp.fc2",
            "attn.out_proj", "self_attn.out_proj");
    private static final List<String> QKV = List.of("q_proj", "k_proj", "v_proj");

    private OpenClipNames() {}

    static Map<String, OpenClipTensor> toHf(Collection<String> openClipKeys) {
        Map<String, OpenClipTensor> m = new LinkedHashMap<>();
        for (String k : new TreeSet<>(openClipKeys)) {
            Matcher b = OPEN_CLIP_BLOCK.matcher(k);
            if (k.equals("token_embedding.weight")) {
                m.put("embeddings.token_embedding.weight", new OpenClipTensor(k, -1, false));
            } else if (k.equals("positional_embedding")) {
                m.put("embeddings.position_embedding.weight", new OpenClipTensor(k, -1, false));
            } else if (k.startsWith("ln_final.")) {
                m.put("final_layer_norm." + k.substring("ln_final.".length()), new OpenClipTensor(k, -1, false));
            } else if (k.equals("text_projection")) {
                m.put(KeyNames.HF_TEXT_PROJECTION, new OpenClipTensor(k, -1, true));
            } else if (k.equals("logit_scale")) {
                continue;
            } else if (b.matches()) {
                String layer = "encoder.layers." + b.group(1) + ".";
                String rest = b.group(2);
                if (rest.equals("attn.in_proj_weight") || rest.equals("attn.in_proj_bias")) {
                    String suffix = rest.endsWith("weight") ? ".weight" : ".bias";
                    for (int i = 0; i < 3; i++) {
                        m.put(layer + "self_attn." + QKV.get(i) + suffix, new OpenClipTensor(k, i, false));
                    }
                } else {
                    String hf = hfModule(rest);
                    m.put(hf == null ? k : layer + hf, new OpenClipTensor(k, -1, false));
                }
            } else {
                m.put(k, new OpenClipTensor(k, -1, false));
            }
        }
        return m;
    }

    // "ln_1.weight" → "layer_norm1.weight"; null when the module is not a renamed one
    private static String hfModule(String openClipParam) {
        for (Map.Entry<String, String> e : BLOCK.entrySet()) {
            String p = e.getKey() + ".";
            if (openClipParam.startsWith(p) && (openClipParam.endsWith(".weight") || openClipParam.endsWith(".bias"))
                    && openClipParam.indexOf('.', p.length()) < 0) {
                return e.getValue() + "." + openClipParam.substring(p.length());
            }
        }
        return null;
    }

    static OpenClipTensor fromHf(String hfKey) {
        switch (hfKey) {
            case "embeddings.token_embedding.weight":
                return new OpenClipTensor("token_embedding.weight", -1, false);
            case "embeddings.position_embedding.weight":
                return new OpenClipTensor("positional_embedding", -1, false);
            case KeyNames.HF_TEXT_PROJECTION:
                return new OpenClipTensor("text_projection", -1, true);
            default:
                break;
        }
        if (hfKey.startsWith("final_layer_norm.")) {
            return new OpenClipTensor("ln_final." + hfKey.substring("final_layer_norm.".length()), -1, false);
        }
        Matcher l = HF_LAYER.matcher(hfKey);
        if (l.matches()) {
            String block = "transformer.resblocks." + l.group(1) + ".";
            String rest = l.group(2);
            for (int i = 0; i < 3; i++) {
                String qkv = "self_attn." + QKV.get(i) + ".";
                if (rest.equals(qkv + "weight") || rest.equals(qkv + "bias")) {
                    return new OpenClipTensor(block + "attn.in_proj_" + rest.substring(qkv.length()), i, false);
                }
            }
            for (Map.Entry<String, String> e : BLOCK.entrySet()) {
                String hf = e.getValue() + ".";
                if (rest.equals(hf + "weight") || rest.equals(hf + "bias")) {
                    return new OpenClipTensor(block + e.getKey() + "." + rest.substring(hf.length()), -1, false);
                }
            }
        }
        throw new IllegalArgumentException("'" + hfKey + "' is not a CLIP text encoder parameter with an open_clip"
                + " name");
    }

    static List<String> packedHfKeys(String hfKeyOfAPart) {
        Matcher l = HF_LAYER.matcher(hfKeyOfAPart);
        if (l.matches()) {
            for (String part : QKV) {
                String p = "self_attn." + part + ".";
                if (l.group(2).startsWith(p)) {
                    String layer = "encoder.layers." + l.group(1) + ".self_attn.";
                    String suffix = l.group(2).substring(p.length());
                    return QKV.stream().map(q -> layer + q + "." + suffix).toList();
                }
            }
        }
        throw new IllegalArgumentException("'" + hfKeyOfAPart + "' is not part of a packed q/k/v projection");
    }
}
