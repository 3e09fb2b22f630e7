package dev.noodle.engine.model;

import dev.noodle.engine.io.MapTensorSource;
import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.engine.text.ClipConfig;
import dev.noodle.engine.text.ClipTextModel;
import dev.noodle.engine.text.DemoVocabulary;
import dev.noodle.engine.unet.UNetConfig;
import dev.noodle.engine.vae.AutoencoderKL;
import dev.noodle.engine.vae.VaeConfig;
import dev.noodle.engine.vision.ClipVisionConfig;
import dev.noodle.engine.vision.ClipVisionLayout;
import dev.noodle.engine.vision.ClipVisionWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
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
        SD1_INPAINT(ModelFamily.SD1_INPAINT, false),
        /**
         * Stable unCLIP 2.1 with the ViT-H image tower (as {@code sd21-unclip-h.ckpt}): the SD 2.x layout, a UNet
         * {@code label_emb} for image embedding ‖ noise-level embedding, the image tower under
         * {@code embedder.model.visual.*} with the open_clip text leftovers, and the {@code noise_augmentor.*}
         * schedule buffers.
         */
        SD21_UNCLIP_H(ModelFamily.SD2, false, 32),
        /** Stable unCLIP 2.1 with the ViT-L image tower (as {@code sd21-unclip-l.ckpt}): as H, a narrower embedding. */
        SD21_UNCLIP_L(ModelFamily.SD2, false, 24);

        private final ModelFamily family;
        private final boolean vpred;
        private final int unclipEmbedding;

        Kind(ModelFamily family, boolean vpred) {
            this(family, vpred, 0);
        }

        Kind(ModelFamily family, boolean vpred, int unclipEmbedding) {
            this.family = family;
            this.vpred = vpred;
            this.unclipEmbedding = unclipEmbedding;
        }

        /** Width of the image embedding of an unCLIP kind (the UNet takes twice as many values), 0 otherwise. */
        public int unclipEmbedding() {
            return unclipEmbedding;
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

    /** The UNet of a tiny unCLIP kind: {@link #sd2Unet()} with a {@code label_emb} of 2·embedding inputs. */
    public static UNetConfig sd2UnclipUnet(int embedding) {
        UNetConfig s = sd2Unet();
        return new UNetConfig(s.inChannels(), s.outChannels(), s.modelChannels(), s.channelMult(), s.numResBlocks(),
                s.inputDepth(), s.middleDepth(), s.outputDepth(), s.numHeads(), s.headChannels(), s.contextDim(),
                s.linearProjection(), 2 * embedding);
    }

    /** The image tower of a tiny unCLIP kind: 64 wide, 3 blocks, 16 heads, 4-pixel patches of a 16-pixel image. */
    public static ClipVisionConfig unclipTower(int embedding) {
        return new ClipVisionConfig(64, 3, 16, 128, 4, 16, embedding, ClipConfig.Activation.GELU, 1e-5f);
    }

    /**
     * Key names and shapes of what an unCLIP checkpoint holds besides the UNet, text encoder and VAE: the image
     * embedder (an open_clip model whose text transformer was deleted, {@code FrozenOpenCLIPImageEmbedder}):
     * {@code embedder.model.visual.*} in open_clip names plus the text side's {@code token_embedding},
     * {@code positional_embedding}, {@code ln_final}, {@code text_projection} and {@code logit_scale}; and the
     * noise augmentor's registered schedule buffers {@code noise_augmentor.{betas, alphas_cumprod, …}} [timesteps]
     * (its data mean/std are not saved).
     */
    public static Map<String, long[]> unclipExtraShapes(ClipVisionConfig tower, ClipConfig text) {
        Map<String, long[]> m = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : ClipVisionLayout.OPEN_CLIP.shapes(tower).entrySet()) {
            m.put(UnclipTower.PREFIX + e.getKey(), e.getValue());
        }
        for (Map.Entry<String, long[]> e : openClipShapes(text).entrySet()) {
            if (!e.getKey().startsWith("transformer.")) {
                m.put(UnclipTower.PREFIX + e.getKey(), e.getValue());
            }
        }
        for (String b : NOISE_AUGMENTOR_BUFFERS) {
            m.put("noise_augmentor." + b, new long[] {NOISE_AUGMENTOR_STEPS});
        }
        return m;
    }

    /** Steps of the noise augmentor's schedule (1000, as the unCLIP configs set it). */
    static final int NOISE_AUGMENTOR_STEPS = 1000;

    /** The noise augmentor's persistent buffers, as LDM's {@code AbstractLowScaleModel.register_schedule} names them. */
    static final List<String> NOISE_AUGMENTOR_BUFFERS = List.of("betas", "alphas_cumprod", "alphas_cumprod_prev",
            "sqrt_alphas_cumprod", "sqrt_one_minus_alphas_cumprod", "log_one_minus_alphas_cumprod",
            "sqrt_recip_alphas_cumprod", "sqrt_recipm1_alphas_cumprod");

    /** Writes the checkpoint (atomically); returns {@code file}. */
    public static Path write(Path file, Kind kind) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        SafetensorsWriter w = new SafetensorsWriter();
        w.metadata(DemoCheckpoint.TOKENIZER_KEY, DemoCheckpoint.DEMO_TOKENIZER);
        w.metadata("noodle.description", "tiny random-weight " + kind + " checkpoint for tests");
        UNetConfig unet = switch (kind.family.base()) {
            case SD1 -> DemoCheckpoint.unetConfig();
            case SD2 -> kind.unclipEmbedding > 0 ? sd2UnclipUnet(kind.unclipEmbedding) : sd2Unet();
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
        if (kind.unclipEmbedding > 0) {
            ClipVisionConfig tower = unclipTower(kind.unclipEmbedding);
            Map<String, long[]> extra = unclipExtraShapes(tower, sd2Clip());
            Map<String, MapTensorSource.Entry> visual = ClipVisionWriter.tensors(ClipVisionLayout.OPEN_CLIP, tower,
                    kind.unclipEmbedding);
            visual.forEach((k, e) -> w.addF32(UnclipTower.PREFIX + k, e.shape(), e.data()));
            Map<String, long[]> rest = new LinkedHashMap<>();
            extra.forEach((k, shape) -> {
                if (!k.startsWith(UnclipTower.PREFIX + "visual.") && !k.startsWith("noise_augmentor.")) {
                    rest.put(k, shape);
                }
            });
            add(w, "", rest);
            for (Map.Entry<String, float[]> b : noiseAugmentorBuffers().entrySet()) {
                w.addF32("noise_augmentor." + b.getKey(), new long[] {b.getValue().length}, b.getValue());
            }
        }
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

    /** The squared-cosine schedule buffers (Nichol &amp; Dhariwal 2021, β capped at 0.999), float64 math as LDM's. */
    static Map<String, float[]> noiseAugmentorBuffers() {
        int n = NOISE_AUGMENTOR_STEPS;
        double[] betas = new double[n];
        double[] ac = new double[n];
        double prod = 1;
        for (int i = 0; i < n; i++) {
            double a1 = Math.pow(Math.cos(((double) i / n + 0.008) / 1.008 * Math.PI / 2), 2);
            double a2 = Math.pow(Math.cos(((double) (i + 1) / n + 0.008) / 1.008 * Math.PI / 2), 2);
            betas[i] = Math.min(1 - a2 / a1, 0.999);
            prod *= 1 - betas[i];
            ac[i] = prod;
        }
        Map<String, java.util.function.IntToDoubleFunction> f = new LinkedHashMap<>();
        f.put("betas", i -> betas[i]);
        f.put("alphas_cumprod", i -> ac[i]);
        f.put("alphas_cumprod_prev", i -> i == 0 ? 1.0 : ac[i - 1]);
        f.put("sqrt_alphas_cumprod", i -> Math.sqrt(ac[i]));
        f.put("sqrt_one_minus_alphas_cumprod", i -> Math.sqrt(1 - ac[i]));
        f.put("log_one_minus_alphas_cumprod", i -> Math.log(1 - ac[i]));
        f.put("sqrt_recip_alphas_cumprod", i -> Math.sqrt(1 / ac[i]));
        f.put("sqrt_recipm1_alphas_cumprod", i -> Math.sqrt(1 / ac[i] - 1));
        Map<String, float[]> out = new LinkedHashMap<>();
        f.forEach((k, g) -> {
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = (float) g.applyAsDouble(i);
            }
            out.put(k, v);
        });
        return out;
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
