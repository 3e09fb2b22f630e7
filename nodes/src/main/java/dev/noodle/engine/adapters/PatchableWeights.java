package dev.noodle.engine.adapters;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.noodle.engine.text.ClipTextModel;
import dev.noodle.engine.unet.UNetWeights;
import java.util.Map;
import java.util.Set;

/**
 * A read-only view of a model's named weight arrays that can produce a copy with some arrays replaced: what LoRA
 * patching needs from the UNet and the text encoders. Implementations never modify the arrays they hand out.
 *
 * @param <W> the model type a patched copy is returned as
 */
public interface PatchableWeights<W> {
    /** All weight keys, relative to the component (e.g. {@code input_blocks.1.1.proj_in.weight}). */
    Set<String> keys();

    /** The array for a key; callers must not modify it. */
    NDArray get(String key);

    /**
     * A copy using {@code replacements} (same keys and shapes) and sharing every other array with this one.
     *
     * @param owner owns the replacement arrays and is closed with the copy
     */
    W withReplaced(Map<String, NDArray> replacements, NDManager owner);

    /** The UNet's weights. */
    static PatchableWeights<UNetWeights> of(UNetWeights w) {
        return new PatchableWeights<>() {
            @Override
            public Set<String> keys() {
                return w.keys();
            }

            @Override
            public NDArray get(String key) {
                return w.get(key);
            }

            @Override
            public UNetWeights withReplaced(Map<String, NDArray> replacements, NDManager owner) {
                return w.patched(replacements, owner);
            }
        };
    }

    /** A CLIP text model's weights (keys relative to {@code text_model.}). */
    static PatchableWeights<ClipTextModel> of(ClipTextModel m) {
        return new PatchableWeights<>() {
            @Override
            public Set<String> keys() {
                return m.parameterKeys();
            }

            @Override
            public NDArray get(String key) {
                return m.parameter(key);
            }

            @Override
            public ClipTextModel withReplaced(Map<String, NDArray> replacements, NDManager owner) {
                return m.withParameters(replacements, owner);
            }
        };
    }
}
