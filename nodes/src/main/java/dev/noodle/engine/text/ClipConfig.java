package dev.noodle.engine.text;

import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorSource;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hyper-parameters of a CLIP text transformer (Radford et al. 2021, "Learning Transferable Visual Models From Natural
 * Language Supervision"). Immutable.
 *
 * @param width hidden size D
 * @param layers number of transformer blocks
 * @param heads attention heads (D / heads is the head size)
 * @param vocabSize rows of the token embedding
 * @param maxPositions rows of the position embedding (77 for SD)
 * @param mlpWidth hidden size of each block's MLP
 * @param activation MLP activation
 * @param layerNormEps epsilon of every layer norm
 * @param projectionDim output width of the pooled text projection (OpenCLIP {@code text_projection}), 0 = none
 */
public record ClipConfig(int width, int layers, int heads, int vocabSize, int maxPositions, int mlpWidth,
        Activation activation, float layerNormEps, int projectionDim) {
    /** MLP activation functions. */
    public enum Activation {
        /** x·σ(1.702x), OpenAI CLIP. */
        QUICK_GELU,
        /** Exact GELU (erf form). */
        GELU
    }

    public ClipConfig {
        if (width <= 0 || layers <= 0 || heads <= 0 || width % heads != 0 || vocabSize <= 0 || maxPositions <= 0
                || mlpWidth <= 0 || projectionDim < 0) {
            throw new IllegalArgumentException("Invalid CLIP config: width " + width + ", layers " + layers
                    + ", heads " + heads + ", vocab " + vocabSize + ", positions " + maxPositions + ", mlp "
                    + mlpWidth + ", projection " + projectionDim);
        }
    }

    /** A config without a text projection (SD 1.x CLIP-L, SDXL's CLIP-L). */
    public ClipConfig(int width, int layers, int heads, int vocabSize, int maxPositions, int mlpWidth,
            Activation activation, float layerNormEps) {
        this(width, layers, heads, vocabSize, maxPositions, mlpWidth, activation, layerNormEps, 0);
    }

    /** CLIP ViT-L/14 text encoder used by SD 1.x (and as CLIP-L in SDXL): 768 wide, 12 layers, 12 heads. */
    public static ClipConfig vitL14() {
        return new ClipConfig(768, 12, 12, 49408, 77, 3072, Activation.QUICK_GELU, 1e-5f);
    }

    /** OpenCLIP ViT-H/14 text encoder of SD 2.x: 1024 wide, 24 layers, 16 heads, exact GELU, 1024 projection. */
    public static ClipConfig vitH14() {
        return new ClipConfig(1024, 24, 16, 49408, 77, 4096, Activation.GELU, 1e-5f, 1024);
    }

    /** OpenCLIP ViT-bigG/14 text encoder of SDXL: 1280 wide, 32 layers, 20 heads, exact GELU, 1280 projection. */
    public static ClipConfig vitBigG14() {
        return new ClipConfig(1280, 32, 20, 49408, 77, 5120, Activation.GELU, 1e-5f, 1280);
    }

    /** The same config with another MLP activation. */
    public ClipConfig withActivation(Activation a) {
        return new ClipConfig(width, layers, heads, vocabSize, maxPositions, mlpWidth, a, layerNormEps, projectionDim);
    }

    private static final Pattern LAYER = Pattern.compile("^encoder\\.layers\\.(\\d+)\\.");

    /**
     * Infers the config from weight shapes (keys relative to {@code text_model.}): width and vocabulary from the token
     * embedding, positions from the position embedding, layers from the highest layer index, MLP width from fc1;
     * heads = width / 64; projection from {@code text_projection.weight} when present; OpenAI CLIP's quick GELU
     * (use {@link #withActivation} or {@link OpenClipKeys#config} for OpenCLIP models).
     */
    public static ClipConfig fromWeights(TensorSource weights) {
        String tok = "embeddings.token_embedding.weight";
        String pos = "embeddings.position_embedding.weight";
        String fc1 = "encoder.layers.0.mlp.fc1.weight";
        for (String k : new String[] {tok, pos, fc1}) {
            if (!weights.contains(k)) {
                throw new ModelFormatException(weights.describe() + " has no CLIP text encoder: key '" + k
                        + "' is missing. Is this an SD 1.x checkpoint or a CLIP-L text encoder file?");
            }
        }
        long[] t = weights.info(tok).shape();
        long[] p = weights.info(pos).shape();
        long[] f = weights.info(fc1).shape();
        if (t.length != 2 || p.length != 2 || f.length != 2) {
            throw new ModelFormatException(weights.describe() + ": CLIP embedding/MLP weights must be 2-D, found "
                    + tok + " " + java.util.Arrays.toString(t) + ", " + pos + " " + java.util.Arrays.toString(p)
                    + ", " + fc1 + " " + java.util.Arrays.toString(f));
        }
        int layers = 0;
        for (String k : weights.keys()) {
            Matcher m = LAYER.matcher(k);
            if (m.find()) {
                layers = Math.max(layers, Integer.parseInt(m.group(1)) + 1);
            }
        }
        int width = Math.toIntExact(t[1]);
        int projection = 0;
        if (weights.contains(ClipTextModel.PROJECTION_KEY)) {
            long[] pr = weights.info(ClipTextModel.PROJECTION_KEY).shape();
            if (pr.length != 2 || pr[1] != width) {
                throw new ModelFormatException(weights.describe() + ": " + ClipTextModel.PROJECTION_KEY
                        + " has shape " + java.util.Arrays.toString(pr) + " but must be [projection, " + width + "]");
            }
            projection = Math.toIntExact(pr[0]);
        }
        return new ClipConfig(width, layers, Math.max(1, width / 64), Math.toIntExact(t[0]), Math.toIntExact(p[0]),
                Math.toIntExact(f[0]), Activation.QUICK_GELU, 1e-5f, projection);
    }

    /** Size of one attention head. */
    public int headSize() {
        return width / heads;
    }
}
