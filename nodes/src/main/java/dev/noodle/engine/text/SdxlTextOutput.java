package dev.noodle.engine.text;

import ai.djl.ndarray.NDArray;

/**
 * SDXL text conditioning; both arrays belong to the manager passed to the encode call.
 *
 * @param context cross-attention context {@code [1, 77·chunks, 768 + 1280]}: CLIP-L ‖ bigG along features
 * @param pooled bigG's projected pooled output of the first chunk {@code [1, 1280]}, the head of the UNet's
 *     {@code y} vector (see {@link SdxlConditioning})
 */
public record SdxlTextOutput(NDArray context, NDArray pooled) {}
