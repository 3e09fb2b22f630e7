package dev.noodle.engine.model;

import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorSource;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Detects the model family of a file from its key names and tensor shapes only (never the file name and never
 * tensor values), following the layouts in docs/engine-notes.md "Checkpoint layout" and the ideas of diffusers'
 * {@code single_file_utils.infer_model_type} / ComfyUI's {@code model_detection}. Stateless and thread-safe.
 */
public final class FamilyDetector {
    static final String UNET = "model.diffusion_model.";
    static final String VAE = "first_stage_model.";
    static final String SD1_TEXT = "cond_stage_model.transformer.text_model.";
    static final String SD1_TEXT_OLD = "cond_stage_model.transformer.";
    static final String SD2_TEXT = "cond_stage_model.model.";
    static final String XL_CLIP_L = "conditioner.embedders.0.transformer.text_model.";
    static final String XL_BIGG = "conditioner.embedders.1.model.";
    static final String REFINER_BIGG = "conditioner.embedders.0.model.";
    /** Where an unCLIP checkpoint keeps its CLIP image tower (open_clip / OpenAI CLIP names), as ComfyUI reads it. */
    public static final String UNCLIP_VISION = "embedder.model.visual.";
    private static final String TOKEN_EMB = "token_embedding.weight";
    private static final String CLIP_TOKEN_EMB = "embeddings.token_embedding.weight";

    private FamilyDetector() {}

    /**
     * Detects a Stable Diffusion checkpoint (UNet + text encoder(s) + optional VAE).
     *
     * @throws ModelFormatException naming what was found when the file is another kind of model (LoRA, VAE,
     *     embedding, ControlNet, SD3, Flux, ...) or an unknown layout
     */
    public static CheckpointInfo detect(TensorSource src) {
        Set<String> keys = src.keys();
        String name = src.describe();
        rejectNonCheckpoints(keys, name);
        if (!keys.contains(UNET + "input_blocks.0.0.weight")) {
            throw notCheckpoint(name, describeWithoutUnet(keys));
        }
        long[] conv = src.info(UNET + "input_blocks.0.0.weight").shape();
        int inChannels = conv.length == 4 ? (int) conv[1] : -1;
        if (inChannels != 4 && inChannels != 8 && inChannels != 9) {
            throw notCheckpoint(name, "a UNet with " + inChannels + " input channels (shape "
                    + java.util.Arrays.toString(conv) + "); Noodle runs 4-channel models, 8-channel InstructPix2Pix"
                    + " (cosxl_edit) and 9-channel inpainting");
        }
        boolean inpaint = inChannels == 9;
        if (hasPrefix(keys, UNET + "input_hint_block.") || hasPrefix(keys, "control_model.")) {
            throw notCheckpoint(name, "a ControlNet");
        }
        if (keys.stream().anyMatch(k -> k.startsWith(UNET) && k.contains(".time_stack."))) {
            throw notCheckpoint(name, "a Stable Video Diffusion model");
        }
        ModelFamily family;
        List<String> text;
        int width;
        if (keys.contains(XL_CLIP_L + CLIP_TOKEN_EMB) && keys.contains(XL_BIGG + TOKEN_EMB)) {
            family = ModelFamily.SDXL;
            text = List.of(XL_CLIP_L, XL_BIGG);
            width = (int) (dim(src, XL_CLIP_L + CLIP_TOKEN_EMB, 1) + dim(src, XL_BIGG + TOKEN_EMB, 1));
        } else if (keys.contains(REFINER_BIGG + TOKEN_EMB) && hasPrefix(keys, UNET + "label_emb.")) {
            // SDXL refiner (ComfyUI supported_models.SDXLRefiner): OpenCLIP bigG alone under embedders.0, and a
            // UNet with label_emb for pooled ‖ size ‖ crop ‖ aesthetic score
            if (inpaint) {
                throw notCheckpoint(name, "an SDXL refiner with a 9-channel UNet, which does not exist; the file"
                        + " mixes parts of different models");
            }
            family = ModelFamily.SDXL_REFINER;
            text = List.of(REFINER_BIGG);
            width = (int) dim(src, REFINER_BIGG + TOKEN_EMB, 1);
        } else if (hasPrefix(keys, UNET + "label_emb.") && !keys.contains(SD2_TEXT + TOKEN_EMB)) {
            throw notCheckpoint(name, "a UNet with class/size conditioning (label_emb "
                    + shapeOf(src, UNET + "label_emb.0.0.weight") + ") but no SDXL or SD 2.x text encoder "
                    + "(an SDXL UNet saved without its text encoders?)");
        } else if (keys.contains(SD2_TEXT + TOKEN_EMB)) {
            // SD 2.x; with a label_emb it is Stable unCLIP 2.1 (ComfyUI SD21UnclipH/L: adm_in_channels 2048 for the
            // ViT-H image embedding, 1536 for ViT-L), whose y is image embedding ‖ noise-level embedding
            if (hasPrefix(keys, UNET + "label_emb.")) {
                long adm = dim(src, UNET + "label_emb.0.0.weight", 1);
                if (adm % 2 != 0 || inpaint) {
                    throw notCheckpoint(name, "an SD 2.x UNet with a label_emb of " + adm + " inputs"
                            + (inpaint ? " and 9 input channels" : "") + ", which is no unCLIP layout (image"
                            + " embedding ‖ noise-level embedding of the same width)");
                }
            }
            family = ModelFamily.SD2;
            text = List.of(SD2_TEXT);
            width = (int) dim(src, SD2_TEXT + TOKEN_EMB, 1);
        } else if (keys.contains(SD1_TEXT + CLIP_TOKEN_EMB)) {
            family = ModelFamily.SD1;
            text = List.of(SD1_TEXT);
            width = (int) dim(src, SD1_TEXT + CLIP_TOKEN_EMB, 1);
        } else if (keys.contains(SD1_TEXT_OLD + CLIP_TOKEN_EMB)) {
            family = ModelFamily.SD1;
            text = List.of(SD1_TEXT_OLD);
            width = (int) dim(src, SD1_TEXT_OLD + CLIP_TOKEN_EMB, 1);
        } else {
            throw notCheckpoint(name, "a UNet without a known text encoder (no cond_stage_model.* or "
                    + "conditioner.embedders.* token embedding); load a full checkpoint");
        }
        // The key layout decides the family; the width is read from the shapes (a small model with the real key
        // names, like Noodle's demo checkpoint, is the same family). What must hold is that the parts fit together:
        int context = contextWidth(src, keys);
        if (context != -1 && context != width) {
            throw new ModelFormatException(name + " looks like " + family + " but its UNet cross-attention takes "
                    + context + "-wide context while the text encoder gives " + width + ". The file mixes parts of"
                    + " different models.");
        }
        if (keys.contains("edm_mean") && keys.contains("edm_std")) { // ComfyUI's Playground v2.5 marker
            throw notCheckpoint(name, "a Playground v2.5 model (edm_mean/edm_std: EDM with its own latent format),"
                    + " which Noodle does not run");
        }
        // ComfyUI supported_models.SDXL.model_type: edm_vpred.sigma_max marks EDM v-prediction (cosxl)
        Prediction prediction = keys.contains("edm_vpred.sigma_max") ? Prediction.EDM_V
                : keys.contains("v_pred") ? Prediction.V
                : family == ModelFamily.SD2 ? Prediction.UNKNOWN : Prediction.EPS;
        Optional<String> vae = keys.contains(VAE + "decoder.conv_in.weight") ? Optional.of(VAE) : Optional.empty();
        return new CheckpointInfo(family.withInpainting(inpaint), prediction, inpaint, UNET, text, vae, width,
                inChannels);
    }

    /**
     * Whether a checkpoint is Stable unCLIP 2.1: an SD 2.x checkpoint whose UNet has a {@code label_emb} (it takes
     * a CLIP image embedding ‖ its noise-level embedding, {@link #detect} checks the width).
     */
    public static boolean isUnclip(CheckpointInfo info, TensorSource src) {
        return info.family().base() == ModelFamily.SD2 && src.contains(info.unetPrefix() + "label_emb.0.0.weight");
    }

    /**
     * Finds the VAE in a standalone VAE file or a checkpoint and returns its key prefix ("" for a standalone file
     * with bare {@code encoder.*}/{@code decoder.*} keys, {@code first_stage_model.} otherwise).
     *
     * @throws ModelFormatException when the file holds no VAE decoder
     */
    public static String detectVae(TensorSource src) {
        for (String prefix : List.of("", VAE)) {
            if (src.contains(prefix + "decoder.conv_in.weight") && src.contains(prefix + "post_quant_conv.weight")) {
                return prefix;
            }
        }
        throw new ModelFormatException(src.describe() + " holds no Stable Diffusion VAE (no decoder.conv_in.weight"
                + " or first_stage_model.decoder.conv_in.weight). Found " + sample(src.keys()) + ".");
    }

    /** Whether the file is a standalone VAE (VAE keys and no UNet). */
    public static boolean isStandaloneVae(TensorSource src) {
        return !hasPrefix(src.keys(), UNET) && src.contains("decoder.conv_in.weight")
                && src.contains("encoder.conv_in.weight");
    }

    private static void rejectNonCheckpoints(Set<String> keys, String name) {
        if (keys.stream().anyMatch(k -> k.startsWith("lora_unet_") || k.startsWith("lora_te") || k.endsWith(
                ".lora_down.weight") || k.endsWith(".lora_A.weight") || k.contains(".hada_w1_") || k.contains(
                ".lokr_w1"))) {
            throw notCheckpoint(name, "a LoRA/LyCORIS network; load it with a LoRA loader on top of a checkpoint");
        }
        if (keys.contains("emb_params") || hasPrefix(keys, "string_to_param")
                || (keys.contains("clip_l") && keys.contains("clip_g"))) {
            throw notCheckpoint(name, "a textual-inversion embedding; put it in the embeddings folder");
        }
        if (keys.stream().anyMatch(k -> k.contains("joint_blocks."))) {
            throw notCheckpoint(name, "a Stable Diffusion 3 (MMDiT) model, which Noodle does not run");
        }
        if (keys.stream().anyMatch(k -> k.contains("double_blocks.")) && keys.stream().anyMatch(
                k -> k.contains("single_blocks."))) {
            throw notCheckpoint(name, "a Flux model, which Noodle does not run");
        }
    }

    private static String describeWithoutUnet(Set<String> keys) {
        if (keys.contains("decoder.conv_in.weight") && keys.contains("encoder.conv_in.weight")) {
            return "a standalone VAE (encoder.*/decoder.* keys); load it with a VAE loader";
        }
        if (keys.contains(VAE + "decoder.conv_in.weight")) {
            return "a VAE without a UNet (first_stage_model.* keys only); load it with a VAE loader";
        }
        if (keys.contains("input_blocks.0.0.weight") || keys.contains("diffusion_model.input_blocks.0.0.weight")) {
            return "a UNet-only file without text encoder or VAE; load a full checkpoint";
        }
        if (hasPrefix(keys, "control_model.") || keys.stream().anyMatch(k -> k.contains("input_hint_block."))) {
            return "a ControlNet";
        }
        if (keys.contains("conv_in.weight") && keys.stream().anyMatch(k -> k.startsWith("down_blocks."))) {
            return "a diffusers-format component (down_blocks.* names); use the single-file checkpoint instead";
        }
        if (hasPrefix(keys, "text_model.") || hasPrefix(keys, "transformer.resblocks.")) {
            return "a standalone text encoder";
        }
        return "an unknown layout (keys like " + sample(keys) + ")";
    }

    private static int contextWidth(TensorSource src, Set<String> keys) {
        return keys.stream().filter(k -> k.startsWith(UNET) && k.endsWith(".attn2.to_k.weight")).sorted()
                .findFirst().map(k -> (int) dim(src, k, 1)).orElse(-1);
    }

    private static long dim(TensorSource src, String key, int axis) {
        long[] s = src.info(key).shape();
        if (s.length <= axis) {
            throw new ModelFormatException(src.describe() + ": tensor '" + key + "' has shape "
                    + java.util.Arrays.toString(s) + ", expected at least " + (axis + 1) + " dimensions");
        }
        return s[axis];
    }

    private static String shapeOf(TensorSource src, String key) {
        return src.contains(key) ? src.info(key).shapeText() : "absent";
    }

    private static boolean hasPrefix(Set<String> keys, String prefix) {
        return keys.stream().anyMatch(k -> k.startsWith(prefix));
    }

    private static String sample(Set<String> keys) {
        return keys.isEmpty() ? "no tensors" : keys.stream().sorted().limit(5).collect(Collectors.joining(", "))
                + (keys.size() > 5 ? ", ... (" + keys.size() + " keys)" : "");
    }

    private static ModelFormatException notCheckpoint(String name, String what) {
        return new ModelFormatException(name + " is not a Stable Diffusion 1/2/XL checkpoint: it looks like " + what
                + ".");
    }
}
