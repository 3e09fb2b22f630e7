package dev.noodle.engine.model;

import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.engine.text.ClipConfig;
import dev.noodle.engine.text.ClipTextModel;
import dev.noodle.engine.text.DemoVocabulary;
import dev.noodle.engine.unet.UNetConfig;
import dev.noodle.engine.vae.AutoencoderKL;
import dev.noodle.engine.vae.VaeConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes tiny random-weight SDXL, SDXL refiner, SD 2.x and inpainting checkpoints in the real single-file layouts, for tests and examples:
 * SDXL with {@code conditioner.embedders.0.transformer.text_model.*} (CLIP-L, Hugging Face names) and
 * {@code conditioner.embedders.1.model.*} (OpenCLIP bigG, open_clip names with packed {@code in_proj_weight},
 * {@code text_projection} used as x·P, {@code logit_scale}); the SDXL refiner with bigG alone under
 * {@code conditioner.embedders.0.model.*}; SD 2.x with {@code cond_stage_model.model.*} (OpenCLIP
 * ViT-H names); both with {@code model.diffusion_model.*} and {@code first_stage_model.*}; the v variants add a root
 * {@code v_pred} key, as ComfyUI reads it. Widths are small and the text encoders use the generated demo vocabulary
 * (named in the metadata), so nothing outside the repository is needed. Values as {@link DemoCheckpoint}'s:
 * deterministic per key. Stateless.
 */
public final class TinyCheckpoints {
    /** Which checkpoint to write. */
    public enum Kind {
        SDXL(ModelFamily.SDXL, false),
        SDXL_VPRED(ModelFamily.SDXL, true),
        SD2(ModelFamily.SD2, false),
        SD2_V(ModelFamily.SD2, true),
        /** The SDXL refiner: its own UNet shape and OpenCLIP bigG alone under {@code conditioner.embedders.0.model.}. */
        SDXL_REFINER(ModelFamily.SDXL_REFINER, false),
        /** SD 2.x inpainting (as {@code 512-inpainting-ema}): the SD 2.x layout with a 9-channel UNet input. */
        SD2_INPAINT(ModelFamily.SD2_INPAINT, false),
        /**
         * SD 1.x inpainting (as {@code sd-v1-5-inpainting}): the demo checkpoint's layout and widths (CLIP-L with
         * Hugging Face names under {@code cond_stage_model.transformer.text_model.}) with a 9-channel UNet input.
         */
        SD1_INPAINT(ModelFamily.SD1_INPAINT, false);

        private final ModelFamily family;
        private final boolean vpred;

        Kind(ModelFamily family, boolean vpred) {
            this.family = family;
            this.vpred = vpred;
        }

        /** The family the loader detects in the written file. */
        public ModelFamily family() {
            return family;
        }
    }

    private TinyCheckpoints() {}

    /** SDXL's CLIP-L, small: width 64, 12 layers (so every clip skip works). */
    public static ClipConfig sdxlClipL() {
        return new ClipConfig(64, 12, 1, DemoVocabulary.tokenizer().vocabSize(), 77, 256,
                ClipConfig.Activation.QUICK_GELU, 1e-5f);
    }

    /** SDXL's OpenCLIP bigG, small: width 128, 4 layers, GELU, a 128-wide text projection. */
    public static ClipConfig sdxlClipG() {
        return new ClipConfig(128, 4, 2, DemoVocabulary.tokenizer().vocabSize(), 77, 512,
                ClipConfig.Activation.GELU, 1e-5f, 128);
    }

    /** SD 2.x's OpenCLIP ViT-H, small: width 128, 4 layers, GELU (projection stored but unused, as in SD 2.x). */
    public static ClipConfig sd2Clip() {
        return new ClipConfig(128, 4, 2, DemoVocabulary.tokenizer().vocabSize(), 77, 512,
                ClipConfig.Activation.GELU, 1e-5f, 128);
    }

    /**
     * The SDXL UNet, small: {@link UNetConfig#tinyXl()}'s block structure with the context of the two encoders
     * (64 + 128) and a {@code label_emb} for the projection plus six size embeddings (128 + 1536).
     */
    public static UNetConfig sdxlUnet() {
        UNetConfig t = UNetConfig.tinyXl();
        return new UNetConfig(4, 4, 32, t.channelMult(), 2, t.inputDepth(), t.middleDepth(), t.outputDepth(), -1, 64,
                sdxlClipL().width() + sdxlClipG().width(), true, sdxlClipG().projectionDim() + 6 * 256);
    }

    /** The SDXL refiner's OpenCLIP bigG, small: as {@link #sdxlClipG()}. */
    public static ClipConfig refinerClipG() {
        return sdxlClipG();
    }

    /**
     * The SDXL refiner's UNet, small, with the real key names: {@link UNetConfig#sdxlRefiner()}'s four levels,
     * ResBlocks and transformer depths (0/4/4/0 per level, 4 in the middle) at width 32 (levels {1, 2, 2, 2}, so
     * every transformer has one 64-channel head), the bigG context (128) and a {@code label_emb} for the projection
     * plus five size/score embeddings (128 + 1280).
     */
    public static UNetConfig refinerUnet() {
        UNetConfig r = UNetConfig.sdxlRefiner();
        return new UNetConfig(4, 4, 32, new int[] {1, 2, 2, 2}, 2, r.inputDepth(), r.middleDepth(), r.outputDepth(),
                -1, 64, refinerClipG().width(), true, refinerClipG().projectionDim() + 5 * 256);
    }

    /** The SD 2.x UNet, small: two levels at width 64, 64-channel heads, linear projections, 128-wide context. */
    public static UNetConfig sd2Unet() {
        return new UNetConfig(4, 4, 64, new int[] {1, 2}, 1, new boolean[] {true, true}, -1, 64, 1,
                sd2Clip().width(), true);
    }

    /** Writes the checkpoint (atomically); returns {@code file}. */
    public static Path write(Path file, Kind kind) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        SafetensorsWriter w = new SafetensorsWriter();
        w.metadata(DemoCheckpoint.TOKENIZER_KEY, DemoCheckpoint.DEMO_TOKENIZER);
        w.metadata("noodle.description", "tiny random-weight " + kind + " checkpoint for tests");
        UNetConfig unet = switch (kind.family.base()) {
            case SD1 -> DemoCheckpoint.unetConfig();
            case SD2 -> sd2Unet();
            case SDXL -> sdxlUnet();
            case SDXL_REFINER -> refinerUnet();
            default -> throw new IllegalStateException("not a base family: " + kind.family.base());
        };
        add(w, "", UNetConfig.parameterShapes(kind.family.inpainting() ? unet.withInChannels(9) : unet));
        switch (kind.family.base()) {
            case SD1 -> add(w, "cond_stage_model.transformer.text_model.",
                    ClipTextModel.parameterShapes(DemoCheckpoint.clipConfig()));
            case SD2 -> add(w, "cond_stage_model.model.", openClipShapes(sd2Clip()));
            case SDXL_REFINER -> add(w, ClipTextModel.SDXL_REFINER_CLIP_G_PREFIX, openClipShapes(refinerClipG()));
            default -> {
                add(w, ClipTextModel.SDXL_CLIP_L_PREFIX, ClipTextModel.parameterShapes(sdxlClipL()));
                add(w, ClipTextModel.SDXL_CLIP_G_PREFIX, openClipShapes(sdxlClipG()));
            }
        }
        add(w, AutoencoderKL.CHECKPOINT_PREFIX, AutoencoderKL.parameterShapes(VaeConfig.tiny()));
        if (kind.vpred) {
            w.addF32("v_pred", new long[] {0}, new float[0]);
        }
        w.write(file);
        return file;
    }

    /**
     * Key names (relative to the OpenCLIP model prefix) and shapes of an OpenCLIP text transformer stored as
     * open_clip saves it: {@code token_embedding.weight}, {@code positional_embedding},
     * {@code transformer.resblocks.i.{ln_1,attn.in_proj_weight [3D, D],attn.in_proj_bias,attn.out_proj,ln_2,
     * mlp.c_fc,mlp.c_proj}}, {@code ln_final}, {@code text_projection [D, P]}, {@code logit_scale []}.
     */
    public static Map<String, long[]> openClipShapes(ClipConfig c) {
        Map<String, long[]> m = new LinkedHashMap<>();
        long d = c.width();
        m.put("token_embedding.weight", new long[] {c.vocabSize(), d});
        m.put("positional_embedding", new long[] {c.maxPositions(), d});
        for (int i = 0; i < c.layers(); i++) {
            String p = "transformer.resblocks." + i + ".";
            m.put(p + "ln_1.weight", new long[] {d});
            m.put(p + "ln_1.bias", new long[] {d});
            m.put(p + "attn.in_proj_weight", new long[] {3 * d, d});
            m.put(p + "attn.in_proj_bias", new long[] {3 * d});
            m.put(p + "attn.out_proj.weight", new long[] {d, d});
            m.put(p + "attn.out_proj.bias", new long[] {d});
            m.put(p + "ln_2.weight", new long[] {d});
            m.put(p + "ln_2.bias", new long[] {d});
            m.put(p + "mlp.c_fc.weight", new long[] {c.mlpWidth(), d});
            m.put(p + "mlp.c_fc.bias", new long[] {c.mlpWidth()});
            m.put(p + "mlp.c_proj.weight", new long[] {d, c.mlpWidth()});
            m.put(p + "mlp.c_proj.bias", new long[] {d});
        }
        m.put("ln_final.weight", new long[] {d});
        m.put("ln_final.bias", new long[] {d});
        if (c.projectionDim() > 0) {
            m.put("text_projection", new long[] {d, c.projectionDim()});
        }
        m.put("logit_scale", new long[] {});
        return m;
    }

    static void add(SafetensorsWriter w, String prefix, Map<String, long[]> shapes) {
        for (Map.Entry<String, long[]> e : new TreeMap<>(shapes).entrySet()) {
            String key = prefix + e.getKey();
            long[] shape = e.getValue();
            float[] v = shape.length == 0 ? new float[] {4.6052f} : DemoCheckpoint.values(key, shape);
            if (key.endsWith("ln_1.weight") || key.endsWith("ln_2.weight") || key.endsWith("ln_final.weight")) {
                java.util.Arrays.fill(v, 1f); // layer-norm gains (DemoCheckpoint's rule knows the HF names only)
            }
            w.addF32(key, shape, v);
        }
    }
}
