package dev.noodle.engine.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.io.WeightLayout;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parameter layout of an LDM AutoencoderKL and the binding of a {@link TensorSource} to it by name.
 *
 * <p>Key names mirror the ldm module tree ({@code encoder.down.1.block.0.conv1.weight}). Binding checks every key
 * and shape first and reports all problems at once; the loaded arrays belong to the given manager.
 */
final class VaeWeights {
    /** Keys under these prefixes are training leftovers (discriminator, EMA) that some .ckpt VAEs carry. */
    private static final List<String> IGNORED_PREFIXES = List.of("loss.", "model_ema.");

    private static final String[] ATTN_LINEAR = {"q", "k", "v", "proj_out"};

    private VaeWeights() {}

    /** Every parameter name of the config with its shape, in module order. */
    static Map<String, long[]> shapes(VaeConfig c) {
        Map<String, long[]> m = new LinkedHashMap<>();
        int top = c.channels(c.levels() - 1);
        conv(m, "encoder.conv_in", c.inChannels(), c.ch(), 3);
        int blockIn = c.ch();
        for (int i = 0; i < c.levels(); i++) {
            int blockOut = c.channels(i);
            for (int j = 0; j < c.numResBlocks(); j++) {
                resnet(m, "encoder.down." + i + ".block." + j, blockIn, blockOut);
                blockIn = blockOut;
            }
            if (i != c.levels() - 1) {
                conv(m, "encoder.down." + i + ".downsample.conv", blockIn, blockIn, 3);
            }
        }
        mid(m, "encoder.mid", top);
        norm(m, "encoder.norm_out", top);
        conv(m, "encoder.conv_out", top, 2 * c.zChannels(), 3);
        conv(m, "quant_conv", 2 * c.zChannels(), 2 * c.embedDim(), 1);
        conv(m, "post_quant_conv", c.embedDim(), c.zChannels(), 1);
        conv(m, "decoder.conv_in", c.zChannels(), top, 3);
        mid(m, "decoder.mid", top);
        blockIn = top;
        for (int i = c.levels() - 1; i >= 0; i--) {
            int blockOut = c.channels(i);
            for (int j = 0; j <= c.numResBlocks(); j++) {
                resnet(m, "decoder.up." + i + ".block." + j, blockIn, blockOut);
                blockIn = blockOut;
            }
            if (i != 0) {
                conv(m, "decoder.up." + i + ".upsample.conv", blockIn, blockIn, 3);
            }
        }
        norm(m, "decoder.norm_out", blockIn);
        conv(m, "decoder.conv_out", blockIn, c.outChannels(), 3);
        return m;
    }

    private static void conv(Map<String, long[]> m, String name, int in, int out, int k) {
        m.put(name + ".weight", new long[] {out, in, k, k});
        m.put(name + ".bias", new long[] {out});
    }

    private static void norm(Map<String, long[]> m, String name, int c) {
        m.put(name + ".weight", new long[] {c});
        m.put(name + ".bias", new long[] {c});
    }

    private static void resnet(Map<String, long[]> m, String name, int in, int out) {
        norm(m, name + ".norm1", in);
        conv(m, name + ".conv1", in, out, 3);
        norm(m, name + ".norm2", out);
        conv(m, name + ".conv2", out, out, 3);
        if (in != out) {
            conv(m, name + ".nin_shortcut", in, out, 1);
        }
    }

    private static void mid(Map<String, long[]> m, String name, int c) {
        resnet(m, name + ".block_1", c, c);
        norm(m, name + ".attn_1.norm", c);
        for (String p : ATTN_LINEAR) {
            conv(m, name + ".attn_1." + p, c, c, 1);
        }
        resnet(m, name + ".block_2", c, c);
    }

    /**
     * Loads every parameter of {@code config} from {@code src} as float32 into {@code manager}.
     *
     * <p>Mid-block attention projections stored as linear weights {@code [C, C]} (newer VAE files) are accepted
     * and reshaped to {@code [C, C, 1, 1]}.
     *
     * @throws ModelFormatException listing missing keys, unexpected keys, non-float tensors and shape mismatches
     *     (key, found, expected) of {@code src} ({@link WeightLayout})
     */
    static Map<String, NDArray> bind(TensorSource src, VaeConfig config, NDManager manager) {
        WeightLayout.of("VAE", shapes(config))
                .ignoring(key -> IGNORED_PREFIXES.stream().anyMatch(key::startsWith))
                .allowing(VaeWeights::isLinearForm)
                .withDetail(config.toString())
                .withAdvice("Use an LDM-format SD VAE (or a checkpoint containing first_stage_model.*).")
                .check(src);
        Map<String, long[]> expected = shapes(config);
        Map<String, NDArray> weights = new HashMap<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            NDArray a = src.load(e.getKey(), manager, DataType.FLOAT32);
            if (a.getShape().dimension() == 2) {
                // A view of an array created from a Java buffer does not keep that buffer alive: copy it.
                try (NDArray view = a.reshape(e.getValue())) {
                    NDArray copy = view.duplicate();
                    a.close();
                    a = copy;
                }
            }
            weights.put(e.getKey(), a);
        }
        return weights;
    }

    private static boolean isLinearForm(String key, long[] found, long[] expected) {
        boolean attnWeight = key.contains(".mid.attn_1.") && key.endsWith(".weight") && !key.contains(".norm.");
        return attnWeight && found.length == 2 && found[0] == expected[0] && found[1] == expected[1];
    }
}
