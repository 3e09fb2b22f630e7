package dev.noodle.engine.control;

import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.model.ModelFamily;
import dev.noodle.engine.runtime.Devices;
import dev.noodle.engine.unet.UNetWeights;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Opens a control model file in any format users download, as ComfyUI's {@code comfy.controlnet.load_controlnet}
 * tells them apart by their keys (never the extension): lllyasviel's ControlNets — v1.0 full models whose
 * {@code control_model.*} keys sit beside a whole checkpoint (only those are read), v1.1 control-only {@code .pth}
 * files, the pruned {@code control_*-fp16.safetensors} files (fp16 stored, computed in fp32) and "difference"
 * ControlNets, which add to the loaded model's UNet — and recognises the diffusers ControlNets, Stability's SDXL
 * control-LoRAs, T2I-Adapters and Stable Cascade ControlNets. Each format is one {@link ControlFormat} in
 * {@link #FORMATS}; a file in none of them is an error naming the file and what it seems to be. Stateless.
 */
public final class ControlModels {
    /** The key that marks a difference ControlNet (ComfyUI: {@code 'difference' in controlnet_data}). */
    public static final String DIFFERENCE = "difference";

    /**
     * What a load needs besides the file.
     *
     * @param target device, dtype and kernels of the engine
     * @param model the UNet weights of the model a difference ControlNet (or a control-LoRA) builds on; null when
     *     there is none (ControlNetLoader)
     * @param modelFamily that model's family, for messages (null with no model)
     */
    public record Request(Devices.Target target, UNetWeights model, ModelFamily modelFamily) {
        /** A load without a model. */
        public static Request of(Devices.Target target) {
            return new Request(target, null, null);
        }
    }

    /** lllyasviel's ControlNets with LDM names, with or without {@code control_model.} in front. */
    static final ControlFormat LDM = new ControlFormat() {
        @Override
        public String name() {
            return "ControlNet (lllyasviel / LDM names)";
        }

        @Override
        public boolean recognises(Set<String> keys) {
            return keys.contains(ControlNet.PREFIX + "zero_convs.0.0.weight") || keys.contains("zero_convs.0.0.weight");
        }

        @Override
        public ControlModel load(ModelFile file, Request request) {
            boolean prefixed = file.contains(ControlNet.PREFIX + "zero_convs.0.0.weight");
            TensorSource control = prefixed ? file.withPrefix(ControlNet.PREFIX) : file;
            if (prefixed && file.contains(DIFFERENCE)) {
                // ComfyUI adds the model's weights to prefixed (.pth-style) difference files only; so do we
                if (request.model() == null) {
                    throw new ModelFormatException(file.path() + " is a difference ControlNet: it stores what it"
                            + " changes in a base model, so it needs that model. Load it with the Load ControlNet"
                            + " Model (diff) node, connected to the model it was made for.");
                }
                String family = request.modelFamily() == null ? "loaded" : request.modelFamily().displayName();
                control = new DifferenceSource(control, request.model(), family);
            } else if (!prefixed) {
                control = new WithoutKey(control, DIFFERENCE);
            }
            return ControlNet.load(control, prefixed ? ControlNet.PREFIX : "", request.target(),
                    globalAveragePooling(file.path()));
        }
    };

    /**
     * The formats in the order they are tried (more specific markers first, as ComfyUI checks them). Formats read
     * elsewhere replace their {@link ControlFormat#notRead} entry here.
     */
    public static final List<ControlFormat> FORMATS = List.of(
            ControlNetFormats.CONTROL_LORA_FORMAT,
            ControlNetFormats.DIFFUSERS_FORMAT,
            LDM,
            T2IAdapters.FORMAT,
            ControlFormat.notRead("Stable Cascade ControlNet",
                    k -> k.contains("backbone.0.0.weight") || k.contains("backbone.10.blocks.0.weight"),
                    "Noodle runs SD 1.x, SD 2.x and SDXL; Stable Cascade models are not supported."));

    private ControlModels() {}

    /**
     * Opens {@code path} (safetensors or PyTorch zip checkpoint, told apart by content), finds its format and loads
     * the control model. The file is closed before returning: the model owns copies of its weights.
     *
     * @throws ModelFormatException naming the file and what it is when it is no control model Noodle reads
     */
    public static ControlModel load(Path path, Request request) {
        try (ModelFile file = ModelFiles.open(path)) {
            return load(file, request);
        }
    }

    /**
     * Whether the file is a difference ControlNet, whose weights need the model's added (a {@value #DIFFERENCE}
     * key beside {@code control_model.*} keys).
     *
     * @throws ModelFormatException when the file cannot be opened as a model file
     */
    public static boolean isDifference(Path path) {
        try (ModelFile file = ModelFiles.open(path)) {
            return file.contains(DIFFERENCE) && file.contains(ControlNet.PREFIX + "zero_convs.0.0.weight");
        }
    }

    /** Loads from an open file (see {@link #load(Path, Request)}). */
    public static ControlModel load(ModelFile file, Request request) {
        return formatOf(file).load(file, request);
    }

    /**
     * The format of an open file.
     *
     * @throws ModelFormatException naming the file and what it seems to be when no format recognises it
     */
    public static ControlFormat formatOf(ModelFile file) {
        Set<String> keys = file.keys();
        for (ControlFormat f : FORMATS) {
            if (f.recognises(keys)) {
                return f;
            }
        }
        if (T2IAdapters.isAdapter(file)) {
            return T2IAdapters.FORMAT; // a .pth holding {"adapter": state_dict}
        }
        throw new ModelFormatException(file.path() + " is not a ControlNet or T2I-Adapter: " + whatItIs(keys)
                + ". " + ControlNetFormats.RECOGNISED_BY + " Put ControlNets in models/controlnet and pick one of those.");
    }

    private static String whatItIs(Set<String> keys) {
        if (keys.isEmpty()) {
            return "it holds no tensors";
        }
        if (keys.stream().anyMatch(k -> k.startsWith("model.diffusion_model."))) {
            return "it holds a Stable Diffusion checkpoint's UNet (put it in models/checkpoints)";
        }
        if (keys.stream().anyMatch(k -> k.contains("lora_up") || k.contains("lora_down") || k.contains("lora_A"))) {
            return "it holds LoRA weights (put it in models/loras)";
        }
        if (keys.stream().anyMatch(k -> k.startsWith("encoder.down") || k.startsWith("decoder.up"))) {
            return "it holds a VAE (put it in models/vae)";
        }
        return "none of its " + keys.size() + " keys marks a control model (e.g. "
                + keys.stream().sorted().limit(3).collect(Collectors.joining(", ")) + ")";
    }

    /**
     * ComfyUI averages a ControlNet's residuals over the image for the "shuffle" models, which it knows by the
     * file name ending in {@code _shuffle} or {@code _shuffle_fp16} before the extension.
     */
    static boolean globalAveragePooling(Path path) {
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        return stem.endsWith("_shuffle") || stem.endsWith("_shuffle_fp16");
    }

    /** A source without one key (the {@code difference} marker beside unprefixed control keys). */
    private record WithoutKey(TensorSource base, String key) implements TensorSource {
        @Override
        public Set<String> keys() {
            if (!base.contains(key)) {
                return base.keys();
            }
            return base.keys().stream().filter(k -> !k.equals(key)).collect(Collectors.toUnmodifiableSet());
        }

        @Override
        public dev.noodle.engine.io.TensorInfo info(String k) {
            return base.info(k);
        }

        @Override
        public ai.djl.ndarray.NDArray load(String k, ai.djl.ndarray.NDManager m, ai.djl.ndarray.types.DataType t) {
            return base.load(k, m, t);
        }

        @Override
        public float[] loadFloats(String k) {
            return base.loadFloats(k);
        }

        @Override
        public String describe() {
            return base.describe();
        }
    }
}
