package dev.noodle.engine.unet;

import java.util.ArrayList;
import java.util.List;

/**
 * One SpatialTransformer of a UNet as add-ons that patch transformer blocks see it: its key path (e.g.
 * {@code input_blocks.1.1}), width, heads and depth. {@link #of} lists them in the order the forward pass runs them
 * (input blocks, middle, output blocks), which is ComfyUI's {@code transformer_index}. Immutable.
 *
 * @param path key path of the SpatialTransformer, relative to the UNet
 * @param channels its width
 * @param heads attention heads of its blocks
 * @param depth how many BasicTransformerBlocks it holds
 */
public record TransformerSlot(String path, int channels, int heads, int depth) {
    /** The SpatialTransformers of a UNet of this configuration, in the order the forward pass runs them. */
    public static List<TransformerSlot> of(UNetConfig config) {
        UNetLayout layout = UNetLayout.of(config);
        List<TransformerSlot> out = new ArrayList<>();
        for (List<UNetLayout.Part> block : layout.input()) {
            block.forEach(p -> add(out, p));
        }
        layout.middle().forEach(p -> add(out, p));
        for (List<UNetLayout.Part> block : layout.output()) {
            block.forEach(p -> add(out, p));
        }
        return List.copyOf(out);
    }

    private static void add(List<TransformerSlot> out, UNetLayout.Part p) {
        if (p instanceof UNetLayout.Transformer t) {
            out.add(new TransformerSlot(t.path(), t.channels(), t.heads(), t.depth()));
        }
    }

    /** The SpatialTransformer path of a BasicTransformerBlock's site ({@code ….transformer_blocks.d} removed). */
    public static String of(TransformerSite site) {
        String p = site.path();
        int i = p.lastIndexOf(".transformer_blocks.");
        return i < 0 ? p : p.substring(0, i);
    }
}
