package dev.noodle.nodes.values;

import dev.noodle.engine.control.ControlModel;

/**
 * The CONTROL_NET wire value: a loaded ControlNet or T2I-Adapter and the file it came from. The model is shared
 * through its hold (loaded once, like checkpoints); applying it to conditioning never copies weights. Immutable.
 *
 * @param hold keeps the model loaded while this value lives
 * @param model the control model
 * @param source the file name, for messages
 */
public record ControlNetValue(ModelValue.Hold hold, ControlModel model, String source) implements HeldValue {
    @Override
    public String toString() {
        return "CONTROL_NET: " + source + " (" + model.family() + ")";
    }
}
