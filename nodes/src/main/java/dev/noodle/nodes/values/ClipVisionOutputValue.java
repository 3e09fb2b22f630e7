package dev.noodle.nodes.values;

/**
 * The CLIP_VISION_OUTPUT wire value: what a CLIP image tower made of one batch of images (ComfyUI's
 * {@code clip_vision.Output}), on the heap so it outlives the run that computed it. Immutable.
 *
 * @param lastHiddenState [B, tokens, width] after the last layer
 * @param imageEmbeds [B, projectionDim] the projected image embedding
 * @param penultimateHiddenStates [B, tokens, width] after the second-to-last layer
 * @param source the tower's file name, for messages
 */
public record ClipVisionOutputValue(HeapTensor lastHiddenState, HeapTensor imageEmbeds,
        HeapTensor penultimateHiddenStates, String source) {
    @Override
    public String toString() {
        return "CLIP_VISION_OUTPUT: " + imageEmbeds.dim(0) + " image(s), embedding " + imageEmbeds.dim(1) + " from "
                + source;
    }
}
