package dev.noodle.engine.unet;

import dev.noodle.engine.runtime.Attention;

/**
 * Where in the UNet a transformer-block patch runs: the BasicTransformerBlock's key path (e.g.
 * {@code input_blocks.1.1.transformer_blocks.0}), the block kind and index as ComfyUI's transformer options name
 * them ({@code ("input", 1)}, {@code ("middle", 0)}, {@code ("output", 3)}), the depth inside the
 * SpatialTransformer, the head count and the attention implementation of the pass.
 *
 * @param path key path of the BasicTransformerBlock, relative to the UNet
 * @param kind "input", "middle" or "output"
 * @param blockIndex index of the UNet block (input_blocks.i / output_blocks.i; 0 for the middle)
 * @param depth index of the BasicTransformerBlock inside its SpatialTransformer
 * @param heads attention heads of this block
 * @param attention the attention implementation of this pass
 */
public record TransformerSite(String path, String kind, int blockIndex, int depth, int heads,
        Attention.Mode attention) {}
