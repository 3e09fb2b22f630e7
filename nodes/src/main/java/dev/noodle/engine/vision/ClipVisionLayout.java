package dev.noodle.engine.vision;

import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.text.ClipConfig.Activation;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The two ways CLIP image towers are stored in the single files people download, and how a file's tower is
 * recognised from its keys and shapes.
 *
 * <ul>
 *   <li>{@link #HF}: Hugging Face {@code CLIPVisionModelWithProjection} / {@code CLIPModel} names —
 *       {@code vision_model.embeddings.patch_embedding.weight}, {@code vision_model.pre_layrnorm.*},
 *       {@code vision_model.encoder.layers.N.self_attn.q_proj.*}, {@code vision_model.post_layernorm.*},
 *       {@code visual_projection.weight} (ComfyUI's clip_vision_g.safetensors, LAION's CLIP-ViT-H-14 and OpenAI's
 *       clip-vit-large-patch14 model.safetensors, IP-Adapter's image_encoder). A whole CLIPModel's text tower
 *       ({@code text_model.*}, {@code text_projection.weight}, {@code logit_scale}) is passed over.</li>
 *   <li>{@link #OPEN_CLIP}: open_clip names under {@code visual.} — {@code conv1.weight}, {@code class_embedding},
 *       {@code positional_embedding}, {@code ln_pre.*}, {@code transformer.resblocks.N.attn.in_proj_weight} (q, k
 *       and v stacked in rows), {@code ln_post.*}, {@code proj} ({@code [width, projection]}, the transpose of
 *       visual_projection). The text tower of a whole open_clip model is passed over.</li>
 * </ul>
 *
 * <p>The tower is chosen as ComfyUI's {@code load_clipvision_from_sd} does, by the number of blocks: 48 or more is
 * ViT-bigG/14, 31 or more ViT-H/14, 23 or more ViT-L/14 (336 px when the position embedding has 577 rows); the
 * file must then have that tower's exact shapes. Smaller towers (made for tests) are read with the sizes their
 * shapes give, 16 heads as every published tower, and exact GELU. Stateless.
 */
public enum ClipVisionLayout {
    /** Hugging Face names ({@code vision_model.*}, {@code visual_projection.weight}). */
    HF,
    /** open_clip names ({@code visual.*}). */
    OPEN_CLIP;

    static final String HF_PATCH = "vision_model.embeddings.patch_embedding.weight";
    static final String HF_POS = "vision_model.embeddings.position_embedding.weight";
    static final String HF_CLASS = "vision_model.embeddings.class_embedding";
    static final String HF_FC1 = "vision_model.encoder.layers.0.mlp.fc1.weight";
    static final String HF_PROJ = "visual_projection.weight";
    static final String OC_PATCH = "visual.conv1.weight";
    static final String OC_POS = "visual.positional_embedding";
    static final String OC_FC1 = "visual.transformer.resblocks.0.mlp.c_fc.weight";
    static final String OC_PROJ = "visual.proj";

    private static final Pattern HF_LAYER = Pattern.compile("^vision_model\\.encoder\\.layers\\.(\\d+)\\.");
    private static final Pattern OC_LAYER = Pattern.compile("^visual\\.transformer\\.resblocks\\.(\\d+)\\.");

    /** A file's tower: its layout and config. */
    public record Detected(ClipVisionLayout layout, ClipVisionConfig config) {}

    /**
     * Parameter names and shapes of a tower with this config, in this layout, as stored in the file (the HF names
     * {@link ClipVisionModel} binds, or open_clip's).
     */
    public Map<String, long[]> shapes(ClipVisionConfig c) {
        Map<String, long[]> m = new LinkedHashMap<>();
        long d = c.width();
        long p = c.patchSize();
        long mlp = c.mlpWidth();
        if (this == HF) {
            m.put(HF_CLASS, new long[] {d});
            m.put(HF_PATCH, new long[] {d, 3, p, p});
            m.put(HF_POS, new long[] {c.positions(), d});
            m.put("vision_model.pre_layrnorm.weight", new long[] {d});
            m.put("vision_model.pre_layrnorm.bias", new long[] {d});
            for (int i = 0; i < c.layers(); i++) {
                String l = "vision_model.encoder.layers." + i + ".";
                m.put(l + "layer_norm1.weight", new long[] {d});
                m.put(l + "layer_norm1.bias", new long[] {d});
                for (String proj : new String[] {"q_proj", "k_proj", "v_proj", "out_proj"}) {
                    m.put(l + "self_attn." + proj + ".weight", new long[] {d, d});
                    m.put(l + "self_attn." + proj + ".bias", new long[] {d});
                }
                m.put(l + "layer_norm2.weight", new long[] {d});
                m.put(l + "layer_norm2.bias", new long[] {d});
                m.put(l + "mlp.fc1.weight", new long[] {mlp, d});
                m.put(l + "mlp.fc1.bias", new long[] {mlp});
                m.put(l + "mlp.fc2.weight", new long[] {d, mlp});
                m.put(l + "mlp.fc2.bias", new long[] {d});
            }
            m.put("vision_model.post_layernorm.weight", new long[] {d});
            m.put("vision_model.post_layernorm.bias", new long[] {d});
            m.put(HF_PROJ, new long[] {c.projectionDim(), d});
        } else {
            m.put("visual.class_embedding", new long[] {d});
            m.put(OC_PATCH, new long[] {d, 3, p, p});
            m.put(OC_POS, new long[] {c.positions(), d});
            m.put("visual.ln_pre.weight", new long[] {d});
            m.put("visual.ln_pre.bias", new long[] {d});
            for (int i = 0; i < c.layers(); i++) {
                String l = "visual.transformer.resblocks." + i + ".";
                m.put(l + "ln_1.weight", new long[] {d});
                m.put(l + "ln_1.bias", new long[] {d});
                m.put(l + "attn.in_proj_weight", new long[] {3 * d, d});
                m.put(l + "attn.in_proj_bias", new long[] {3 * d});
                m.put(l + "attn.out_proj.weight", new long[] {d, d});
                m.put(l + "attn.out_proj.bias", new long[] {d});
                m.put(l + "ln_2.weight", new long[] {d});
                m.put(l + "ln_2.bias", new long[] {d});
                m.put(l + "mlp.c_fc.weight", new long[] {mlp, d});
                m.put(l + "mlp.c_fc.bias", new long[] {mlp});
                m.put(l + "mlp.c_proj.weight", new long[] {d, mlp});
                m.put(l + "mlp.c_proj.bias", new long[] {d});
            }
            m.put("visual.ln_post.weight", new long[] {d});
            m.put("visual.ln_post.bias", new long[] {d});
            m.put(OC_PROJ, new long[] {d, c.projectionDim()});
        }
        return m;
    }

    /**
     * Keys of a whole CLIP file that belong to the text tower (or are buffers) and are passed over rather than
     * reported as unexpected.
     */
    public Predicate<String> passedOver() {
        if (this == HF) {
            return k -> k.startsWith("text_model.") || k.equals("text_projection.weight") || k.equals("logit_scale")
                    || k.endsWith("position_ids");
        }
        return k -> k.startsWith("transformer.") || k.startsWith("token_embedding.") || k.startsWith("ln_final.")
                || k.equals("positional_embedding") || k.equals("text_projection") || k.equals("logit_scale")
                || k.equals("attn_mask");
    }

    /** Which layout a source uses, or null when it has neither tower's patch embedding. */
    public static ClipVisionLayout of(TensorSource source) {
        if (source.contains(HF_PATCH)) {
            return HF;
        }
        if (source.contains(OC_PATCH)) {
            return OPEN_CLIP;
        }
        return null;
    }

    /**
     * Recognises a file's tower from its keys and shapes.
     *
     * @throws ModelFormatException naming the file when it holds no CLIP image tower or its shapes fit none
     */
    public static Detected detect(TensorSource source) {
        ClipVisionLayout layout = of(source);
        if (layout == null) {
            throw new ModelFormatException(source.describe() + " is not a CLIP vision model: it has neither '"
                    + HF_PATCH + "' (Hugging Face layout) nor '" + OC_PATCH + "' (open_clip layout). Put a CLIP"
                    + " image encoder such as clip_vision_g.safetensors or CLIP-ViT-H-14-laion2B-s32B-b79K's"
                    + " model.safetensors in models/clip_vision.");
        }
        String patchKey = layout == HF ? HF_PATCH : OC_PATCH;
        String posKey = layout == HF ? HF_POS : OC_POS;
        String fc1Key = layout == HF ? HF_FC1 : OC_FC1;
        String projKey = layout == HF ? HF_PROJ : OC_PROJ;
        for (String k : new String[] {posKey, fc1Key, projKey}) {
            if (!source.contains(k)) {
                throw new ModelFormatException(source.describe() + ": the CLIP vision model has no '" + k
                        + "'. The file is incomplete or not a CLIP image encoder with a projection.");
            }
        }
        long[] patch = source.info(patchKey).shape();
        long[] pos = source.info(posKey).shape();
        long[] fc1 = source.info(fc1Key).shape();
        long[] proj = source.info(projKey).shape();
        if (patch.length != 4 || patch[1] != 3 || patch[2] != patch[3] || patch[2] <= 0 || pos.length != 2
                || fc1.length != 2 || proj.length != 2 || patch[0] <= 0) {
            throw new ModelFormatException(source.describe() + ": the CLIP vision weights have shapes no image"
                    + " tower has: " + patchKey + " " + Arrays.toString(patch) + " (expected [width, 3, patch,"
                    + " patch]), " + posKey + " " + Arrays.toString(pos) + ", " + fc1Key + " " + Arrays.toString(fc1)
                    + ", " + projKey + " " + Arrays.toString(proj));
        }
        Pattern layerPattern = layout == HF ? HF_LAYER : OC_LAYER;
        int layers = 0;
        for (String k : source.keys()) {
            Matcher m = layerPattern.matcher(k);
            if (m.find()) {
                int n = m.group(1).length() > 6 ? 1_000_000 : Integer.parseInt(m.group(1)) + 1;
                layers = Math.max(layers, n);
            }
        }
        ClipVisionConfig preset = null;
        if (layers >= 48) {
            preset = ClipVisionConfig.vitBigG14();
        } else if (layers >= 31) {
            preset = ClipVisionConfig.vitH14();
        } else if (layers >= 23) {
            preset = pos[0] == 577 ? ClipVisionConfig.vitL14At336() : ClipVisionConfig.vitL14();
        }
        if (preset != null) {
            return new Detected(layout, preset);
        }
        long width = patch[0];
        long positions = pos[0];
        long grid = Math.round(Math.sqrt(Math.max(0, positions - 1)));
        long projection = layout == HF ? proj[0] : proj[1];
        if (grid < 1 || grid * grid + 1 != positions || width % 16 != 0 || layers < 2 || fc1[0] <= 0
                || projection <= 0 || width > Integer.MAX_VALUE || grid * patch[2] > 100_000) {
            throw new ModelFormatException(source.describe() + ": the CLIP vision weights fit no image tower: width "
                    + width + ", " + layers + " layers, " + positions + " positions (must be a square number of"
                    + " patches plus one), patch " + patch[2] + ". The file is damaged or not a CLIP image encoder.");
        }
        ClipVisionConfig c = new ClipVisionConfig((int) width, layers, 16, Math.toIntExact(fc1[0]),
                (int) patch[2], (int) (grid * patch[2]), Math.toIntExact(projection), Activation.GELU, 1e-5f);
        return new Detected(layout, c);
    }

    /**
     * The open_clip key a Hugging Face name is read from, and how: part 0..2 of a stacked q/k/v projection, or the
     * transposed {@code proj}.
     */
    record Source(String key, int part, boolean transpose) {}

    /** Where HF name {@code hf} is stored in an open_clip file. */
    static Source openClipSource(String hf) {
        switch (hf) {
            case HF_CLASS:
                return new Source("visual.class_embedding", -1, false);
            case HF_PATCH:
                return new Source(OC_PATCH, -1, false);
            case HF_POS:
                return new Source(OC_POS, -1, false);
            case HF_PROJ:
                return new Source(OC_PROJ, -1, true);
            default:
                break;
        }
        if (hf.startsWith("vision_model.pre_layrnorm.")) {
            return new Source("visual.ln_pre." + hf.substring("vision_model.pre_layrnorm.".length()), -1, false);
        }
        if (hf.startsWith("vision_model.post_layernorm.")) {
            return new Source("visual.ln_post." + hf.substring("vision_model.post_layernorm.".length()), -1, false);
        }
        Matcher m = HF_LAYER.matcher(hf);
        if (!m.find()) {
            throw new IllegalArgumentException("not a CLIP vision parameter: " + hf);
        }
        String l = "visual.transformer.resblocks." + m.group(1) + ".";
        String rest = hf.substring(m.end());
        String suffix = rest.substring(rest.lastIndexOf('.') + 1); // weight | bias
        return switch (rest) {
            case "layer_norm1.weight", "layer_norm1.bias" -> new Source(l + "ln_1." + suffix, -1, false);
            case "layer_norm2.weight", "layer_norm2.bias" -> new Source(l + "ln_2." + suffix, -1, false);
            case "self_attn.q_proj.weight", "self_attn.q_proj.bias" -> new Source(l + "attn.in_proj_" + suffix, 0, false);
            case "self_attn.k_proj.weight", "self_attn.k_proj.bias" -> new Source(l + "attn.in_proj_" + suffix, 1, false);
            case "self_attn.v_proj.weight", "self_attn.v_proj.bias" -> new Source(l + "attn.in_proj_" + suffix, 2, false);
            case "self_attn.out_proj.weight", "self_attn.out_proj.bias" ->
                    new Source(l + "attn.out_proj." + suffix, -1, false);
            case "mlp.fc1.weight", "mlp.fc1.bias" -> new Source(l + "mlp.c_fc." + suffix, -1, false);
            case "mlp.fc2.weight", "mlp.fc2.bias" -> new Source(l + "mlp.c_proj." + suffix, -1, false);
            default -> throw new IllegalArgumentException("not a CLIP vision parameter: " + hf);
        };
    }
}
