package dev.noodle.engine.unet;

import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorSource;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Infers a {@link UNetConfig} from the keys and shapes of a UNet (keys relative to {@value UNetConfig#PREFIX}),
 * walking the blocks as ComfyUI's {@code model_detection.detect_unet_config} does: Downsample blocks close a level,
 * each ResBlock's output width gives the level's multiplier, and the transformer depth of every block is the
 * number of {@code …1.transformer_blocks.N} indices under it. Stateless.
 */
final class UNetDetection {
    private static final Pattern INPUT = Pattern.compile("^input_blocks\\.(\\d+)\\.");
    private static final Pattern OUTPUT = Pattern.compile("^output_blocks\\.(\\d+)\\.");
    private static final Pattern DEPTH =
            Pattern.compile("^((?:input|output)_blocks\\.\\d+|middle_block)\\.1\\.transformer_blocks\\.(\\d+)\\.");

    private UNetDetection() {}

    static UNetConfig detect(TensorSource s, String where) {
        return detect(s, where, false);
    }

    /**
     * @param encoderOnly the weights hold only the encoder half (time embedding, input and middle blocks: a
     *     ControlNet); the config then has no output-block transformers and as many output channels as input
     */
    static UNetConfig detect(TensorSource s, String where, boolean encoderOnly) {
        long[] convIn = shape(s, "input_blocks.0.0.weight", where);
        int mc = (int) convIn[0];
        int in = (int) convIn[1];
        int out = encoderOnly ? in : (int) shape(s, "out.2.weight", where)[0];
        TreeSet<Integer> inputIds = new TreeSet<>();
        TreeSet<Integer> outputIds = new TreeSet<>();
        java.util.Map<String, Integer> depthOf = new java.util.HashMap<>();
        for (String k : s.keys()) {
            Matcher m = INPUT.matcher(k);
            if (m.find()) {
                inputIds.add(Integer.parseInt(m.group(1)));
            }
            Matcher o = OUTPUT.matcher(k);
            if (o.find()) {
                outputIds.add(Integer.parseInt(o.group(1)));
            }
            Matcher d = DEPTH.matcher(k);
            if (d.find()) {
                depthOf.merge(d.group(1), Integer.parseInt(d.group(2)) + 1, Math::max);
            }
        }
        List<Integer> mult = new ArrayList<>();
        List<Integer> inputDepth = new ArrayList<>();
        int resInLevel = 0;
        int resPerLevel = -1;
        for (int id = 1; id <= inputIds.last(); id++) {
            String p = "input_blocks." + id;
            if (s.contains(p + ".0.op.weight")) {
                resPerLevel = checkRes(resPerLevel, resInLevel, where);
                resInLevel = 0;
                continue;
            }
            long[] w = shape(s, p + ".0.out_layers.3.weight", where);
            if (resInLevel == 0) {
                mult.add((int) (w[0] / mc));
            }
            inputDepth.add(depthOf.getOrDefault(p, 0));
            resInLevel++;
        }
        resPerLevel = checkRes(resPerLevel, resInLevel, where);
        List<Integer> outputDepth = new ArrayList<>();
        for (int id = 0; !outputIds.isEmpty() && id <= outputIds.last(); id++) {
            outputDepth.add(depthOf.getOrDefault("output_blocks." + id, 0));
        }
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
        if (context < 0) {
            throw new ModelFormatException(where + ": no cross-attention weights (…attn2.to_k.weight) found under"
                    + " the UNet keys; this is not a Stable Diffusion 1.x/2.x/XL UNet.");
        }
        int adm = s.contains("label_emb.0.0.weight") ? (int) s.info("label_emb.0.0.weight").shape()[1] : 0;
        int levels = mult.size();
        if (encoderOnly) {
            outputDepth = new ArrayList<>(java.util.Collections.nCopies(levels * (resPerLevel + 1), 0));
        }
        if (outputDepth.size() != levels * (resPerLevel + 1)) {
            throw new ModelFormatException(where + ": the UNet has " + outputDepth.size() + " output blocks, but its "
                    + levels + " levels of " + resPerLevel + " ResBlocks need " + levels * (resPerLevel + 1)
                    + "; the file is truncated or not an LDM UNet.");
        }
        boolean sd1 = !linear && adm == 0 && context != 1024;
        return new UNetConfig(in, out, mc, toArray(mult), resPerLevel, toArray(inputDepth),
                depthOf.getOrDefault("middle_block", 0), toArray(outputDepth), sd1 ? 8 : -1, sd1 ? -1 : 64, context,
                linear, adm);
    }

    private static int checkRes(int expected, int found, String where) {
        if (expected >= 0 && expected != found) {
            throw new ModelFormatException(where + ": UNet levels have different numbers of ResBlocks (" + expected
                    + " and " + found + "); this layout is not supported.");
        }
        return found;
    }

    private static int[] toArray(List<Integer> list) {
        return list.stream().mapToInt(Integer::intValue).toArray();
    }

    private static long[] shape(TensorSource s, String key, String where) {
        if (!s.contains(key)) {
            throw new ModelFormatException(where + ": UNet key '" + UNetConfig.PREFIX + key + "' is missing; this is"
                    + " not a Stable Diffusion UNet checkpoint (or it uses diffusers names, which need converting).");
        }
        return s.info(key).shape();
    }
}
