package dev.noodle.engine.unet;

import java.util.ArrayList;
import java.util.List;

/**
 * The cross-attention (attn2) layers of a UNet config, one per BasicTransformerBlock, in the order the network
 * runs them, each with the index of its SpatialTransformer in that order (ComfyUI's {@code transformer_index}:
 * 0 for the first input-block transformer, counting the middle block's between the input and output blocks).
 * Adapters that add weights per attn2 layer (IP-Adapter) bind their keys through this list. Stateless.
 */
public final class CrossAttentionSites {
    private CrossAttentionSites() {}

    /**
     * One attn2 layer.
     *
     * @param kind "input", "middle" or "output"
     * @param blockIndex input_blocks.i / output_blocks.i (0 for the middle block)
     * @param depth index of the BasicTransformerBlock inside its SpatialTransformer
     * @param path key path of the BasicTransformerBlock relative to the UNet
     * @param transformerIndex index of its SpatialTransformer in execution order
     * @param channels the layer's width (attn2 to_q/to_k output size)
     * @param heads attention heads
     */
    public record Site(String kind, int blockIndex, int depth, String path, int transformerIndex, int channels,
            int heads) {
        /** Whether this is the layer a {@link TransformerSite} names. */
        public boolean is(TransformerSite s) {
            return s.kind().equals(kind) && s.blockIndex() == blockIndex && s.depth() == depth;
        }
    }

    /** Every attn2 layer of {@code config} in execution order: input blocks, middle block, output blocks. */
    public static List<Site> of(UNetConfig config) {
        UNetLayout layout = UNetLayout.of(config);
        List<Site> out = new ArrayList<>();
        int[] t = {0};
        for (int i = 0; i < layout.input().size(); i++) {
            add(out, "input", i, layout.input().get(i), t);
        }
        add(out, "middle", 0, layout.middle(), t);
        for (int i = 0; i < layout.output().size(); i++) {
            add(out, "output", i, layout.output().get(i), t);
        }
        return List.copyOf(out);
    }

    /** How many SpatialTransformers {@code config} has (ComfyUI's transformer_index runs from 0 to this − 1). */
    public static int transformerCount(UNetConfig config) {
        List<Site> sites = of(config);
        return sites.isEmpty() ? 0 : sites.stream().mapToInt(Site::transformerIndex).max().orElse(-1) + 1;
    }

    private static void add(List<Site> out, String kind, int index, List<UNetLayout.Part> parts, int[] t) {
        for (UNetLayout.Part p : parts) {
            if (p instanceof UNetLayout.Transformer tr) {
                for (int d = 0; d < tr.depth(); d++) {
                    out.add(new Site(kind, index, d, tr.path() + ".transformer_blocks." + d, t[0], tr.channels(),
                            tr.heads()));
                }
                t[0]++;
            }
        }
    }
}
