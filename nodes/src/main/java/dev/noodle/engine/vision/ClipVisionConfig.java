package dev.noodle.engine.vision;

import dev.noodle.engine.text.ClipConfig.Activation;

/**
 * Hyper-parameters of a CLIP image tower (Radford et al. 2021, a ViT of Dosovitskiy et al. 2021 with a pre-norm
 * before the first block). Immutable.
 *
 * @param width hidden size D
 * @param layers transformer blocks
 * @param heads attention heads (D / heads is the head size)
 * @param mlpWidth hidden size of each block's MLP
 * @param patchSize side of a square patch in pixels (the patch convolution's kernel and stride)
 * @param imageSize side of the square input in pixels; (imageSize / patchSize)² + 1 positions
 * @param projectionDim width of the image embedding (visual_projection rows)
 * @param activation MLP activation (quick GELU for OpenAI's ViT-L/14, exact GELU for the LAION towers)
 * @param layerNormEps epsilon of every layer norm
 */
public record ClipVisionConfig(int width, int layers, int heads, int mlpWidth, int patchSize, int imageSize,
        int projectionDim, Activation activation, float layerNormEps) {
    public ClipVisionConfig {
        if (width <= 0 || layers < 2 || heads <= 0 || width % heads != 0 || mlpWidth <= 0 || patchSize <= 0
                || imageSize < patchSize || imageSize % patchSize != 0 || projectionDim <= 0) {
            throw new IllegalArgumentException("Invalid CLIP vision config: width " + width + ", layers " + layers
                    + ", heads " + heads + ", mlp " + mlpWidth + ", patch " + patchSize + ", image " + imageSize
                    + ", projection " + projectionDim + " (at least 2 layers; the width must split into the heads"
                    + " and the image into whole patches)");
        }
    }

    /** OpenAI CLIP ViT-L/14 (224 px): 1024 wide, 24 layers, 16 heads, MLP 4096, quick GELU, embedding 768. */
    public static ClipVisionConfig vitL14() {
        return new ClipVisionConfig(1024, 24, 16, 4096, 14, 224, 768, Activation.QUICK_GELU, 1e-5f);
    }

    /** OpenAI CLIP ViT-L/14 at 336 px: as {@link #vitL14()} with 577 positions. */
    public static ClipVisionConfig vitL14At336() {
        return new ClipVisionConfig(1024, 24, 16, 4096, 14, 336, 768, Activation.QUICK_GELU, 1e-5f);
    }

    /** LAION OpenCLIP ViT-H/14: 1280 wide, 32 layers, 16 heads, MLP 5120, GELU, embedding 1024. */
    public static ClipVisionConfig vitH14() {
        return new ClipVisionConfig(1280, 32, 16, 5120, 14, 224, 1024, Activation.GELU, 1e-5f);
    }

    /** LAION OpenCLIP ViT-bigG/14: 1664 wide, 48 layers, 16 heads, MLP 8192, GELU, embedding 1280. */
    public static ClipVisionConfig vitBigG14() {
        return new ClipVisionConfig(1664, 48, 16, 8192, 14, 224, 1280, Activation.GELU, 1e-5f);
    }

    /** Patches along one side. */
    public int grid() {
        return imageSize / patchSize;
    }

    /** Tokens: one class token and one per patch. */
    public int positions() {
        return grid() * grid() + 1;
    }

    /** Size of one attention head. */
    public int headSize() {
        return width / heads;
    }

    /** A short name: the published tower this config is, or its sizes. */
    public String describe() {
        if (equals(vitL14())) {
            return "CLIP ViT-L/14";
        }
        if (equals(vitL14At336())) {
            return "CLIP ViT-L/14 (336 px)";
        }
        if (equals(vitH14())) {
            return "CLIP ViT-H/14";
        }
        if (equals(vitBigG14())) {
            return "CLIP ViT-bigG/14";
        }
        return "CLIP image tower (width " + width + ", " + layers + " layers, " + imageSize + " px)";
    }

    /** The same config with another MLP activation. */
    public ClipVisionConfig withActivation(Activation a) {
        return new ClipVisionConfig(width, layers, heads, mlpWidth, patchSize, imageSize, projectionDim, a,
                layerNormEps);
    }
}
