package dev.noodle.engine.control;

import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorSource;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shape of a T2I-Adapter (Mou et al. 2023, "T2I-Adapter: Learning Adapters to Dig out More Controllable
 * Ability for Text-to-Image Diffusion Models"), as TencentARC's {@code Adapter} / {@code Adapter_light} and
 * ComfyUI's {@code load_t2i_adapter} build it from a file's weights.
 *
 * <ul>
 *   <li>{@link Kind#FULL}: pixel-unshuffle by 8 (SD 1.x) or 16 (SDXL, {@code xl}), {@code conv_in} (3×3), then four
 *       levels of {@code resBlocks} ResnetBlocks {@code body.N} ({@code N = level·resBlocks + j}): an optional
 *       downsample ({@code down_opt}: average pooling, or a 3×3 stride-2 conv when the file has
 *       {@code down_opt.op} weights), an {@code in_conv} where the width changes, then
 *       {@code x + block2(ReLU(block1(x)))}. SD 1.x downsamples at the start of levels 1–3; SDXL only at level 2,
 *       so its features sit at 1/16, 1/16, 1/32 and 1/32 of the image.
 *   <li>{@link Kind#LIGHT} (the color adapter): pixel-unshuffle by 8, four {@code body.I} extractors of
 *       {@code in_conv} (1×1 to a quarter of the width), {@code resBlocks} light ResnetBlocks
 *       ({@code body.I.body.J.block1/block2}, 3×3) and {@code out_conv} (1×1); levels 1–3 start with average
 *       pooling.
 * </ul>
 *
 * @param kind full or light
 * @param xl SDXL layout (unshuffle 16, one downsample, the last feature goes to the middle block)
 * @param inputChannels 1 (sketch, canny: the control image turned grey) or 3
 * @param channels output width of each of the four levels ([320, 640, 1280, 1280] in the published files)
 * @param resBlocks ResnetBlocks per level (2 for full adapters, 4 for the light one)
 * @param kernel kernel size of {@code block2} and {@code in_conv} in full adapters (1 in every published file)
 * @param convDownsample whether full adapters downsample with a stride-2 conv instead of average pooling
 */
public record AdapterConfig(Kind kind, boolean xl, int inputChannels, int[] channels, int resBlocks, int kernel,
        boolean convDownsample) {
    /** Which network. */
    public enum Kind { FULL, LIGHT }

    /** Number of feature levels. */
    public static final int LEVELS = 4;

    private static final Pattern BODY = Pattern.compile("body\\.(\\d+)\\..+");
    private static final Pattern LIGHT_BLOCK = Pattern.compile("body\\.0\\.body\\.(\\d+)\\.block1\\.weight");

    public AdapterConfig {
        channels = channels.clone();
        if (channels.length != LEVELS) {
            throw new IllegalArgumentException("an adapter has " + LEVELS + " levels, got " + channels.length);
        }
        if (inputChannels != 1 && inputChannels != 3) {
            throw new IllegalArgumentException("adapter input channels must be 1 or 3, got " + inputChannels);
        }
        if (resBlocks < 1 || kernel < 1 || kernel % 2 == 0) {
            throw new IllegalArgumentException("bad adapter blocks " + resBlocks + " / kernel " + kernel);
        }
        if (kind == Kind.LIGHT && xl) {
            throw new IllegalArgumentException("there is no SDXL light adapter");
        }
    }

    /** TencentARC's SD 1.4 full adapters ({@code t2iadapter_depth/seg/keypose/sketch/canny_sd14v1.pth}). */
    public static AdapterConfig sd14v1(int inputChannels) {
        return new AdapterConfig(Kind.FULL, false, inputChannels, new int[] {320, 640, 1280, 1280}, 2, 1, false);
    }

    /** TencentARC's light adapter ({@code t2iadapter_color_sd14v1.pth}). */
    public static AdapterConfig light() {
        return new AdapterConfig(Kind.LIGHT, false, 3, new int[] {320, 640, 1280, 1280}, 4, 1, false);
    }

    /** The SDXL adapters ({@code TencentARC/t2i-adapter-*-sdxl-1.0}, converted to the original names). */
    public static AdapterConfig sdxl(int inputChannels) {
        return new AdapterConfig(Kind.FULL, true, inputChannels, new int[] {320, 640, 1280, 1280}, 2, 1, false);
    }

    @Override
    public int[] channels() {
        return channels.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AdapterConfig c && c.kind == kind && c.xl == xl && c.inputChannels == inputChannels
                && Arrays.equals(c.channels, channels) && c.resBlocks == resBlocks && c.kernel == kernel
                && c.convDownsample == convDownsample;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(kind, xl, inputChannels, Arrays.hashCode(channels), resBlocks, kernel,
                convDownsample);
    }

    @Override
    public String toString() {
        return "AdapterConfig[" + kind + (xl ? ", SDXL" : ", SD 1.x") + ", " + inputChannels + " colour(s), widths "
                + Arrays.toString(channels) + ", " + resBlocks + " blocks a level, kernel " + kernel
                + (convDownsample ? ", conv downsampling" : "") + "]";
    }

    /** The pixel-unshuffle factor: 8 (SD 1.x), 16 (SDXL). */
    public int unshuffle() {
        return xl ? 16 : 8;
    }

    /** Channels after pixel-unshuffle ({@code conv_in}'s input). */
    public int unshuffledChannels() {
        return inputChannels * unshuffle() * unshuffle();
    }

    /** Whether full-adapter ResnetBlock {@code body.(level·resBlocks + j)} starts with a downsample. */
    public boolean downsamples(int level, int j) {
        if (j != 0 || level == 0) {
            return false;
        }
        return !xl || level == 2;
    }

    /** Input width of level {@code level}'s first block. */
    int levelInput(int level) {
        if (level > 0) {
            return channels[level - 1];
        }
        return kind == Kind.FULL ? channels[0] : unshuffledChannels();
    }

    /**
     * Every parameter's name and shape, in the original (TencentARC) names, in network order: what a file of this
     * configuration holds, and what {@link T2IAdapter} binds.
     */
    public Map<String, long[]> parameterShapes() {
        Map<String, long[]> out = new LinkedHashMap<>();
        if (kind == Kind.FULL) {
            conv(out, "conv_in", channels[0], unshuffledChannels(), 3);
            for (int level = 0; level < LEVELS; level++) {
                for (int j = 0; j < resBlocks; j++) {
                    String p = "body." + (level * resBlocks + j) + ".";
                    int in = j == 0 ? levelInput(level) : channels[level];
                    int c = channels[level];
                    if (downsamples(level, j) && convDownsample) {
                        conv(out, p + "down_opt.op", in, in, 3);
                    }
                    if (in != c) {
                        conv(out, p + "in_conv", c, in, kernel);
                    }
                    conv(out, p + "block1", c, c, 3);
                    conv(out, p + "block2", c, c, kernel);
                }
            }
        } else {
            for (int level = 0; level < LEVELS; level++) {
                String p = "body." + level + ".";
                int inter = channels[level] / 4;
                conv(out, p + "in_conv", inter, levelInput(level), 1);
                for (int j = 0; j < resBlocks; j++) {
                    conv(out, p + "body." + j + ".block1", inter, inter, 3);
                    conv(out, p + "body." + j + ".block2", inter, inter, 3);
                }
                conv(out, p + "out_conv", channels[level], inter, 1);
            }
        }
        return out;
    }

    private static void conv(Map<String, long[]> out, String name, long o, long i, long k) {
        out.put(name + ".weight", new long[] {o, i, k, k});
        out.put(name + ".bias", new long[] {o});
    }

    /** Parameters in all. */
    public long parameterCount() {
        long n = 0;
        for (long[] s : parameterShapes().values()) {
            n += Arrays.stream(s).reduce(1, Math::multiplyExact);
        }
        return n;
    }

    /**
     * The configuration of the adapter whose weights (original names) {@code w} holds, read from its shapes as
     * ComfyUI's {@code load_t2i_adapter} does: light when {@code body.0.in_conv} and {@code body.0.out_conv} are
     * present, full when {@code conv_in} is; SDXL when {@code conv_in} takes 256 or 768 channels (1 or 3 colours
     * unshuffled by 16), SD 1.x for 64 or 192. Level widths come from the {@code in_conv}/{@code out_conv}
     * shapes; the published files all have [320, 640, 1280, 1280].
     *
     * @throws ModelFormatException naming the file and what is wrong when the keys fit no adapter
     */
    public static AdapterConfig fromWeights(TensorSource w) {
        Set<String> keys = w.keys();
        if (keys.contains("body.0.in_conv.weight") && keys.contains("body.0.out_conv.weight")) {
            return light(w);
        }
        if (keys.contains("conv_in.weight")) {
            return full(w);
        }
        throw new ModelFormatException(w.describe() + " is not a T2I-Adapter: it has neither conv_in.weight (full"
                + " adapter) nor body.0.in_conv/out_conv (light adapter). Check the file.");
    }

    private static AdapterConfig light(TensorSource w) {
        long[] in = shape(w, "body.0.in_conv.weight", 4);
        int blocks = 0;
        for (String k : w.keys()) {
            Matcher m = LIGHT_BLOCK.matcher(k);
            if (m.matches()) {
                blocks = Math.max(blocks, Integer.parseInt(m.group(1)) + 1);
            }
        }
        int[] ch = new int[LEVELS];
        for (int i = 0; i < LEVELS; i++) {
            ch[i] = (int) shape(w, "body." + i + ".out_conv.weight", 4)[0];
        }
        return new AdapterConfig(Kind.LIGHT, false, colours(w, in[1], 64), ch, Math.max(blocks, 1), 1, false);
    }

    private static AdapterConfig full(TensorSource w) {
        long[] convIn = shape(w, "conv_in.weight", 4);
        long cin = convIn[1];
        boolean xl = cin == 256 || cin == 768;
        int colours = colours(w, cin, xl ? 256 : 64);
        int blocks = 0;
        for (String k : w.keys()) {
            Matcher m = BODY.matcher(k);
            if (m.matches()) {
                blocks = Math.max(blocks, Integer.parseInt(m.group(1)) + 1);
            }
        }
        if (blocks == 0 || blocks % LEVELS != 0) {
            throw new ModelFormatException(w.describe() + " is a T2I-Adapter with " + blocks + " body blocks; a full"
                    + " adapter has a multiple of " + LEVELS + " (8 in the published files). Re-download it.");
        }
        int per = blocks / LEVELS;
        int kernel = (int) shape(w, "body.0.block2.weight", 4)[2];
        int[] ch = new int[LEVELS];
        ch[0] = (int) convIn[0];
        for (int i = 1; i < LEVELS; i++) {
            String k = "body." + i * per + ".in_conv.weight";
            ch[i] = w.contains(k) ? (int) shape(w, k, 4)[0] : ch[i - 1];
        }
        boolean conv = w.keys().stream().anyMatch(k -> k.endsWith("down_opt.op.weight"));
        try {
            return new AdapterConfig(Kind.FULL, xl, colours, ch, per, kernel, conv);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(w.describe() + " is not a usable T2I-Adapter: " + e.getMessage() + ".");
        }
    }

    private static int colours(TensorSource w, long cin, long perColour) {
        if (cin != perColour && cin != 3 * perColour) {
            throw new ModelFormatException(w.describe() + " is a T2I-Adapter whose first layer takes " + cin
                    + " channels; the SD 1.x adapters take 64 or 192 (1 or 3 colours unshuffled by 8) and the SDXL"
                    + " ones 256 or 768 (by 16). Check that this is a T2I-Adapter file.");
        }
        return (int) (cin / perColour);
    }

    private static long[] shape(TensorSource w, String key, int rank) {
        if (!w.contains(key)) {
            throw new ModelFormatException(w.describe() + " is missing the T2I-Adapter weight " + key
                    + ". Re-download the file.");
        }
        long[] s = w.info(key).shape();
        if (s.length != rank) {
            throw new ModelFormatException(w.describe() + ": T2I-Adapter weight " + key + " has shape "
                    + Arrays.toString(s) + "; a convolution weight has " + rank + " dimensions.");
        }
        for (long d : s) {
            if (d < 1 || d > 1 << 16) {
                throw new ModelFormatException(w.describe() + ": T2I-Adapter weight " + key + " has shape "
                        + Arrays.toString(s) + ", outside what an adapter can have.");
            }
        }
        return s;
    }
}
