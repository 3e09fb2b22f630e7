package dev.noodle.nodes.values;

import dev.noodle.engine.vision.ClipVisionEncoder;

/**
 * The CLIP_VISION wire value: a loaded CLIP image tower and where it came from (a clip_vision file, or the tower
 * inside an unCLIP checkpoint). Immutable.
 *
 * @param hold keeps the tower loaded while this value lives
 * @param encoder the image tower
 * @param source the file name, for messages
 */
public record ClipVisionValue(ModelValue.Hold hold, ClipVisionEncoder encoder, String source)
        implements HeldValue {
    @Override
    public String toString() {
        return "CLIP_VISION: " + source;
    }
}
