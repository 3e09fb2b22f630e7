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
 */
public record ClipConfig(int width, int layers, int heads, int vocabSize, int maxPositions, int mlpWidth,
        Activation activation, float layerNormEps) {
    /** MLP activation functions. */
    public enum Activation {
        /** x·σ(1.702x), OpenAI CLIP. */
        QUICK_GELU,
        /** Exact GELU (erf form). */
        GELU
    }

    public ClipConfig {
        if (width <= 0 || layers <= 0 || heads <= 0 || width % heads != 0 || vocabSize <= 0 || maxPositions <= 0
                || mlpWidth <= 0) {
            throw new IllegalArgumentException("Invalid CLIP config: width " + width + ", layers " + layers
                    + ", heads " + heads + ", vocab " + vocabSize + ", positions " + maxPositions + ", mlp "
                    + mlpWidth);
        }
    }

    /** CLIP ViT-L/14 text encoder used by SD 1.x (and as CLIP-L in SDXL): 768 wide, 12 layers, 12 heads. */
    public static ClipConfig vitL14() {
        return new ClipConfig(768, 12, 12, 49408, 77, 3072, Activation.QUICK_GELU, 1e-5f);
    }

    private static final Pattern LAYER = Pattern.compile("^encoder\\.layers\\.(\\d+)\\.");

    /**
     * Infers the config from weight shapes (keys relative to {@code text_model.}): width and vocabulary from the token
     * embedding, positions from the position embedding, layers from the highest layer index, MLP width from fc1;
     * heads = width / 64; OpenAI CLIP's quick GELU.
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
        return new ClipConfig(width, layers, Math.max(1, width / 64), Math.toIntExact(t[0]), Math.toIntExact(p[0]),
                Math.toIntExact(f[0]), Activation.QUICK_GELU, 1e-5f);
    }

    /** Size of one attention head. */
    public int headSize() {
        return width / heads;
    }
}
