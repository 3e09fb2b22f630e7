package dev.noodle.engine.unet;

import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorSource;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hyper-parameters of an LDM UNet ({@code openaimodel.UNetModel}) for SD 1.x/2.x-style checkpoints.
 *
 * @param inChannels latent input channels (4; 9 for inpainting: latent + mask + masked-image latent)
 * @param outChannels predicted channels (4)
 * @param modelChannels base width (320 for SD 1.x/2.x)
 * @param channelMult width multiplier per resolution level ({1, 2, 4, 4})
 * @param numResBlocks ResBlocks per level on the way down (one more per level on the way up)
 * @param attentionLevels whether each level has a SpatialTransformer after its ResBlocks
 * @param numHeads attention heads per transformer (SD 1.x: 8), or -1 when {@code headChannels} is used
 * @param headChannels channels per head (SD 2.x: 64), or -1 when {@code numHeads} is used
 * @param transformerDepth BasicTransformerBlocks per SpatialTransformer
 * @param contextDim cross-attention context width (768 for CLIP ViT-L, 1024 for OpenCLIP ViT-H)
 * @param linearProjection proj_in/proj_out are linear layers (SD 2.x) rather than 1×1 convolutions (SD 1.x)
 */
public record UNetConfig(
        int inChannels,
        int outChannels,
        int modelChannels,
        int[] channelMult,
        int numResBlocks,
        boolean[] attentionLevels,
        int numHeads,
        int headChannels,
        int transformerDepth,
        int contextDim,
        boolean linearProjection) {
    /** Key prefix of the UNet inside a single-file checkpoint. */
    public static final String PREFIX = "model.diffusion_model.";

    /** Groups of every GroupNorm (LDM {@code normalization()} = GroupNorm32). */
    public static final int NORM_GROUPS = 32;

    public UNetConfig {
        channelMult = channelMult.clone();
        attentionLevels = attentionLevels.clone();
        if (channelMult.length == 0 || channelMult.length != attentionLevels.length) {
            throw new IllegalArgumentException("channelMult and attentionLevels need one entry per level, got "
                    + Arrays.toString(channelMult) + " and " + Arrays.toString(attentionLevels));
        }
        if ((numHeads > 0) == (headChannels > 0)) {
            throw new IllegalArgumentException("set exactly one of numHeads (" + numHeads + ") and headChannels ("
                    + headChannels + ")");
        }
        if (modelChannels <= 0 || modelChannels % NORM_GROUPS != 0) {
            throw new IllegalArgumentException("modelChannels must be a positive multiple of " + NORM_GROUPS
                    + ", got " + modelChannels);
        }
    }

    /** Stable Diffusion 1.x (v1-inference.yaml): 859.5 M parameters. */
    public static UNetConfig sd15() {
        return new UNetConfig(4, 4, 320, new int[] {1, 2, 4, 4}, 2, new boolean[] {true, true, true, false}, 8, -1,
                1, 768, false);
    }

    /** Stable Diffusion 2.x (v2-inference.yaml): 64-channel heads, linear projections, 1024-wide context. */
    public static UNetConfig sd2() {
        return new UNetConfig(4, 4, 320, new int[] {1, 2, 4, 4}, 2, new boolean[] {true, true, true, false}, -1,
                64, 1, 1024, true);
    }

    /**
     * A tiny SD 1.x-shaped UNet (width 32, two levels, one ResBlock per level, attention on both, context 64) with
     * the real key names: demo checkpoints and tests. It keeps SD 1.x's 8 heads (head width 4 and 8), because the
     * head count is not visible in the weights and {@link #fromWeights} must infer this exact config back.
     */
    public static UNetConfig tiny() {
        return new UNetConfig(4, 4, 32, new int[] {1, 2}, 1, new boolean[] {true, true}, 8, -1, 1, 64, false);
    }

    @Override
    public int[] channelMult() {
        return channelMult.clone();
    }

    @Override
    public boolean[] attentionLevels() {
        return attentionLevels.clone();
    }

    /** Width of the timestep embedding (4 × model channels). */
    public int timeEmbedDim() {
        return modelChannels * 4;
    }

    /** Attention heads for a transformer on {@code channels} channels. */
    public int heads(int channels) {
        return numHeads > 0 ? numHeads : channels / headChannels;
    }

    /** Same config with another number of input channels (9 for inpainting). */
    public UNetConfig withInChannels(int in) {
        return new UNetConfig(in, outChannels, modelChannels, channelMult, numResBlocks, attentionLevels, numHeads,
                headChannels, transformerDepth, contextDim, linearProjection);
    }

    /** Every parameter's full checkpoint key ({@value #PREFIX}…) and shape, in checkpoint order. */
    public static Map<String, long[]> parameterShapes(UNetConfig config) {
        Map<String, long[]> full = new LinkedHashMap<>();
        UNetLayout.of(config).shapes(config).forEach((k, v) -> full.put(PREFIX + k, v));
        return full;
    }

    /** The UNet keys of a source: its {@value #PREFIX} view when present, else the source itself. */
    static TensorSource unetKeys(TensorSource source) {
        for (String k : source.keys()) {
            if (k.startsWith(PREFIX)) {
                return source.withPrefix(PREFIX);
            }
        }
        return source;
    }

    /**
     * Infers the config from a checkpoint's keys and shapes (full checkpoint or a bare UNet file). Heads follow
     * the family: a 1024-wide context (SD 2.x) means 64-channel heads, otherwise 8 heads (SD 1.x).
     *
     * @throws ModelFormatException naming the file and the missing or odd key when this is not an LDM UNet
     */
    public static UNetConfig fromWeights(TensorSource source) {
        TensorSource s = unetKeys(source);
        String where = source.describe();
        long[] convIn = shape(s, "input_blocks.0.0.weight", where);
        int mc = (int) convIn[0];
        int in = (int) convIn[1];
        int out = (int) shape(s, "out.2.weight", where)[0];
        TreeSet<Integer> inputIds = new TreeSet<>();
        Pattern block = Pattern.compile("^input_blocks\\.(\\d+)\\.");
        int depth = 0;
        Pattern tb = Pattern.compile("^input_blocks\\.\\d+\\.1\\.transformer_blocks\\.(\\d+)\\.");
        for (String k : s.keys()) {
            Matcher m = block.matcher(k);
            if (m.find()) {
                inputIds.add(Integer.parseInt(m.group(1)));
            }
            Matcher t = tb.matcher(k);
            if (t.find()) {
                depth = Math.max(depth, Integer.parseInt(t.group(1)) + 1);
            }
        }
        // walk the input blocks: Downsample blocks (…0.op.weight) close a level
        java.util.List<Integer> mult = new java.util.ArrayList<>();
        java.util.List<Boolean> attn = new java.util.ArrayList<>();
        int resInLevel = 0;
        int resPerLevel = -1;
        for (int id = 1; id <= inputIds.last(); id++) {
            String p = "input_blocks." + id + ".";
            if (s.contains(p + "0.op.weight")) {
                resPerLevel = checkRes(resPerLevel, resInLevel, where);
                resInLevel = 0;
                continue;
            }
            long[] w = shape(s, p + "0.out_layers.3.weight", where);
            if (resInLevel == 0) {
                mult.add((int) (w[0] / mc));
                attn.add(s.contains(p + "1.proj_in.weight"));
            }
            resInLevel++;
        }
        resPerLevel = checkRes(resPerLevel, resInLevel, where);
        int context = -1;
        boolean linear = false;
        for (String k : s.keys()) {
            if (k.endsWith("attn2.to_k.weight")) {
                context = (int) s.info(k).shape()[1];
            }
            if (k.endsWith("proj_in.weight")) {
                linear = s.info(k).shape().length == 2;
            }
        }
        if (context < 0 || depth == 0) {
            throw new ModelFormatException(where + ": no cross-attention weights (…attn2.to_k.weight) found under"
                    + " the UNet keys; this is not a Stable Diffusion 1.x/2.x UNet.");
        }
        boolean sd2 = context == 1024;
        return new UNetConfig(in, out, mc, mult.stream().mapToInt(Integer::intValue).toArray(), resPerLevel,
                toArray(attn), sd2 ? -1 : 8, sd2 ? 64 : -1, depth, context, linear);
    }

    private static int checkRes(int expected, int found, String where) {
        if (expected >= 0 && expected != found) {
            throw new ModelFormatException(where + ": UNet levels have different numbers of ResBlocks (" + expected
                    + " and " + found + "); this layout is not supported.");
        }
        return found;
    }

    private static boolean[] toArray(java.util.List<Boolean> list) {
        boolean[] a = new boolean[list.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = list.get(i);
        }
        return a;
    }

    private static long[] shape(TensorSource s, String key, String where) {
        if (!s.contains(key)) {
            throw new ModelFormatException(where + ": UNet key '" + PREFIX + key + "' is missing; this is not a"
                    + " Stable Diffusion UNet checkpoint (or it uses diffusers names, which need converting).");
        }
        return s.info(key).shape();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UNetConfig c
                && c.inChannels == inChannels
                && c.outChannels == outChannels
                && c.modelChannels == modelChannels
                && Arrays.equals(c.channelMult, channelMult)
                && c.numResBlocks == numResBlocks
                && Arrays.equals(c.attentionLevels, attentionLevels)
                && c.numHeads == numHeads
                && c.headChannels == headChannels
                && c.transformerDepth == transformerDepth
                && c.contextDim == contextDim
                && c.linearProjection == linearProjection;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(channelMult) * 31 + Arrays.hashCode(attentionLevels) * 17 + modelChannels
                + contextDim * 7 + inChannels;
    }

    @Override
    public String toString() {
        return "UNetConfig[in=" + inChannels + ", out=" + outChannels + ", channels=" + modelChannels + ", mult="
                + Arrays.toString(channelMult) + ", resBlocks=" + numResBlocks + ", attention="
                + Arrays.toString(attentionLevels) + ", heads=" + (numHeads > 0 ? numHeads : "dim " + headChannels)
                + ", depth=" + transformerDepth + ", context=" + contextDim + ", linearProj=" + linearProjection + "]";
    }
}
