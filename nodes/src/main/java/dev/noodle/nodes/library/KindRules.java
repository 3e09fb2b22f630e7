package dev.noodle.nodes.library;

import dev.noodle.engine.control.ControlNetFormats;
import dev.noodle.engine.control.T2IAdapters;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.model.CheckpointInfo;
import dev.noodle.engine.model.FamilyDetector;
import dev.noodle.engine.model.ModelFamily;
import dev.noodle.engine.model.Prediction;
import dev.noodle.engine.upscale.CompactNet;
import dev.noodle.engine.upscale.RrdbNet;
import dev.noodle.engine.upscale.StateDicts;
import dev.noodle.engine.upscale.SwinIR;
import dev.noodle.engine.vae.TinyAutoencoder;
import dev.noodle.engine.vision.ClipVisionLayout;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The kind of a model and the base model its tensors show, from key names and shapes only. The layouts are the
 * published ones: kohya sd-scripts LoRA names ({@code lora_unet_*}, {@code lora_te_*}, {@code lora_te1_/te2_} for
 * SDXL) and LyCORIS factors ({@code hada_*}, {@code lokr_*}) as ComfyUI's {@code comfy/lora.py} reads them; LDM
 * checkpoints ({@code model.diffusion_model.*}, {@code cond_stage_model.*}, {@code conditioner.embedders.*}) as
 * ComfyUI's {@code model_detection.py}; A1111 embeddings and hypernetworks; lllyasviel/diffusers ControlNets,
 * TencentARC T2I-Adapters, ESRGAN-family upscalers, TAESD, CLIP vision, IP-Adapter, style and GLIGEN files as the
 * engine's loaders read them. Widths tell the base: cross-attention context 768 (SD 1.x), 1024 (SD 2.x), 2048 (SDXL);
 * text-encoder width 768 (CLIP-L), 1024 (OpenCLIP ViT-H), 1280 (OpenCLIP bigG). Stateless.
 */
final class KindRules {
    /** A kind with the base the tensors show ({@link BaseModel#UNKNOWN} when they do not) and why. */
    record Found(ModelType type, BaseModel base, String variant, String evidence) {}

    // the factor names ComfyUI's comfy/lora.py load_lora reads: kohya ".lora_up/down/mid.weight", diffusers
    // "_lora.up/down.weight" and ".lora_linear_layer.up/down.weight", PEFT ".lora_A/B.weight", LyCORIS LoHa, LoKr,
    // full difference, OFT and DoRA
    private static final Pattern LORA_SUFFIX = Pattern.compile(
            ".+(\\.lora_(up|down|mid)\\.weight|\\.lora_[AB]\\.weight|[._]lora\\.(up|down)\\.weight"
                    + "|\\.lora_linear_layer\\.(up|down)\\.weight|\\.hada_w[12]_[ab]|\\.hada_t[12]"
                    + "|\\.lokr_w[12](_[ab])?|\\.lokr_t2|\\.oft_blocks|\\.oft_diag|\\.diff|\\.diff_b|\\.dora_scale)$");
    /** kohya's module prefixes (UNet, text encoder, SDXL's two text encoders), as ComfyUI's key maps name them. */
    private static final Pattern KOHYA_PREFIX = Pattern.compile("lora_(unet|te|te1|te2|prior_unet|prior_te)_.+");
    private static final Pattern MANY_TRANSFORMER_BLOCKS = Pattern.compile(".*transformer_blocks[._][1-9].*");
    private static final Pattern SD_TEXT_DEEP_LAYER = Pattern.compile("lora_te_text_model_encoder_layers_(1[2-9]|2\\d)_.*");
    private static final Pattern HYPERNETWORK_KEY = Pattern.compile("\\d+\\.\\d+\\.linear\\.\\d+\\.(weight|bias)");
    private static final Set<String> EMBEDDING_KEYS = Set.of("emb_params", "clip_l", "clip_g", "string_to_param.*");

    private KindRules() {}

    /**
     * The kind the tensors show, or a {@link ModelFormatException} whose message says what the file is instead.
     *
     * @param src names and shapes (values are never read)
     * @param fileName the file's name, used only for TAESD, whose SD and SDXL variants have identical tensors
     */
    static Found classify(TensorTable src, String fileName) {
        Set<String> keys = src.keys();
        String name = src.describe();
        if (keys.isEmpty()) {
            throw new ModelFormatException(name + " holds no tensors");
        }
        Found f;
        if ((f = controlModel(src)) != null || (f = lora(src)) != null || (f = embedding(src)) != null
                || (f = hypernetwork(src)) != null || (f = ipAdapter(src)) != null || (f = checkpoint(src)) != null
                || (f = vae(src)) != null || (f = taesd(src, fileName)) != null || (f = upscaler(src)) != null
                || (f = clipVision(src)) != null || (f = styleOrGligen(src)) != null) {
            return f;
        }
        throw new ModelFormatException(name + " is no model Noodle recognises (keys like " + sample(keys) + ")");
    }

    private static Found lora(TensorTable src) {
        Set<String> keys = src.keys();
        if (keys.stream().noneMatch(k -> LORA_SUFFIX.matcher(k).matches() || KOHYA_PREFIX.matcher(k).matches())) {
            return null;
        }
        if (keys.stream().anyMatch(k -> k.startsWith("lora_prior_"))) {
            throw new ModelFormatException(src.describe() + " is a LoRA for Stable Cascade (lora_prior_*), which"
                    + " Noodle does not run");
        }
        if (keys.stream().anyMatch(k -> k.contains("double_blocks") || k.contains("single_blocks")
                || k.contains("single_transformer_blocks"))) {
            throw new ModelFormatException(src.describe() + " is a LoRA for Flux (double/single blocks), which"
                    + " Noodle does not run");
        }
        if (keys.stream().anyMatch(k -> k.contains("joint_blocks") || k.contains("context_block"))) {
            throw new ModelFormatException(src.describe() + " is a LoRA for Stable Diffusion 3 (joint blocks),"
                    + " which Noodle does not run");
        }
        boolean loha = keys.stream().anyMatch(k -> k.contains(".hada_w"));
        boolean lokr = keys.stream().anyMatch(k -> k.contains(".lokr_w"));
        boolean oft = keys.stream().anyMatch(k -> k.endsWith(".oft_blocks") || k.endsWith(".oft_diag"));
        boolean glora = keys.stream().anyMatch(k -> k.endsWith(".a1.weight")) && keys.stream().anyMatch(
                k -> k.endsWith(".b1.weight"));
        boolean lowRank = keys.stream().anyMatch(k -> k.endsWith("down.weight") || k.endsWith(".lora_A.weight"));
        boolean dora = keys.stream().anyMatch(k -> k.endsWith(".dora_scale"));
        boolean conv = keys.stream().filter(k -> k.endsWith(".lora_down.weight"))
                .map(src::shape).anyMatch(s -> s.length == 4 && (s[2] > 1 || s[3] > 1));
        ModelType type = loha || lokr || oft || glora || !lowRank ? ModelType.LYCORIS : ModelType.LORA;
        String variant = loha ? "LoHa" : lokr ? "LoKr" : oft ? "OFT" : glora ? "GLoRA" : !lowRank ? "full"
                : dora ? "DoRA"
                : conv ? "LoCon" : "";
        Base b = loraBase(src);
        return new Found(type, b.base, variant, b.why);
    }

    private record Base(BaseModel base, String why) {
        static final Base NONE = new Base(BaseModel.UNKNOWN, "");
    }

    private static Base loraBase(TensorTable src) {
        Set<String> keys = src.keys();
        if (keys.stream().anyMatch(k -> k.startsWith("lora_te2_") || k.startsWith("lora_te1_")
                || k.contains("text_encoder_2.") || k.startsWith("te2."))) {
            return new Base(BaseModel.SDXL, "second text encoder (lora_te2_)");
        }
        int context = -1;
        int text = -1;
        Boolean convProjIn = null;
        for (String k : keys) {
            long[] s = src.shape(k);
            boolean down = k.endsWith("lora_down.weight") || k.endsWith("lora_A.weight") || k.endsWith("lora.down.weight")
                    || k.endsWith("hada_w1_b") || k.endsWith("lora_linear_layer.down.weight");
            if (s == null || s.length < 2 || !down) {
                continue;
            }
            String n = k.replace('.', '_').replace("_processor_", "_");
            if (n.contains("attn2_to_k") || n.contains("attn2_to_v")) {
                context = (int) s[1];
            } else if (n.contains("self_attn_q_proj") || n.contains("self_attn_k_proj")) {
                text = (int) s[1];
            } else if (n.contains("proj_in") && !n.contains("lora_te")) {
                convProjIn = s.length == 4;
            }
        }
        if (context == 2048 || text == 1280) {
            return new Base(BaseModel.SDXL, context == 2048 ? "2048-wide cross-attention" : "1280-wide text encoder");
        }
        if (keys.stream().anyMatch(k -> MANY_TRANSFORMER_BLOCKS.matcher(k).matches())) {
            return new Base(BaseModel.SDXL, "UNet layout (several transformer blocks per attention)");
        }
        if (context == 1024 || text == 1024) {
            return new Base(BaseModel.SD2, context == 1024 ? "1024-wide cross-attention" : "1024-wide text encoder");
        }
        if (keys.stream().anyMatch(k -> SD_TEXT_DEEP_LAYER.matcher(k).matches())) {
            return new Base(BaseModel.SD2, "text encoder deeper than CLIP-L's 12 layers");
        }
        if (context == 768 || text == 768) {
            return new Base(BaseModel.SD1, context == 768 ? "768-wide cross-attention" : "768-wide text encoder");
        }
        if (Boolean.TRUE.equals(convProjIn)) {
            return new Base(BaseModel.SD1, "convolutional proj_in (SD 1.x UNet)");
        }
        return Base.NONE;
    }

    private static Found embedding(TensorTable src) {
        Set<String> keys = src.keys();
        boolean known = keys.stream().anyMatch(EMBEDDING_KEYS::contains);
        boolean onlyEmbedding = keys.stream().allMatch(k -> EMBEDDING_KEYS.contains(k) || k.startsWith("string_to_"));
        if (!known || !onlyEmbedding) {
            return null;
        }
        if (keys.contains("clip_g") || keys.contains("clip_l")) {
            long[] g = src.shape("clip_g");
            long[] l = src.shape("clip_l");
            if (g != null && l != null) {
                return new Found(ModelType.EMBEDDING, BaseModel.SDXL, "", "clip_l and clip_g vectors");
            }
            return new Found(ModelType.EMBEDDING, BaseModel.UNKNOWN, "", "");
        }
        long[] s = src.shape(keys.contains("emb_params") ? "emb_params" : "string_to_param.*");
        long width = s == null || s.length == 0 ? -1 : s[s.length - 1];
        BaseModel base = width == 768 ? BaseModel.SD1 : width == 1024 ? BaseModel.SD2 : BaseModel.UNKNOWN;
        return new Found(ModelType.EMBEDDING, base, "", base == BaseModel.UNKNOWN ? "" : width + "-wide vectors");
    }

    private static Found hypernetwork(TensorTable src) {
        Set<String> keys = src.keys();
        if (!keys.stream().allMatch(k -> HYPERNETWORK_KEY.matcher(k).matches())) {
            return null;
        }
        Set<String> widths = keys.stream().map(k -> k.substring(0, k.indexOf('.'))).collect(Collectors.toSet());
        BaseModel base = widths.contains("768") && !widths.contains("1024") ? BaseModel.SD1
                : widths.contains("1024") && !widths.contains("768") ? BaseModel.SD2 : BaseModel.UNKNOWN;
        return new Found(ModelType.HYPERNETWORK, base, "", base == BaseModel.UNKNOWN ? ""
                : "modules for the " + (base == BaseModel.SD1 ? 768 : 1024) + "-wide text context");
    }

    private static Found controlModel(TensorTable src) {
        Set<String> keys = src.keys();
        ControlNetFormats.Format format = ControlNetFormats.detect(keys);
        TensorSource adapter = src;
        if (format == ControlNetFormats.Format.UNKNOWN && keys.stream().allMatch(k -> k.startsWith("adapter."))
                && T2IAdapters.isAdapter(src.withPrefix("adapter.").keys())) {
            format = ControlNetFormats.Format.T2I_ADAPTER;
            adapter = src.withPrefix("adapter.");
        }
        switch (format) {
            case UNKNOWN -> {
                return null;
            }
            case T2I_ADAPTER -> {
                Set<String> ak = adapter.keys();
                String convIn = ak.contains("conv_in.weight") ? "conv_in.weight"
                        : ak.contains("adapter.conv_in.weight") ? "adapter.conv_in.weight" : null;
                if (convIn == null) {
                    return new Found(ModelType.T2I_ADAPTER, BaseModel.SD1, "light", "light adapters are SD 1.x's");
                }
                long[] s = adapter.info(convIn).shape();
                long cin = s.length == 4 ? s[1] : -1;
                BaseModel base = cin == 256 || cin == 768 ? BaseModel.SDXL : cin == 64 || cin == 192 ? BaseModel.SD1
                        : BaseModel.UNKNOWN;
                return new Found(ModelType.T2I_ADAPTER, base, "", base == BaseModel.UNKNOWN ? ""
                        : "input unshuffled by " + (base == BaseModel.SDXL ? 16 : 8));
            }
            case CONTROL_LORA -> {
                Base b = contextBase(src);
                return new Found(ModelType.CONTROLNET, b == Base.NONE ? BaseModel.SDXL : b.base, "control-LoRA",
                        b == Base.NONE ? "Stability's control-LoRAs are made for SDXL" : b.why);
            }
            default -> {
                Base b = contextBase(src);
                String variant = format == ControlNetFormats.Format.DIFFUSERS ? "diffusers layout"
                        : format == ControlNetFormats.Format.DIFFERENCE ? "difference" : "";
                return new Found(ModelType.CONTROLNET, b.base, variant, b.why);
            }
        }
    }

    /** A UNet-shaped network's base, from its cross-attention width and transformer depth. */
    private static Base contextBase(TensorTable src) {
        int context = -1;
        for (String k : src.keys()) {
            if (k.endsWith("attn2.to_k.weight")) {
                long[] s = src.shape(k);
                if (s.length == 2) {
                    context = (int) s[1];
                    break;
                }
            }
        }
        if (context == 2048 || src.keys().stream().anyMatch(k -> k.contains("label_emb.") || k.contains(
                "add_embedding."))) {
            return new Base(BaseModel.SDXL, context == 2048 ? "2048-wide cross-attention" : "size conditioning"
                    + " (label_emb)");
        }
        if (context == 1024) {
            return new Base(BaseModel.SD2, "1024-wide cross-attention");
        }
        if (context == 768) {
            return new Base(BaseModel.SD1, "768-wide cross-attention");
        }
        return Base.NONE;
    }

    private static Found ipAdapter(TensorTable src) {
        Set<String> keys = src.keys();
        boolean modules = keys.stream().anyMatch(k -> k.startsWith("ip_adapter.") || k.startsWith("adapter_modules."));
        if (!modules || keys.stream().noneMatch(k -> k.startsWith("image_proj."))) {
            return null;
        }
        for (String k : keys) {
            if (k.endsWith(".to_k_ip.weight")) {
                long[] s = src.shape(k);
                long w = s.length == 2 ? s[1] : -1;
                BaseModel base = w == 768 ? BaseModel.SD1 : w == 1024 ? BaseModel.SD2 : w == 2048 ? BaseModel.SDXL
                        : BaseModel.UNKNOWN;
                return new Found(ModelType.IP_ADAPTER, base, "", base == BaseModel.UNKNOWN ? ""
                        : w + "-wide text context");
            }
        }
        return new Found(ModelType.IP_ADAPTER, BaseModel.UNKNOWN, "", "");
    }

    private static Found checkpoint(TensorTable src) {
        Set<String> keys = src.keys();
        if (!keys.stream().anyMatch(k -> k.startsWith("model.diffusion_model."))) {
            if (keys.contains("input_blocks.0.0.weight") || keys.contains("diffusion_model.input_blocks.0.0.weight")
                    || keys.contains("conv_in.weight") && keys.contains("time_embedding.linear_1.weight")) {
                throw new ModelFormatException(src.describe() + " is a UNet-only file (no text encoder or VAE);"
                        + " Noodle loads full checkpoints");
            }
            return null;
        }
        CheckpointInfo info = FamilyDetector.detect(src);
        ModelFamily family = info.family();
        BaseModel base = switch (family.base()) {
            case SD1 -> BaseModel.SD1;
            case SD2 -> BaseModel.SD2;
            case SDXL_REFINER -> BaseModel.SDXL_REFINER;
            default -> BaseModel.SDXL;
        };
        String variant = info.inpainting() ? "inpainting" : "";
        if (info.prediction() == Prediction.V || info.prediction() == Prediction.EDM_V) {
            variant = variant.isEmpty() ? "v-prediction" : variant + ", v-prediction";
        }
        String how = switch (family.base()) {
            case SD1 -> "CLIP-L text encoder (cond_stage_model.transformer)";
            case SD2 -> "OpenCLIP text encoder (cond_stage_model.model)";
            case SDXL_REFINER -> "OpenCLIP bigG alone and size conditioning";
            default -> "CLIP-L and OpenCLIP bigG text encoders (conditioner.embedders)";
        };
        return new Found(ModelType.CHECKPOINT, base, variant, how);
    }

    private static Found vae(TensorTable src) {
        for (String prefix : new String[] {"", "first_stage_model.", "vae."}) {
            if (src.keys().contains(prefix + "decoder.conv_in.weight")
                    && src.keys().contains(prefix + "encoder.conv_in.weight")) {
                long[] s = src.shape(prefix + "decoder.conv_in.weight");
                if (s.length == 4 && s[1] != 4) {
                    throw new ModelFormatException(src.describe() + " is a VAE with " + s[1] + " latent channels"
                            + " (SD 3 / Flux), which Noodle does not run");
                }
                boolean diffusers = src.keys().stream().anyMatch(k -> k.startsWith(prefix + "decoder.up_blocks."));
                return new Found(ModelType.VAE, BaseModel.UNKNOWN, diffusers ? "diffusers layout" : "", "");
            }
        }
        return null;
    }

    private static Found taesd(TensorTable src, String fileName) {
        Map<String, long[]> enc = TinyAutoencoder.encoderShapes();
        Map<String, long[]> dec = TinyAutoencoder.decoderShapes();
        String part = sameShapes(src, dec) ? "decoder" : sameShapes(src, enc) ? "encoder" : null;
        if (part == null) {
            if (src.keys().equals(dec.keySet()) || src.keys().equals(enc.keySet())) {
                throw new ModelFormatException(src.describe() + " has TAESD's layout with other widths (a TAESD for"
                        + " SD 3 or Flux?), which Noodle does not run");
            }
            return null;
        }
        String n = fileName.toLowerCase(Locale.ROOT);
        BaseModel base = n.startsWith("taesdxl") ? BaseModel.SDXL : n.startsWith("taesd_") || n.startsWith("taesd.")
                ? BaseModel.SD1 : BaseModel.UNKNOWN;
        return new Found(ModelType.TAESD, base, part, base == BaseModel.UNKNOWN ? ""
                : "file name (SD and SDXL TAESD files have the same tensors)");
    }

    private static boolean sameShapes(TensorTable src, Map<String, long[]> expected) {
        if (!src.keys().equals(expected.keySet())) {
            return false;
        }
        return expected.entrySet().stream().allMatch(e -> Arrays.equals(e.getValue(), src.shape(e.getKey())));
    }

    private static Found upscaler(TensorTable src) {
        TensorSource s = StateDicts.unwrap(src);
        Set<String> keys = s.keys();
        String variant = RrdbNet.matches(keys) ? "ESRGAN" : CompactNet.matches(keys) ? "Compact"
                : SwinIR.matches(keys) ? "SwinIR" : null;
        return variant == null ? null : new Found(ModelType.UPSCALER, BaseModel.UNKNOWN, variant, "");
    }

    private static Found clipVision(TensorTable src) {
        if (ClipVisionLayout.of(src) == null) {
            return null;
        }
        return new Found(ModelType.CLIP_VISION, BaseModel.UNKNOWN, "", "");
    }

    private static Found styleOrGligen(TensorTable src) {
        Set<String> keys = src.keys();
        if (keys.contains("style_embedding")) {
            long[] p = src.shape("proj");
            long w = p != null && p.length == 2 ? p[1] : -1;
            BaseModel base = w == 768 ? BaseModel.SD1 : BaseModel.UNKNOWN;
            return new Found(ModelType.STYLE_MODEL, base, "", base == BaseModel.UNKNOWN ? "" : "768-wide tokens");
        }
        if (keys.stream().anyMatch(k -> k.startsWith("position_net."))) {
            return new Found(ModelType.GLIGEN, BaseModel.SD1, "", "GLIGEN is made for SD 1.x");
        }
        return null;
    }

    static String sample(Set<String> keys) {
        return keys.stream().sorted().limit(4).collect(Collectors.joining(", ")) + (keys.size() > 4 ? ", … ("
                + keys.size() + " tensors)" : "");
    }
}
