package dev.noodle.engine.unet;

import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorSource;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hyper-parameters of an LDM/SGM UNet ({@code openaimodel.UNetModel}) for SD 1.x, SD 2.x and SDXL checkpoints.
 *
 * <p>Transformer depth is given per block, as ComfyUI's {@code model_detection} counts it from the keys: SDXL has
 * no transformer at its first level, two BasicTransformerBlocks per transformer at the second and ten at the third.
 * A depth of 0 means the block has no SpatialTransformer at all.
 *
 * @param inChannels latent input channels (4; 9 for inpainting: latent + mask + masked-image latent)
 * @param outChannels predicted channels (4)
 * @param modelChannels base width (320 for SD 1.x/2.x and SDXL)
 * @param channelMult width multiplier per resolution level ({1, 2, 4, 4}; SDXL {1, 2, 4})
 * @param numResBlocks ResBlocks per level on the way down (one more per level on the way up)
 * @param inputDepth transformer depth after each input ResBlock, level by level ({@code levels × numResBlocks}
 *     entries, in {@code input_blocks} order; ComfyUI's {@code transformer_depth})
 * @param middleDepth transformer depth of {@code middle_block.1}; 0 means the middle block is a single ResBlock
 * @param outputDepth transformer depth of each output block in {@code output_blocks} order, deepest level first
 *     ({@code levels × (numResBlocks + 1)} entries; ComfyUI's {@code transformer_depth_output} reversed)
 * @param numHeads attention heads per transformer (SD 1.x: 8), or -1 when {@code headChannels} is used
 * @param headChannels channels per head (SD 2.x, SDXL: 64), or -1 when {@code numHeads} is used
 * @param contextDim cross-attention context width (768 CLIP ViT-L, 1024 OpenCLIP ViT-H, 2048 SDXL's CLIP-L ‖ bigG)
 * @param linearProjection proj_in/proj_out are linear layers (SD 2.x, SDXL) rather than 1×1 convolutions (SD 1.x)
 * @param admInChannels width of the vector y added to the time embedding through {@code label_emb} (SDXL: 2816),
 *     or 0 when the model has no {@code label_emb}
 */
public record UNetConfig(
        int inChannels,
        int outChannels,
        int modelChannels,
        int[] channelMult,
        int numResBlocks,
        int[] inputDepth,
        int middleDepth,
        int[] outputDepth,
        int numHeads,
        int headChannels,
        int contextDim,
        boolean linearProjection,
        int admInChannels) {
    /** Key prefix of the UNet inside a single-file checkpoint. */
    public static final String PREFIX = "model.diffusion_model.";

    /** Groups of every GroupNorm (LDM {@code normalization()} = GroupNorm32). */
    public static final int NORM_GROUPS = 32;

    public UNetConfig {
        channelMult = channelMult.clone();
        inputDepth = inputDepth.clone();
        outputDepth = outputDepth.clone();
        int levels = channelMult.length;
        if (levels == 0 || numResBlocks <= 0) {
            throw new IllegalArgumentException("need at least one level and one ResBlock per level, got "
                    + Arrays.toString(channelMult) + " and " + numResBlocks);
        }
        if (inputDepth.length != levels * numResBlocks || outputDepth.length != levels * (numResBlocks + 1)) {
            throw new IllegalArgumentException("inputDepth needs " + levels * numResBlocks + " entries and outputDepth "
                    + levels * (numResBlocks + 1) + ", got " + Arrays.toString(inputDepth) + " and "
                    + Arrays.toString(outputDepth));
        }
        if (Arrays.stream(inputDepth).anyMatch(d -> d < 0) || Arrays.stream(outputDepth).anyMatch(d -> d < 0)
                || middleDepth < 0) {
            throw new IllegalArgumentException("transformer depths must be ≥ 0");
        }
        if ((numHeads > 0) == (headChannels > 0)) {
            throw new IllegalArgumentException("set exactly one of numHeads (" + numHeads + ") and headChannels ("
                    + headChannels + ")");
        }
        if (modelChannels <= 0 || modelChannels % NORM_GROUPS != 0) {
            throw new IllegalArgumentException("modelChannels must be a positive multiple of " + NORM_GROUPS
                    + ", got " + modelChannels);
        }
        if (admInChannels < 0) {
            throw new IllegalArgumentException("admInChannels must be ≥ 0, got " + admInChannels);
        }
    }

    /**
     * A config whose transformers all have the same depth, on the levels flagged in {@code attentionLevels}, and
     * a middle transformer (the SD 1.x/2.x shape), without {@code label_emb}.
     */
    public UNetConfig(int inChannels, int outChannels, int modelChannels, int[] channelMult, int numResBlocks,
            boolean[] attentionLevels, int numHeads, int headChannels, int transformerDepth, int contextDim,
            boolean linearProjection) {
        this(inChannels, outChannels, modelChannels, channelMult, numResBlocks,
                perBlock(attentionLevels, channelMult.length, numResBlocks, transformerDepth, false),
                transformerDepth,
                perBlock(attentionLevels, channelMult.length, numResBlocks + 1, transformerDepth, true),
                numHeads, headChannels, contextDim, linearProjection, 0);
    }

    private static int[] perBlock(boolean[] attn, int levels, int perLevel, int depth, boolean deepestFirst) {
        if (attn.length != levels) {
            throw new IllegalArgumentException("attentionLevels needs one entry per level (" + levels + "), got "
                    + Arrays.toString(attn));
        }
        int[] d = new int[levels * perLevel];
        for (int i = 0; i < d.length; i++) {
            int level = deepestFirst ? levels - 1 - i / perLevel : i / perLevel;
            d[i] = attn[level] ? depth : 0;
        }
        return d;
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
     * SDXL base (sd_xl_base.yaml): three levels, transformer depth 0/2/10 per level and 10 in the middle, 64-channel
     * heads, linear projections, 2048-wide context, and {@code label_emb} for the 2816-wide size/pooled vector:
     * 2.567 B parameters.
     */
    public static UNetConfig sdxl() {
        return new UNetConfig(4, 4, 320, new int[] {1, 2, 4}, 2, new int[] {0, 0, 2, 2, 10, 10}, 10,
                new int[] {10, 10, 10, 2, 2, 2, 0, 0, 0}, -1, 64, 2048, true, 2816);
    }

    /**
     * SDXL refiner (Stability's sd_xl_refiner.yaml; ComfyUI {@code supported_models.SDXLRefiner}): width 384, four
     * levels {1, 2, 4, 4}, transformers of depth 4 only on the two middle levels (attention_resolutions [4, 2]) and
     * in the middle block, 64-channel heads, linear projections, the 1280-wide context of OpenCLIP bigG alone, and a
     * {@code label_emb} for the 2560-wide pooled ‖ size ‖ crop ‖ aesthetic-score vector: 2.260 B parameters.
     */
    public static UNetConfig sdxlRefiner() {
        return new UNetConfig(4, 4, 384, new int[] {1, 2, 4, 4}, 2, new int[] {0, 0, 4, 4, 4, 4, 0, 0}, 4,
                new int[] {0, 0, 0, 4, 4, 4, 4, 4, 4, 0, 0, 0}, -1, 64, 1280, true, 2560);
    }

    /**
     * A tiny SD 1.x-shaped UNet (width 32, two levels, one ResBlock per level, attention on both, context 64) with
     * the real key names: demo checkpoints and tests. It keeps SD 1.x's 8 heads (head width 4 and 8), because the
     * head count is not visible in the weights and {@link #fromWeights} must infer this exact config back.
     */
    public static UNetConfig tiny() {
        return new UNetConfig(4, 4, 32, new int[] {1, 2}, 1, new boolean[] {true, true}, 8, -1, 1, 64, false);
    }

    /**
     * A tiny SDXL-shaped UNet with the real key names: width 32, levels {1, 2, 2}, two ResBlocks per level, no
     * transformer on the first level, uneven depths elsewhere (so per-block detection is exercised), 64-channel
     * heads, linear projections, context 80 and a 48-wide {@code label_emb} input.
     */
    public static UNetConfig tinyXl() {
        return new UNetConfig(4, 4, 32, new int[] {1, 2, 2}, 2, new int[] {0, 0, 2, 1, 1, 3}, 2,
                new int[] {3, 1, 2, 2, 1, 1, 0, 0, 0}, -1, 64, 80, true, 48);
    }

    @Override
    public int[] channelMult() {
        return channelMult.clone();
    }

    @Override
    public int[] inputDepth() {
        return inputDepth.clone();
    }

    @Override
    public int[] outputDepth() {
        return outputDepth.clone();
    }

    /** Whether each level has a transformer after any of its input ResBlocks. */
    public boolean[] attentionLevels() {
        boolean[] a = new boolean[channelMult.length];
        for (int i = 0; i < inputDepth.length; i++) {
            a[i / numResBlocks] |= inputDepth[i] > 0;
        }
        return a;
    }

    /** The deepest transformer (the uniform depth of SD 1.x/2.x; 10 for SDXL). */
    public int transformerDepth() {
        int d = middleDepth;
        for (int v : inputDepth) {
            d = Math.max(d, v);
        }
        for (int v : outputDepth) {
            d = Math.max(d, v);
        }
        return d;
    }

    /** Width of the timestep embedding (4 × model channels). */
    public int timeEmbedDim() {
        return modelChannels * 4;
    }

    /** Whether the model adds a class/size vector y to the time embedding ({@code label_emb}). */
    public boolean hasLabelEmbedding() {
        return admInChannels > 0;
    }

    /** Attention heads for a transformer on {@code channels} channels. */
    public int heads(int channels) {
        return numHeads > 0 ? numHeads : channels / headChannels;
    }

    /** Same config with another number of input channels (9 for inpainting). */
    public UNetConfig withInChannels(int in) {
        return new UNetConfig(in, outChannels, modelChannels, channelMult, numResBlocks, inputDepth, middleDepth,
                outputDepth, numHeads, headChannels, contextDim, linearProjection, admInChannels);
    }

    /** Every parameter's full checkpoint key ({@value #PREFIX}…) and shape, in checkpoint order. */
    public static Map<String, long[]> parameterShapes(UNetConfig config) {
        Map<String, long[]> full = new LinkedHashMap<>();
        UNetLayout.of(config).shapes(config).forEach((k, v) -> full.put(PREFIX + k, v));
        return full;
    }

    /**
     * The encoder half's parameters (time embedding, {@code label_emb}, input blocks, middle block), keys relative
     * to the UNet, in checkpoint order: what a ControlNet (Zhang et al. 2023) copies of the UNet it controls.
     */
    public static Map<String, long[]> encoderShapes(UNetConfig config) {
        return UNetLayout.of(config).encoderShapes(config);
    }

    /** The output width of each input block, in {@code input_blocks} order (the skip connections' channels). */
    public int[] inputBlockChannels() {
        List<List<UNetLayout.Part>> in = UNetLayout.of(this).input();
        int[] c = new int[in.size()];
        for (int i = 0; i < c.length; i++) {
            List<UNetLayout.Part> block = in.get(i);
            c[i] = switch (block.get(block.size() - 1)) {
                case UNetLayout.Conv cv -> cv.out();
                case UNetLayout.Res r -> r.out();
                case UNetLayout.Transformer t -> t.channels();
                case UNetLayout.Down d -> d.channels();
                case UNetLayout.Up u -> u.channels();
            };
        }
        return c;
    }

    /** The middle block's width (the deepest level's channels). */
    public int middleChannels() {
        return modelChannels * channelMult[channelMult.length - 1];
    }

    /**
     * Infers the config of an encoder half alone (a ControlNet: keys relative to its root, {@code input_blocks…},
     * {@code middle_block…}, no output blocks) as {@link #fromWeights} does for a whole UNet.
     *
     * @throws ModelFormatException naming {@code where} and the missing or odd key
     */
    public static UNetConfig fromEncoderWeights(TensorSource source, String where) {
        return UNetDetection.detect(source, where, true);
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
     * Infers the config from a checkpoint's keys and shapes (full checkpoint or a bare UNet file), counting the
     * transformer depth of every block. Heads follow the family, since the weights do not show them: 1×1-conv
     * projections without {@code label_emb} and a context other than 1024 (SD 1.x) mean 8 heads; otherwise
     * (SD 2.x, SDXL) 64-channel heads.
     *
     * @throws ModelFormatException naming the file and the missing or odd key when this is not an LDM UNet
     */
    public static UNetConfig fromWeights(TensorSource source) {
        return UNetDetection.detect(unetKeys(source), source.describe());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UNetConfig c
                && c.inChannels == inChannels
                && c.outChannels == outChannels
                && c.modelChannels == modelChannels
                && Arrays.equals(c.channelMult, channelMult)
                && c.numResBlocks == numResBlocks
                && Arrays.equals(c.inputDepth, inputDepth)
                && c.middleDepth == middleDepth
                && Arrays.equals(c.outputDepth, outputDepth)
                && c.numHeads == numHeads
                && c.headChannels == headChannels
                && c.contextDim == contextDim
                && c.linearProjection == linearProjection
                && c.admInChannels == admInChannels;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(channelMult) * 31 + Arrays.hashCode(inputDepth) * 17 + Arrays.hashCode(outputDepth)
                + modelChannels + contextDim * 7 + inChannels + admInChannels * 13;
    }

    @Override
    public String toString() {
        return "UNetConfig[in=" + inChannels + ", out=" + outChannels + ", channels=" + modelChannels + ", mult="
                + Arrays.toString(channelMult) + ", resBlocks=" + numResBlocks + ", depth in="
                + Arrays.toString(inputDepth) + " mid=" + middleDepth + " out=" + Arrays.toString(outputDepth)
                + ", heads=" + (numHeads > 0 ? numHeads : "dim " + headChannels) + ", context=" + contextDim
                + ", linearProj=" + linearProjection + ", adm=" + admInChannels + "]";
    }
}
