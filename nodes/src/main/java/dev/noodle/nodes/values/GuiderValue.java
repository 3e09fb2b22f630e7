package dev.noodle.nodes.values;

import java.util.Objects;

/**
 * The GUIDER wire value, as ComfyUI's CFGGuider: the model and the conditioning it is steered by, with the
 * classifier-free guidance scale. BasicGuider is a guider with no negative at cfg 1 (the positive prediction alone).
 *
 * @param model the diffusion model
 * @param positive the conditioning to follow
 * @param negative the conditioning to steer away from, or null (BasicGuider)
 * @param cfg the guidance scale
 */
public record GuiderValue(ModelValue model, ConditioningValue positive, ConditioningValue negative, float cfg) {
    /** Checks the model and positive conditioning are present, and a guider without negative has cfg 1. */
    public GuiderValue {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(positive, "positive");
        if (negative == null && cfg != 1f) {
            throw new IllegalArgumentException("a guider without negative conditioning runs at cfg 1, not " + cfg);
        }
    }

    /** ComfyUI BasicGuider: the positive conditioning alone. */
    public static GuiderValue basic(ModelValue model, ConditioningValue conditioning) {
        return new GuiderValue(model, conditioning, null, 1f);
    }

    @Override
    public String toString() {
        return negative == null ? "GUIDER basic" : "GUIDER cfg " + cfg;
    }
}
