package dev.noodle.engine.vision;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * A CLIP image tower (Radford et al. 2021; ViT-L/14, ViT-H/14, ViT-bigG/14) as the nodes use it: pixels in, the
 * hidden states and the projected image embedding out (ComfyUI's {@code ClipVisionModel.encode_image}). Weights
 * are only read, so one encoder serves every run and thread; closing it frees them.
 */
public interface ClipVisionEncoder extends AutoCloseable {
    /**
     * Encodes images.
     *
     * @param images [B, H, W, 3] pixels in 0..1 (ComfyUI's IMAGE layout)
     * @param crop "center" (resize the short side to the tower's input size, then crop the middle) or "none"
     *     (resize both sides to it)
     * @param scope manager of the results
     */
    Output encode(NDArray images, String crop, NDManager scope);

    /** Native bytes held by the weights. */
    long sizeBytes();

    @Override
    void close();

    /**
     * What the tower gives, as ComfyUI's {@code Output}.
     *
     * @param lastHiddenState [B, tokens, width] after the last layer (before post_layernorm)
     * @param imageEmbeds [B, projectionDim] post_layernorm(class token) · visual_projection
     * @param penultimateHiddenStates [B, tokens, width] after the second-to-last layer
     */
    record Output(NDArray lastHiddenState, NDArray imageEmbeds, NDArray penultimateHiddenStates) {}
}
