package dev.noodle.nodes.values;

import dev.noodle.engine.unet.UNetPatchSource;

/**
 * Something a conditioning entry adds inside the UNet when it is sampled: an applied ControlNet or T2I adapter (its
 * model, control image, strength and step range), GLIGEN's boxes. Travels on {@link ConditioningValue.Entry}; the
 * sampler turns it into an engine {@link UNetPatchSource} for the model it samples with. Immutable.
 *
 * <p>Two entries whose patches are equal share a UNet call (positive and negative of one ControlNetApplyAdvanced),
 * so implementations should be records over the shared model and image objects, and so should the sources they
 * make.
 */
public interface CondPatch {
    /**
     * The engine source for sampling with {@code model}; step ranges given as fractions of the schedule are turned
     * into σ bounds of its noise schedule here.
     *
     * @throws IllegalArgumentException naming both families when the patch was made for another model family
     */
    UNetPatchSource source(ModelValue model);

    /** What was applied, for the inspector and error messages ("ControlNet control_canny.pth at 0.8, 0–100%"). */
    String describe();
}
