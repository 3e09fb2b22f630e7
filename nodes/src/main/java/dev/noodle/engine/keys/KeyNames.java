package dev.noodle.engine.keys;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one entry point for key renaming in the engine (architecture.md convention 9; stable-diffusion.cpp's
 * {@code name_conversion}), with one converter per format family behind it:
 *
 * <ul>
 *   <li>diffusers UNet module paths ↔ LDM checkpoint paths ({@link #diffusersToLdmUnet}, {@link #ldmToDiffusersUnet}),
 *       and the encoder half a diffusers ControlNet holds ({@link #diffusersToLdmUnetEncoder});
 *   <li>LoRA module names, kohya ({@code lora_unet_…}, {@code lora_te_…}, {@code lora_te1_…}/{@code lora_te2_…}) and
 *       diffusers/PEFT ({@code unet.…}, {@code text_encoder.…}, {@code text_encoder_2.…}) → the weights they patch
 *       ({@link #loraModuleTargets});
 *   <li>open_clip text-encoder names (SD 2.x, SDXL bigG) ↔ Hugging Face CLIP names ({@link #openClipToHf},
 *       {@link #hfToOpenClip}).
 * </ul>
 *
 * Checkpoint prefixes ({@code model.diffusion_model.}, {@code first_stage_model.}, {@code cond_stage_model.…}) are
 * views ({@code TensorSource.withPrefix}), not renamings. Stateless and thread-safe.
 */
public final class KeyNames {
    /** Kohya prefix of UNet LoRA modules. */
    public static final String KOHYA_UNET = "lora_unet_";
    /** Kohya prefix of the (first) text encoder's LoRA modules. */
    public static final String KOHYA_TE = "lora_te_";
    /** ComfyUI's LoRA prefix of UNet modules (LoraSave writes {@code diffusion_model.<LDM path>}). */
    public static final String COMFY_UNET = "diffusion_model.";
    /** ComfyUI's LoRA prefix of text-encoder modules (LoraSave writes {@code text_encoders.clip_l.transformer.…}). */
    public static final String COMFY_TEXT = "text_encoders.";
    /** Kohya prefix of SDXL's CLIP-L LoRA modules. */
    public static final String KOHYA_TE1 = "lora_te1_";
    /** Kohya prefix of SDXL's OpenCLIP bigG LoRA modules. */
    public static final String KOHYA_TE2 = "lora_te2_";
    /** The Hugging Face name of the text projection ({@code [P, D]}, a linear weight). */
    public static final String HF_TEXT_PROJECTION = "text_projection.weight";
    /**
     * The open_clip contrastive temperature ({@code logit_scale}, a scalar); text encoding never uses it, and the
     * Hugging Face names have no counterpart, so it is dropped on load.
     */
    public static final String OPEN_CLIP_LOGIT_SCALE = "logit_scale";
    /**
     * The {@code logit_scale} ComfyUI's text encoders hold when the loaded file gave none ({@code SDClipModel}'s
     * initial value), which its checkpoint save writes for an OpenCLIP encoder.
     */
    public static final float COMFY_LOGIT_SCALE = 4.6055f;
    /**
     * The Hugging Face position-id buffer of a CLIP text model ({@code [1, positions]} int64 0, 1, …), relative to
     * {@code text_model.}; ComfyUI's SDXL save writes it for CLIP-L, loaders ignore it.
     */
    public static final String HF_POSITION_IDS = "embeddings.position_ids";


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

    /**
     * Where one Hugging Face CLIP tensor lives in an open_clip checkpoint.
     *
     * @param openClipKey the open_clip key (relative to the encoder's prefix)
     * @param part which row third of a packed q/k/v projection ({@code attn.in_proj_*}) it is, 0–2, or -1 for a
     *     whole tensor
     * @param transpose whether it is stored transposed ({@code text_projection [D, P]})
     */
    public record OpenClipTensor(String openClipKey, int part, boolean transpose) {}

    private KeyNames() {}

    /**
     * Diffusers UNet module path → LDM module path (both without {@code .weight}/{@code .bias}), e.g.
     * {@code down_blocks.0.attentions.1.transformer_blocks.0.attn2.to_k} → {@code
     * input_blocks.2.1.transformer_blocks.0.attn2.to_k}.
     */
    public static Map<String, String> diffusersToLdmUnet(UNetNaming n) {
        return DiffusersUNetNames.diffusersToLdm(n);
    }

    /**
     * The encoder half of a UNet, diffusers module path → LDM module path, as a diffusers {@code ControlNetModel}
     * names it ({@code conv_in}, {@code time_embedding}, {@code add_embedding}, {@code down_blocks.*}, {@code
     * mid_block.*}), with the transformer depth of each input block given separately.
     *
     * @param numResBlocks ResBlocks per level
     * @param inputDepth transformer depth after each input ResBlock ({@code levels × numResBlocks}, shallow first)
     * @param middleDepth transformer depth of the middle block (0 = none)
     */
    public static Map<String, String> diffusersToLdmUnetEncoder(int numResBlocks, int[] inputDepth,
            int middleDepth) {
        return DiffusersUNetNames.encoderDiffusersToLdm(numResBlocks, inputDepth, middleDepth);
    }

    /** LDM UNet module path → diffusers module path (the inverse of {@link #diffusersToLdmUnet}). */
    public static Map<String, String> ldmToDiffusersUnet(UNetNaming n) {
        return DiffusersUNetNames.ldmToDiffusers(n);
    }

    /** Kohya LoRA module name of a UNet module path (LDM or diffusers): {@code lora_unet_} + path with _ for dots. */
    public static String kohyaUnet(String modulePath) {
        return LoraNames.kohyaUnet(modulePath);
    }

    /** ComfyUI's LoRA name of a UNet module (LDM path, no {@code .weight}), as its LoraSave writes it. */
    public static String comfyLoraUnet(String modulePath) {
        return LoraNames.comfyUnet(modulePath);
    }

    /**
     * ComfyUI's LoRA name of a text-encoder tensor, as its LoraSave writes it.
     *
     * @param encoder ComfyUI's encoder name: {@code clip_l} (SD1, SDXL's first), {@code clip_h} (SD2) or {@code
     *     clip_g} (SDXL's second)
     * @param hfName the HF CLIP name relative to {@code text_model.} without {@code .weight}/{@code .bias}
     */
    public static String comfyLoraText(String encoder, String hfName) {
        return LoraNames.comfyText(encoder, hfName);
    }

    /**
     * Kohya name of any HF CLIP module (relative to {@code text_model.}, or {@code text_projection}), e.g.
     * ({@code lora_te1_}, {@code encoder.layers.0.mlp.fc1}) → {@code lora_te1_text_model_encoder_layers_0_mlp_fc1}.
     */
    public static String kohyaText(String prefix, String hfModule) {
        return LoraNames.kohyaText(prefix, hfModule);
    }

    /** Kohya name of an HF CLIP module, e.g. ({@code lora_te_}, 3, {@code mlp.fc1}) → {@code …layers_3_mlp_fc1}. */
    public static String kohyaClip(String prefix, int layer, String hfModule) {
        return LoraNames.kohyaClip(prefix, layer, hfModule);
    }

    /** HF CLIP weight key (relative to {@code text_model.}) of an encoder layer's linear module. */
    public static String clipWeightKey(int layer, String hfModule) {
        return LoraNames.clipWeightKey(layer, hfModule);
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
        return LoraNames.moduleTargets(unetKeys, naming, textKeys, text2Keys);
    }

    /**
     * The Hugging Face name of every tensor of an open_clip text encoder, each with where it is read from: q, k, v
     * come from row thirds of the packed projection, the text projection is transposed, {@code logit_scale} is
     * dropped and keys without an HF counterpart keep their names (so the binding check reports them).
     *
     * @param openClipKeys keys relative to the encoder's prefix
     * @return HF key → source tensor, in the sorted order of the open_clip keys
     */
    public static Map<String, OpenClipTensor> openClipToHf(Collection<String> openClipKeys) {
        return OpenClipNames.toHf(openClipKeys);
    }

    /**
     * Where the Hugging Face CLIP parameter {@code hfKey} is stored under open_clip names (the inverse of
     * {@link #openClipToHf}).
     *
     * @throws IllegalArgumentException when the key is not a CLIP text encoder parameter
     */
    public static OpenClipTensor hfToOpenClip(String hfKey) {
        return OpenClipNames.fromHf(hfKey);
    }

    /** The HF keys of q, k and v (in packing order) of the packed projection one of them belongs to. */
    public static List<String> openClipPackedParts(String hfKeyOfAPart) {
        return OpenClipNames.packedHfKeys(hfKeyOfAPart);
    }
}
