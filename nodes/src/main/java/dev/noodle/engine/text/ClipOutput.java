package dev.noodle.engine.text;

import ai.djl.ndarray.NDArray;

/**
 * Output of the CLIP text encoder; both arrays belong to the manager passed to the encode call.
 *
 * @param hidden hidden states {@code [B, T, D]} (for a weighted prompt {@code [1, 77·chunks, D]})
 * @param pooled the final-layer, final-norm state at each sequence's end token {@code [B, D]}, projected to
 *     {@code [B, P]} when the model has a text projection (OpenCLIP)
 */
public record ClipOutput(NDArray hidden, NDArray pooled) {}
