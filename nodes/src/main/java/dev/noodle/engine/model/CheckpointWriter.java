package dev.noodle.engine.model;

import dev.noodle.engine.io.DType;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.engine.io.WeightSet;
import dev.noodle.engine.keys.KeyNames;
import dev.noodle.engine.sampling.PredictionType;
import dev.noodle.engine.text.ClipTextModel;
import dev.noodle.engine.unet.UNetConfig;
import dev.noodle.engine.unet.UNetWeights;
import dev.noodle.engine.vae.AutoencoderKL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Writes a single-file safetensors checkpoint in the original LDM key layout ({@code model.diffusion_model.*},
 * {@code cond_stage_model.transformer.text_model.*} for SD 1.x or {@code cond_stage_model.model.*} with open_clip
 * names for SD 2.x, {@code first_stage_model.*}), the layout {@link CheckpointLoader} reads back, as ComfyUI's
 * {@code CheckpointSave} does. SDXL is written as ComfyUI's {@code SDXL.process_clip_state_dict_for_saving} lays it
 * out: CLIP-L under {@code conditioner.embedders.0.transformer.text_model.*} (Hugging Face names, no text projection,
 * plus the int64 {@code embeddings.position_ids} buffer) and OpenCLIP bigG under {@code conditioner.embedders.1.model.*}
 * (open_clip names: packed {@code in_proj_weight/bias}, {@code text_projection [D, P]}, {@code logit_scale}); the
 * refiner has its bigG alone under {@code conditioner.embedders.0.model.*}. A v-prediction model gets ComfyUI's empty
 * {@code v_pred} marker tensor.
 *
 * <p>Tensors keep their stored dtype (F32, or F16 where the UNet is stored in half precision) and are copied out
 * of native memory one at a time while the file is written, so saving needs no second copy of the model. The file
 * is written atomically (temporary file, then rename). Stateless.
 */
public final class CheckpointWriter {
    /** Prefix of the SD 1.x text encoder (Hugging Face names). */
    public static final String SD1_TEXT = ClipTextModel.SD1_PREFIX;
    /** Prefix of the SD 2.x text encoder (open_clip names). */
    public static final String SD2_TEXT = ClipTextModel.SD2_PREFIX;

    /**
     * What a checkpoint holds.
     *
     * @param family the UNet's family (inpainting variants included)
     * @param unet UNet weights (keys relative to {@value UNetConfig#PREFIX})
     * @param clip the text encoder, Hugging Face key names (SD 2.x and the SDXL refiner's bigG are renamed back to
     *     open_clip's); SDXL's CLIP-L
     * @param vae the autoencoder
     * @param prediction eps or v; v adds the {@code v_pred} marker
     * @param clip2 SDXL's OpenCLIP bigG (Hugging Face key names), null for the other families
     */
    public record Parts(ModelFamily family, UNetWeights unet, ClipTextModel clip, AutoencoderKL vae,
            PredictionType prediction, ClipTextModel clip2) {
        /** A single-encoder checkpoint (SD 1.x, SD 2.x, the SDXL refiner). */
        public Parts(ModelFamily family, UNetWeights unet, ClipTextModel clip, AutoencoderKL vae,
                PredictionType prediction) {
            this(family, unet, clip, vae, prediction, null);
        }
    }

    private CheckpointWriter() {}

    /**
     * What a checkpoint holds, as weights read one tensor at a time while the file is written (from loaded models,
     * from the files they come from, or computed per key by a merge), so a checkpoint is saved with a working set
     * of one tensor. Each tensor is written in its {@linkplain WeightSet#dtype stored type}.
     *
     * @param family the UNet's family
     * @param unet UNet weights (keys relative to {@value UNetConfig#PREFIX})
     * @param clip the text encoder's parameters under Hugging Face names (SDXL: CLIP-L)
     * @param vae the autoencoder's parameters (LDM names without {@code first_stage_model.})
     * @param prediction eps or v; v adds the {@code v_pred} marker
     * @param clip2 SDXL's OpenCLIP bigG under Hugging Face names, null for the other families
     */
    public record Streams(ModelFamily family, WeightSet unet, WeightSet clip, WeightSet vae, PredictionType prediction,
            WeightSet clip2) {}

    /** The weights of loaded models, read from their arrays while the file is written. */
    public static Streams streams(Parts parts) {
        return new Streams(parts.family(), parts.unet() == null ? null : unetWeights(parts.unet()),
                parts.clip() == null ? null : clipWeights(parts.clip()),
                parts.vae() == null ? null : vaeWeights(parts.vae()), parts.prediction(),
                parts.clip2() == null ? null : clipWeights(parts.clip2()));
    }

    /**
     * A loaded UNet's weights in their stored types; an fp16 file widened once at load is written back as F16 (its
     * values are exactly fp16, so nothing is rounded).
     */
    public static WeightSet unetWeights(UNetWeights unet) {
        WeightSet stored = WeightSet.ofArrays(unet.keys(), unet::get, "UNet");
        if (unet.fileType() != ai.djl.ndarray.types.DataType.FLOAT16
                || unet.precision().storage() == ai.djl.ndarray.types.DataType.FLOAT16) {
            return stored;
        }
        return new WeightSet() {
            @Override
            public java.util.List<String> keys() {
                return stored.keys();
            }

            @Override
            public long[] shape(String key) {
                return stored.shape(key);
            }

            @Override
            public DType dtype(String key) {
                return DType.F16;
            }

            @Override
            public float[] floats(String key) {
                return stored.floats(key);
            }

            @Override
            public String describe() {
                return stored.describe();
            }
        };
    }

    /** A loaded text encoder's parameters (Hugging Face names). */
    public static WeightSet clipWeights(ClipTextModel clip) {
        return WeightSet.ofArrays(clip.parameterKeys(), clip::parameter, "text encoder");
    }

    /** A loaded autoencoder's parameters. */
    public static WeightSet vaeWeights(AutoencoderKL vae) {
        return WeightSet.ofArrays(vae.parameterKeys(), vae::parameter, "VAE");
    }

    /**
     * A writer holding every tensor of {@code parts} under LDM names plus {@code metadata} as {@code __metadata__}.
     *
     * @throws ModelFormatException when an SDXL checkpoint lacks its bigG encoder, or a single-encoder family is
     *     given two
     */
    public static SafetensorsWriter writer(Parts parts, Map<String, String> metadata) {
        return writer(streams(parts), metadata);
    }

    /**
     * A writer holding every tensor of {@code parts} under LDM names plus {@code metadata} as {@code __metadata__};
     * the tensors are read from {@code parts} one at a time when the file is written.
     *
     * @throws ModelFormatException when an SDXL checkpoint lacks its bigG encoder, or a single-encoder family is
     *     given two
     */
    public static SafetensorsWriter writer(Streams parts, Map<String, String> metadata) {
        ModelFamily base = parts.family().base();
        if (base == ModelFamily.SDXL && parts.clip2() == null) {
            throw new ModelFormatException("Cannot save an " + parts.family() + " checkpoint without its second text"
                    + " encoder (OpenCLIP bigG): connect the CLIP output of the SDXL checkpoint loader, which carries"
                    + " both CLIP-L and bigG");
        }
        if (base != ModelFamily.SDXL && parts.clip2() != null) {
            throw new ModelFormatException("A " + parts.family() + " checkpoint has one text encoder, but two were"
                    + " given (an SDXL CLIP); connect the CLIP of a " + parts.family() + " model");
        }
        SafetensorsWriter w = new SafetensorsWriter();
        metadata.forEach(w::metadata);
        addAll(w, UNetConfig.PREFIX, parts.unet());
        switch (base) {
            case SD1 -> addAll(w, SD1_TEXT, parts.clip());
            case SD2 -> OpenClipWriter.add(w, SD2_TEXT, parts.clip());
            case SDXL -> {
                // ComfyUI drops CLIP-L's projection (SDXL pools through bigG only) and writes its position ids
                String l = ClipTextModel.SDXL_CLIP_L_PREFIX;
                for (String k : parts.clip().keys()) {
                    if (!k.equals(ClipTextModel.PROJECTION_KEY)) {
                        add(w, l + k, parts.clip(), k);
                    }
                }
                int n = maxPositions(parts.clip());
                w.add(l + KeyNames.HF_POSITION_IDS, DType.I64, new long[] {1, n}, () -> positionIds(n));
                bigG(w, ClipTextModel.SDXL_CLIP_G_PREFIX, parts.clip2());
            }
            case SDXL_REFINER -> bigG(w, ClipTextModel.SDXL_REFINER_CLIP_G_PREFIX, parts.clip());
            default -> throw new ModelFormatException("Saving " + parts.family() + " checkpoints is not supported");
        }
        addAll(w, AutoencoderKL.CHECKPOINT_PREFIX, parts.vae());
        if (parts.prediction() == PredictionType.V_PREDICTION) {
            w.add("v_pred", DType.F32, new long[] {0}, () -> ByteBuffer.allocate(0));
        }
        return w;
    }

    // the text encoder's context length: the rows of its position embedding
    private static int maxPositions(WeightSet clip) {
        return (int) clip.shape("embeddings.position_embedding.weight")[0];
    }

    private static void addAll(SafetensorsWriter w, String prefix, WeightSet s) {
        for (String k : s.keys()) {
            add(w, prefix + k, s, k);
        }
    }

    // an SDXL bigG under open_clip names, with the logit_scale scalar ComfyUI writes beside it (Noodle does not keep
    // the loaded value: encoding never uses it)
    private static void bigG(SafetensorsWriter w, String prefix, WeightSet g) {
        OpenClipWriter.add(w, prefix, g);
        addFloats(w, prefix + KeyNames.OPEN_CLIP_LOGIT_SCALE, new long[] {},
                () -> new float[] {KeyNames.COMFY_LOGIT_SCALE});
    }

    // int64 0 … n−1, little-endian
    private static ByteBuffer positionIds(int n) {
        ByteBuffer b = ByteBuffer.allocate(n * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < n; i++) {
            b.putLong(i);
        }
        return b.flip();
    }

    /**
     * A writer holding a UNet alone as ComfyUI's ModelSave writes it: every weight under {@value UNetConfig#PREFIX},
     * plus the empty {@code v_pred} marker for a v-prediction model. Any family (SDXL included) can be written so.
     */
    public static SafetensorsWriter unetWriter(UNetWeights unet, PredictionType prediction,
            Map<String, String> metadata) {
        return unetWriter(unetWeights(unet), prediction, metadata);
    }

    /** As {@link #unetWriter(UNetWeights, PredictionType, Map)}, the weights read one at a time from {@code unet}. */
    public static SafetensorsWriter unetWriter(WeightSet unet, PredictionType prediction,
            Map<String, String> metadata) {
        SafetensorsWriter w = new SafetensorsWriter();
        metadata.forEach(w::metadata);
        addAll(w, UNetConfig.PREFIX, unet);
        if (prediction == PredictionType.V_PREDICTION) {
            w.add("v_pred", DType.F32, new long[] {0}, () -> ByteBuffer.allocate(0));
        }
        return w;
    }

    /**
     * A writer holding an autoencoder as ComfyUI's VAESave writes it: the state dict of {@code first_stage_model}
     * with that prefix removed ({@code encoder.*}, {@code decoder.*}, {@code quant_conv.*}, …), the layout of a
     * standalone VAE file.
     */
    public static SafetensorsWriter vaeWriter(AutoencoderKL vae, Map<String, String> metadata) {
        return vaeWriter(vaeWeights(vae), metadata);
    }

    /** As {@link #vaeWriter(AutoencoderKL, Map)}, the parameters read one at a time from {@code vae}. */
    public static SafetensorsWriter vaeWriter(WeightSet vae, Map<String, String> metadata) {
        SafetensorsWriter w = new SafetensorsWriter();
        metadata.forEach(w::metadata);
        addAll(w, "", vae);
        return w;
    }

    /**
     * A writer holding one text encoder as ComfyUI's CLIPSave writes each of a CLIP's encoders: Hugging Face
     * {@code CLIPTextModel} names with the {@code clip_x.transformer.} prefix removed ({@code text_model.*}, and
     * {@code text_projection.weight} where the encoder has a projection).
     */
    public static SafetensorsWriter clipWriter(ClipTextModel clip, Map<String, String> metadata) {
        return clipWriter(clipWeights(clip), metadata);
    }

    /** As {@link #clipWriter(ClipTextModel, Map)}, the parameters read one at a time from {@code clip}. */
    public static SafetensorsWriter clipWriter(WeightSet clip, Map<String, String> metadata) {
        SafetensorsWriter w = new SafetensorsWriter();
        metadata.forEach(w::metadata);
        for (String k : clip.keys()) {
            add(w, k.equals(ClipTextModel.PROJECTION_KEY) ? k : "text_model." + k, clip, k);
        }
        return w;
    }

    /** Adds a weight in its stored type, read from {@code s} when the file is written. */
    static void add(SafetensorsWriter w, String name, WeightSet s, String key) {
        DType dtype = s.dtype(key);
        if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16) {
            throw new ModelFormatException("Cannot save '" + name + "': its weights are " + dtype
                    + "; Noodle saves float32, float16 and bfloat16 weights");
        }
        w.add(name, dtype, s.shape(key), () -> s.bytes(key));
    }

    /** Adds float32 values computed when the file is written. */
    static void addFloats(SafetensorsWriter w, String name, long[] shape, Supplier<float[]> values) {
        w.add(name, DType.F32, shape, () -> {
            float[] v = values.get();
            ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(v);
            return b;
        });
    }
}
