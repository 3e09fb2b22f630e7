package dev.noodle.engine.model;

import ai.djl.ndarray.NDManager;
import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.runtime.Devices;
import dev.noodle.engine.runtime.WeightPrecision;
import dev.noodle.engine.sampling.ModelSampling;
import dev.noodle.engine.sampling.PredictionType;
import dev.noodle.engine.text.ClipConfig;
import dev.noodle.engine.text.ClipEncoding;
import dev.noodle.engine.text.ClipTextModel;
import dev.noodle.engine.text.ClipTokenizer;
import dev.noodle.engine.text.DemoVocabulary;
import dev.noodle.engine.text.OpenClipKeys;
import dev.noodle.engine.text.SdxlConditioning;
import dev.noodle.engine.unet.UNetModel;
import dev.noodle.engine.vae.AutoencoderKL;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Loads a single-file checkpoint (safetensors or legacy pickle, told apart by magic bytes): detects the family
 * from keys and shapes, binds UNet, text encoder and VAE by name, and picks the tokenizer. Stateless.
 */
public final class CheckpointLoader {
    private CheckpointLoader() {}

    /**
     * What a checkpoint is, read from its header and a few small tensors without binding any weights: family and
     * layout, the tokenizer its text encoder uses, the encoding conventions and the noise schedule.
     */
    public record Described(CheckpointInfo info, ClipTokenizer tokenizer, ClipEncoding encoding, ModelSampling sampling) {}

    /**
     * About how many bytes of memory {@link #load} takes for {@code src} on {@code target}: the UNet in the precision
     * {@link #unetPrecision} chooses with the memory available now (an all-fp16 UNet on the CPU stays fp16 unless
     * its fp32 copy fits), the text encoders and the VAE in the target's type. Read from the header alone.
     */
    public static long estimateBytes(ModelFile src, CheckpointInfo info, Devices.Target target) {
        Counts c = counts(src, info);
        int unetBytes = unetPrecision(c, target, WeightPrecision.availableMemory()).storage().getNumOfBytes();
        return c.unet() * unetBytes + c.other() * target.dtype().getNumOfBytes();
    }

    /**
     * How {@link #load} keeps {@code src}'s UNet on {@code target} when {@code availableBytes} are free
     * ({@link WeightPrecision#chooseForLoad}): an all-fp16 UNet computed in fp32 is widened once at load when its
     * fp32 copy, the other parts and a working margin fit (or the options force it), else kept fp16.
     */
    public static WeightPrecision unetPrecision(ModelFile src, CheckpointInfo info, Devices.Target target,
            long availableBytes) {
        return unetPrecision(counts(src, info), target, availableBytes);
    }

    private static WeightPrecision unetPrecision(Counts c, Devices.Target target, long availableBytes) {
        return WeightPrecision.chooseForLoad(target, c.unetTypes(), c.unet(),
                c.other() * target.dtype().getNumOfBytes(), availableBytes);
    }

    // float elements of the UNet (and their stored types) and of the text encoders and VAE, from the header
    private record Counts(java.util.EnumSet<dev.noodle.engine.io.DType> unetTypes, long unet, long other) {}

    private static Counts counts(ModelFile src, CheckpointInfo info) {
        java.util.EnumSet<dev.noodle.engine.io.DType> unetTypes = java.util.EnumSet.noneOf(dev.noodle.engine.io.DType.class);
        long unetCount = 0;
        long otherCount = 0;
        java.util.List<String> parts = new java.util.ArrayList<>(info.textEncoderPrefixes());
        info.vaePrefix().ifPresent(parts::add);
        for (String k : src.keys()) {
            var t = src.info(k);
            if (!t.dtype().isFloat()) {
                continue;
            }
            if (k.startsWith(info.unetPrefix())) {
                unetTypes.add(t.dtype());
                unetCount += t.elementCount();
            } else if (parts.stream().anyMatch(k::startsWith)) {
                otherCount += t.elementCount();
            }
        }
        return new Counts(unetTypes, unetCount, otherCount);
    }

    /** Describes an open checkpoint file as {@link #load} would bind it. */
    public static Described describe(ModelFile src, Path modelsRoot) {
        CheckpointInfo info = FamilyDetector.detect(src);
        ClipTokenizer tokenizer = DemoCheckpoint.DEMO_TOKENIZER.equals(src.metadata().get(DemoCheckpoint.TOKENIZER_KEY))
                ? DemoVocabulary.tokenizer()
                : ClipTokenizer.find(modelsRoot);
        ClipEncoding encoding = switch (info.family().base()) {
            case SDXL -> ClipEncoding.sdxlClipL();
            case SDXL_REFINER -> ClipEncoding.sdxlClipG();
            case SD2 -> ClipEncoding.sd2();
            default -> ClipEncoding.sd1();
        };
        ModelSampling ms = info.prediction() == Prediction.EDM_V ? edmV(src)
                : ModelSampling.sd15().withPrediction(prediction(src, info));
        return new Described(info, tokenizer, encoding, ms);
    }

    /**
     * Loads every part of {@code file}.
     *
     * @param modelsRoot where {@code tokenizers/} lives (for the CLIP vocabulary)
     * @param target device and compute dtype for UNet and text encoder
     * @param status receives short progress lines ("binding UNet…")
     * @throws ModelFormatException naming the file and what is wrong (family, keys, shapes, format)
     */
    public static LoadedCheckpoint load(Path file, Path modelsRoot, Devices.Target target, Consumer<String> status) {
        try (ModelFile src = ModelFiles.open(file)) {
            CheckpointInfo info = FamilyDetector.detect(src);
            ClipTokenizer tokenizer = DemoCheckpoint.DEMO_TOKENIZER.equals(src.metadata().get(DemoCheckpoint.TOKENIZER_KEY))
                    ? DemoVocabulary.tokenizer()
                    : ClipTokenizer.find(modelsRoot);
            status.accept("binding UNet");
            UNetModel unet = UNetModel.load(src.withPrefix(info.unetPrefix()), target,
                    unetPrecision(src, info, target, WeightPrecision.availableMemory()));
            ClipTextModel clip = null;
            ClipTextModel clip2 = null;
            NDManager owner = NDManager.newBaseManager(target.device());
            try {
                status.accept("binding text encoder");
                ModelFamily base = info.family().base();
                TensorSource text = src.withPrefix(info.textEncoderPrefixes().get(0));
                ClipEncoding encoding;
                if (base == ModelFamily.SDXL) {
                    // CLIP-L (HF names, quick GELU) and OpenCLIP bigG (open_clip names, GELU, text projection)
                    clip = ClipTextModel.load(text, ClipConfig.fromWeights(text), target.device(), target.dtype());
                    OpenClipKeys g = new OpenClipKeys(src.withPrefix(info.textEncoderPrefixes().get(1)));
                    clip2 = ClipTextModel.load(g, g.config(), target.device(), target.dtype());
                    encoding = ClipEncoding.sdxlClipL();
                } else if (base == ModelFamily.SDXL_REFINER) {
                    // the refiner's only text encoder: OpenCLIP bigG (open_clip names), used as SDXL uses its bigG
                    OpenClipKeys g = new OpenClipKeys(text);
                    clip = ClipTextModel.load(g, g.config(), target.device(), target.dtype());
                    encoding = ClipEncoding.sdxlClipG();
                } else if (base == ModelFamily.SD2) {
                    OpenClipKeys h = new OpenClipKeys(text);
                    clip = ClipTextModel.load(h, h.config(), target.device(), target.dtype());
                    encoding = ClipEncoding.sd2();
                } else {
                    clip = ClipTextModel.load(text, ClipConfig.fromWeights(text), target.device(), target.dtype());
                    encoding = ClipEncoding.sd1();
                }
                for (ClipTextModel m : clip2 == null ? new ClipTextModel[] {clip} : new ClipTextModel[] {clip, clip2}) {
                    if (m.config().vocabSize() != tokenizer.vocabSize()) {
                        throw new ModelFormatException(file.getFileName() + ": its text encoder has "
                                + m.config().vocabSize() + " tokens but the tokenizer (" + tokenizer.source()
                                + ") has " + tokenizer.vocabSize() + ". Put the matching CLIP vocabulary in "
                                + modelsRoot.resolve("tokenizers") + ".");
                    }
                }
                if (base == ModelFamily.SDXL && unet.config().admInChannels()
                        != clip2.config().projectionDim() + SdxlConditioning.BASE_NUMBERS * SdxlConditioning.EMBEDDING_WIDTH) {
                    throw new ModelFormatException(file.getFileName() + ": its UNet's label_emb takes "
                            + unet.config().admInChannels() + " values but the bigG text projection ("
                            + clip2.config().projectionDim() + ") plus six size embeddings make "
                            + (clip2.config().projectionDim() + 1536) + ". The file mixes parts of different models.");
                }
                int refinerAdm = clip.config().projectionDim()
                        + SdxlConditioning.REFINER_NUMBERS * SdxlConditioning.EMBEDDING_WIDTH;
                if (base == ModelFamily.SDXL_REFINER && unet.config().admInChannels() != refinerAdm) {
                    throw new ModelFormatException(file.getFileName() + ": its UNet's label_emb takes "
                            + unet.config().admInChannels() + " values but the bigG text projection ("
                            + clip.config().projectionDim() + ") plus five size/score embeddings make " + refinerAdm
                            + ". The file mixes parts of different models.");
                }
                AutoencoderKL vae = null;
                if (info.vaePrefix().isPresent()) {
                    status.accept("binding VAE");
                    vae = AutoencoderKL.load(src.withPrefix(info.vaePrefix().get()), 1f, owner, target.options());
                }
                // SDXL uses SD's discrete schedule (scaled linear 0.00085..0.012, 1000 steps) as ComfyUI's
                // ModelSamplingDiscrete does; the prediction type comes from the file, and an EDM-v file (cosxl)
                // brings its own continuous schedule.
                ModelSampling ms = info.prediction() == Prediction.EDM_V ? edmV(src)
                        : ModelSampling.sd15().withPrediction(prediction(src, info));
                long bytes = bytes(src, info, unet);
                return new LoadedCheckpoint(file, info, unet, clip, tokenizer, encoding, vae, ms,
                        info.family().latentScale(), bytes, owner, clip2);
            } catch (RuntimeException e) {
                unet.close();
                if (clip != null) {
                    clip.close();
                }
                if (clip2 != null) {
                    clip2.close();
                }
                owner.close();
                throw e;
            }
        }
    }

    /**
     * The prediction type: what the file says (a {@code v_pred} key), else for SD 2.x ComfyUI's heuristic — the
     * 768-px v models have a last-block norm bias with standard deviation above 0.09 (the 512-px eps base and the
     * inpainting models do not).
     */
    static PredictionType prediction(TensorSource src, CheckpointInfo info) {
        if (info.prediction() == Prediction.V) {
            return PredictionType.V_PREDICTION;
        }
        String probe = info.unetPrefix() + "output_blocks.11.1.transformer_blocks.0.norm1.bias";
        if (info.prediction() == Prediction.UNKNOWN && !info.inpainting() && src.contains(probe)) {
            float[] b = src.loadFloats(probe);
            double mean = 0;
            for (float v : b) {
                mean += v;
            }
            mean /= b.length;
            double var = 0;
            for (float v : b) {
                var += (v - mean) * (v - mean);
            }
            if (Math.sqrt(var / b.length) > 0.09) {
                return PredictionType.V_PREDICTION;
            }
        }
        return PredictionType.EPS;
    }

    /** σ_min (default 0.002) and σ_max of an EDM-v file, read from its {@code edm_vpred.*} scalars. */
    static float[] edmRange(TensorSource src) {
        float max = scalar(src, "edm_vpred.sigma_max");
        float min = src.contains("edm_vpred.sigma_min") ? scalar(src, "edm_vpred.sigma_min") : 0.002f;
        if (!(min > 0 && max > min && Float.isFinite(max))) {
            throw new ModelFormatException(src.describe() + ": its edm_vpred.sigma_min " + min + " and sigma_max "
                    + max + " do not make a noise range (need 0 < sigma_min < sigma_max)");
        }
        return new float[] {min, max};
    }

    /**
     * ComfyUI's V_PREDICTION_EDM sampling: v-prediction on the continuous EDM schedule (timestep ¼·ln σ, σ_data 1)
     * between the file's σ_min and σ_max.
     */
    static ModelSampling edmV(TensorSource src) {
        float[] r = edmRange(src);
        return ModelSampling.continuous(ModelSampling.Schedule.EDM, PredictionType.V_PREDICTION, r[0], r[1], 1.0);
    }

    private static float scalar(TensorSource src, String key) {
        float[] v = src.loadFloats(key);
        if (v.length != 1) {
            throw new ModelFormatException(src.describe() + ": '" + key + "' should hold one number, it holds "
                    + v.length);
        }
        return v[0];
    }

    // Native bytes: the UNet at its storage precision (fp16 storage = 2 bytes), the rest as fp32.
    private static long bytes(TensorSource src, CheckpointInfo info, UNetModel unet) {
        long unetBytes = unet.weights().precision().storage() == ai.djl.ndarray.types.DataType.FLOAT16 ? 2 : 4;
        long n = 0;
        for (String k : src.keys()) {
            if (k.startsWith(info.unetPrefix())) {
                n += src.info(k).elementCount() * unetBytes;
            } else if (info.textEncoderPrefixes().stream().anyMatch(k::startsWith)
                    || info.vaePrefix().map(k::startsWith).orElse(false)) {
                n += src.info(k).elementCount() * 4;
            }
        }
        return n;
    }
}
