package dev.noodle.engine.control;

import ai.djl.ndarray.NDManager;
import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.RenamedTensorSource;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.io.pickle.NestedPickleDict;
import dev.noodle.engine.io.pickle.PickleCheckpoint;
import dev.noodle.engine.io.pickle.PickleTree;
import dev.noodle.engine.keys.T2IAdapterNames;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Recognises and loads T2I-Adapter files in the formats people download, as ComfyUI's {@code load_t2i_adapter}
 * does behind {@code ControlNetLoader}: TencentARC's {@code .pth} state dicts (full {@code t2iadapter_*_sd14v1} and
 * the light color adapter), the same wrapped as {@code {"adapter": {...}}}, and diffusers-format files
 * ({@code adapter.conv_in…}, {@code adapter.body.I.resnets.J…}, e.g. {@code TencentARC/t2i-adapter-canny-sdxl-1.0})
 * renamed to the original names. The format is read from the keys, never the file name. Stateless and thread-safe.
 */
public final class T2IAdapters {
    /** The key ComfyUI unwraps when a file holds the adapter under it. */
    public static final String WRAPPER_KEY = "adapter";

    /**
     * T2I-Adapters as one of {@link ControlModels}' formats: recognised by ComfyUI's markers ({@code conv_in} with
     * {@code body.0.block2}, {@code body.0.in_conv}, diffusers {@code adapter.} names), loaded with their weights on
     * the request's device.
     */
    public static final ControlFormat FORMAT = new ControlFormat() {
        @Override
        public String name() {
            return "T2I-Adapter";
        }

        @Override
        public boolean recognises(Set<String> keys) {
            return isAdapter(keys) || keys.contains("body.0.in_conv.weight")
                    || keys.contains("conv_in.weight") && keys.contains("body.0.block2.weight")
                    || keys.stream().anyMatch(k -> k.startsWith(T2IAdapterNames.DIFFUSERS_PREFIX));
        }

        @Override
        public ControlModel load(ModelFile file, ControlModels.Request request) {
            return T2IAdapters.load(file, request.target().device());
        }
    };

    private T2IAdapters() {}

    /** Whether these keys are a T2I-Adapter's (original or diffusers names). */
    public static boolean isAdapter(Set<String> keys) {
        if (keys.contains("conv_in.weight") && keys.contains("body.0.block1.weight")) {
            return true; // full adapter
        }
        if (keys.contains("body.0.in_conv.weight") && keys.contains("body.0.out_conv.weight")
                && keys.contains("body.0.body.0.block1.weight")) {
            return true; // light adapter
        }
        return T2IAdapterNames.isDiffusers(keys) || T2IAdapterNames.isDiffusersLight(keys);
    }

    /** Whether the file holds a T2I-Adapter, directly or under an {@code "adapter"} entry of its pickle. */
    public static boolean isAdapter(ModelFile file) {
        if (isAdapter(file.keys())) {
            return true;
        }
        TensorSource inner = wrapped(file);
        return inner != null && isAdapter(inner.keys());
    }

    /**
     * Loads the adapter in {@code file}: unwraps {@code {"adapter": …}}, renames diffusers keys, reads the layout
     * from the shapes and binds every weight strictly.
     *
     * @param parent the manager the weights' manager is made under (they live until the adapter is closed), or
     *     null for a new CPU manager
     * @throws ModelFormatException naming the file and what is wrong
     */
    public static T2IAdapter load(ModelFile file, NDManager parent) {
        TensorSource inner = wrapped(file);
        return load(inner != null ? inner : file, parent);
    }

    /**
     * Loads the adapter in {@code file} with its weights in a manager of their own on {@code device}, freed when the
     * adapter is closed (see {@link #load(ModelFile, NDManager)}).
     */
    public static T2IAdapter load(ModelFile file, ai.djl.Device device) {
        TensorSource inner = wrapped(file);
        TensorSource source = inner != null ? inner : file;
        return T2IAdapter.bind(config(source), original(source), null, device);
    }

    /**
     * Loads the adapter whose weights {@code source} holds (original or diffusers names).
     *
     * @throws ModelFormatException naming {@code source.describe()} and what is wrong
     */
    public static T2IAdapter load(TensorSource source, NDManager parent) {
        TensorSource original = original(source);
        return T2IAdapter.bind(AdapterConfig.fromWeights(original), original, parent);
    }

    /** The layout of the adapter {@code source} holds (original or diffusers names). */
    public static AdapterConfig config(TensorSource source) {
        return AdapterConfig.fromWeights(original(source));
    }

    // the source under original names, or an error naming the file when it is no adapter Noodle reads
    private static TensorSource original(TensorSource source) {
        Set<String> keys = source.keys();
        if (T2IAdapterNames.isDiffusersLight(keys)) {
            throw new ModelFormatException(source.describe() + " is a diffusers-format light T2I-Adapter, which"
                    + " ComfyUI does not load either. Use the original t2iadapter_color_sd14v1.pth.");
        }
        TensorSource original = T2IAdapterNames.isDiffusers(keys) ? renamed(source) : source;
        if (!isAdapter(original.keys())) {
            throw new ModelFormatException(source.describe() + " is not a T2I-Adapter (no conv_in/body weights)."
                    + " Check that it is a ControlNet or T2I-Adapter file.");
        }
        return original;
    }

    // the state dict under the pickle's "adapter" key, or null
    private static TensorSource wrapped(ModelFile file) {
        if (!(file instanceof PickleCheckpoint p) || !file.keys().isEmpty()) {
            return null;
        }
        if (!(PickleTree.get(p.root(), WRAPPER_KEY) instanceof Map<?, ?> m)) {
            return null;
        }
        return NestedPickleDict.of(p, WRAPPER_KEY, m);
    }

    // the diffusers keys under their original names
    private static TensorSource renamed(TensorSource source) {
        Map<String, String> toOriginal = T2IAdapterNames.fromDiffusers(source.keys());
        Map<String, String> byOriginal = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : toOriginal.entrySet()) {
            String before = byOriginal.putIfAbsent(e.getValue(), e.getKey());
            if (before != null) {
                throw new ModelFormatException(source.describe() + ": the diffusers keys " + before + " and "
                        + e.getKey() + " name the same T2I-Adapter weight " + e.getValue() + ". Re-download it.");
            }
        }
        return RenamedTensorSource.of(source, byOriginal, source.describe());
    }
}
