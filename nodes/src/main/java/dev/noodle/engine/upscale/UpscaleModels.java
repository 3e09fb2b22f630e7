package dev.noodle.engine.upscale;

import ai.djl.Device;
import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorSource;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Predicate;

/**
 * Opens an upscale model file ({@code models/upscale_models}: {@code .pth} through the restricted unpickler, or
 * {@code .safetensors}) and picks the architecture from its keys, as upscaler collections ship them: weights at the
 * top level or wrapped in BasicSR's {@code params_ema} / {@code params} dicts (the EMA weights win, as ComfyUI's
 * loader takes them). A file no reader recognises is refused with what its keys look like. Stateless.
 */
public final class UpscaleModels {
    /** One architecture Noodle reads: its name, how its keys look, and how it is loaded. */
    record Reader(String name, Predicate<Set<String>> matches, BiFunction<TensorSource, Device, UpscaleNet> load) {}

    /**
     * The architectures read, tried in order (the first whose keys match loads the file), after the files of
     * architectures not read are told apart by their own keys. Another architecture joins as one more reader.
     */
    static final List<Reader> READERS = List.of(
            new Reader("ESRGAN (RRDBNet: ESRGAN, BSRGAN, Real-ESRGAN, 4x-UltraSharp …)", RrdbNet::matches,
                    RrdbNet::load),
            new Reader("Compact (Real-ESRGAN SRVGGNetCompact: realesr-general-x4v3, realesr-animevideov3)",
                    CompactNet::matches, CompactNet::load),
            new Reader("SwinIR (classical, lightweight, real-world and restoration models)", SwinIR::matches,
                    SwinIR::load));

    /** Architectures recognised by their keys but not read, with the keys that give them away. */
    private record Known(String name, List<String> keys) {}

    private static final List<Known> NOT_READ = List.of(
            new Known("HAT", List.of("layers.0.residual_group.blocks.0.conv_block.cab.0.weight")),
            new Known("Swin2SR", List.of("patch_embed.proj.weight")),
            new Known("DAT", List.of("layers.0.blocks.0.ffn.sg.conv.weight")),
            new Known("RGT", List.of("layers.0.blocks.0.attn.attns.0.rpe_biases")),
            new Known("ATD", List.of("layers.0.residual_group.td")),
            new Known("DRCT", List.of("layers.0.swin1.norm1.weight")),
            new Known("SPAN", List.of("block_1.c1_r.sk.weight", "block_1.c1_r.eval_conv.weight")),
            new Known("OmniSR", List.of("residual_layer.0.residual_layer.0.layer.0.fn.0.weight")),
            new Known("Real-CUGAN", List.of("unet1.conv1.conv.0.weight")),
            new Known("PLKSR", List.of("feats.1.lk.conv.weight", "feats.1.lk.convs.0.weight")),
            new Known("SAFMN", List.of("feats.0.safm.mfr.0.weight")),
            new Known("GFPGAN (a face restoration model, not an upscaler)",
                    List.of("stylegan_decoder.style_mlp.1.weight")));

    private UpscaleModels() {}

    /** The names of the architectures Noodle reads, for messages and documentation. */
    public static List<String> supported() {
        return READERS.stream().map(Reader::name).toList();
    }

    /**
     * Loads the upscale model in {@code file} on {@code device}; throws {@link ModelFormatException} naming the file
     * when it is damaged, not an upscaler, or an architecture Noodle does not read.
     */
    public static UpscaleNet load(Path file, Device device) {
        try (ModelFile f = ModelFiles.open(file)) {
            return load(weights(f), device);
        }
    }

    /** Loads an upscale model from its (unwrapped) weights. */
    public static UpscaleNet load(TensorSource source, Device device) {
        Set<String> keys = source.keys();
        ModelFormatException other = notRead(source);
        if (other != null) {
            throw other;
        }
        for (Reader r : READERS) {
            if (r.matches().test(keys)) {
                return r.load().apply(source, device);
            }
        }
        throw unrecognised(source);
    }

    /** A refusal naming the architecture when the keys are one Noodle does not read, else null. */
    private static ModelFormatException notRead(TensorSource source) {
        Set<String> keys = source.keys();
        for (Known k : NOT_READ) {
            for (String key : k.keys()) {
                if (keys.contains(key)) {
                    return new ModelFormatException(source.describe() + " looks like a " + k.name() + " model (it has "
                            + key + "), which Noodle does not read yet. Noodle reads " + String.join("; ", supported())
                            + ".");
                }
            }
        }
        return null;
    }

    private static ModelFormatException unrecognised(TensorSource source) {
        Set<String> keys = source.keys();
        String readable = "Noodle reads " + String.join("; ", supported()) + ".";
        if (keys.isEmpty()) {
            return new ModelFormatException(source.describe() + " holds no weights (no tensors at the top level or"
                    + " under params_ema/params), so it is not an upscale model. " + readable);
        }
        if (keys.stream().anyMatch(k -> k.startsWith("layers.0.residual_group.") || k.startsWith("layers.0.blocks."))) {
            return new ModelFormatException(source.describe() + " looks like a transformer upscaler (SwinIR-style"
                    + " residual groups) whose layout Noodle does not read yet. " + readable);
        }
        if (keys.stream().anyMatch(s -> s.startsWith("model.diffusion_model.") || s.startsWith("lora_"))) {
            return new ModelFormatException(source.describe() + " is a Stable Diffusion checkpoint or LoRA, not an"
                    + " upscale model; put it in the matching models folder. " + readable);
        }
        List<String> sample = keys.stream().sorted().limit(3).toList();
        return new ModelFormatException(source.describe() + " is not an upscale model Noodle recognises (its keys"
                + " begin " + String.join(", ", sample) + "). " + readable);
    }

    /**
     * The weights of an upscaler file: the top-level tensors, or the {@code params_ema} (else {@code params}) dict
     * BasicSR wraps them in, and the other wrappers and prefixes {@link StateDicts#unwrap} knows.
     */
    public static TensorSource weights(ModelFile file) {
        return StateDicts.unwrap(file);
    }
}
