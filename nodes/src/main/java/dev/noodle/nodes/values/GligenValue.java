package dev.noodle.nodes.values;

import dev.noodle.engine.gligen.GligenModel;

/**
 * The GLIGEN wire value: a loaded GLIGEN text-box model and the file it came from. The model is shared through its
 * hold (loaded once per file, like checkpoints); applying it to conditioning never copies weights. Immutable.
 *
 * @param hold keeps the model loaded while this value lives
 * @param model the GLIGEN model
 * @param source the file name, for messages
 */
public record GligenValue(ModelValue.Hold hold, GligenModel model, String source) implements HeldValue {
    @Override
    public String toString() {
        return "GLIGEN: " + source + " (" + model.fusers().size() + " fusers)";
    }
}
