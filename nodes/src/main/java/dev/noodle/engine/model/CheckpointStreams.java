package dev.noodle.engine.model;

import dev.noodle.engine.io.DType;
import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.io.WeightSet;
import dev.noodle.engine.text.ClipConfig;
import dev.noodle.engine.text.ClipTextModel;
import dev.noodle.engine.text.OpenClipKeys;
import dev.noodle.engine.unet.UNetConfig;
import dev.noodle.engine.unet.UNetWeights;
import dev.noodle.engine.vae.AutoencoderKL;
import dev.noodle.engine.vae.VaeConfig;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/**
 * The parts of an open single-file checkpoint as {@link WeightSet}s read from the file one tensor at a time, under
 * the names and shapes the loaded models bind them with ({@link CheckpointLoader}), in the file's own precision. A
 * part is offered only when the file holds every parameter of it under those names and shapes (an LDM-layout
 * checkpoint); otherwise it is empty and the caller reads the loaded model instead. Nothing is kept in memory.
 */
public final class CheckpointStreams {
    private CheckpointStreams() {}

    /** The UNet's parameters (keys relative to {@value UNetConfig#PREFIX}). */
    public static Optional<WeightSet> unet(ModelFile src, CheckpointInfo info) {
        TensorSource u = src.withPrefix(info.unetPrefix());
        return exact(u, UNetWeights.parameterShapes(UNetConfig.fromWeights(u)));
    }

    /** The (first) text encoder's parameters under Hugging Face names. */
    public static Optional<WeightSet> clip(ModelFile src, CheckpointInfo info) {
        TensorSource text = src.withPrefix(info.textEncoderPrefixes().get(0));
        ModelFamily base = info.family().base();
        if (base == ModelFamily.SD2 || base == ModelFamily.SDXL_REFINER) {
            OpenClipKeys g = new OpenClipKeys(text);
            return exact(g, ClipTextModel.parameterShapes(g.config()));
        }
        return exact(text, ClipTextModel.parameterShapes(ClipConfig.fromWeights(text)));
    }

    /** SDXL's OpenCLIP bigG under Hugging Face names; empty for the other families. */
    public static Optional<WeightSet> clip2(ModelFile src, CheckpointInfo info) {
        if (info.family().base() != ModelFamily.SDXL) {
            return Optional.empty();
        }
        OpenClipKeys g = new OpenClipKeys(src.withPrefix(info.textEncoderPrefixes().get(1)));
        return exact(g, ClipTextModel.parameterShapes(g.config()));
    }

    /** The autoencoder's parameters (LDM names without the checkpoint prefix); empty when the file has no VAE. */
    public static Optional<WeightSet> vae(ModelFile src, CheckpointInfo info) {
        if (info.vaePrefix().isEmpty()) {
            return Optional.empty();
        }
        TensorSource v = src.withPrefix(info.vaePrefix().get());
        return exact(v, AutoencoderKL.parameterShapes(VaeConfig.fromWeights(v)));
    }

    /** The parameters {@code shapes} names, when {@code s} holds each as a float tensor of exactly that shape. */
    static Optional<WeightSet> exact(TensorSource s, Map<String, long[]> shapes) {
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            if (!s.contains(e.getKey())) {
                return Optional.empty();
            }
            var info = s.info(e.getKey());
            if (!info.dtype().isFloat() || info.dtype() == DType.F64 || !Arrays.equals(info.shape(), e.getValue())) {
                return Optional.empty();
            }
        }
        return Optional.of(WeightSet.ofSource(s, shapes.keySet()));
    }
}
