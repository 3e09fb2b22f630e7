package dev.noodle.engine.control;

import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.unet.UNetConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/**
 * The keys and shapes of a ControlNet (Zhang et al. 2023, {@code cldm.ControlNet}) in the LDM control-only layout
 * that every ControlNet file format is read into: the UNet's encoder ({@code time_embed}, {@code label_emb},
 * {@code input_blocks}, {@code middle_block}) with the shapes of the UNet it was trained beside, the hint encoder
 * {@code input_hint_block} (convolutions at the even indices 0–14: hint → 16 → 16 → 32 → 32 → 96 → 96 → 256 →
 * model channels, every second one with stride 2), one 1×1 {@code zero_convs.N.0} per input block and
 * {@code middle_block_out.0}. Stateless.
 */
public final class ControlNetLayout {
    /** Key prefixes of the UNet encoder parts a ControlNet copies. */
    public static final List<String> UNET_PARTS = List.of("time_embed.", "label_emb.", "input_blocks.", "middle_block.");
    /** Key prefixes of the parts only a ControlNet has. */
    public static final List<String> CONTROL_PARTS = List.of("input_hint_block.", "zero_convs.", "middle_block_out.");
    /** Output widths of the hint encoder's convolutions before the last (at indices 0, 2, …, 12). */
    private static final int[] HINT_WIDTHS = {16, 16, 32, 32, 96, 96, 256};
    /** Index of the hint encoder's last convolution (to model channels). */
    public static final int HINT_LAST = 2 * HINT_WIDTHS.length;

    private ControlNetLayout() {}

    /** Whether a key belongs to the UNet encoder parts a ControlNet copies. */
    public static boolean isUnetPart(String key) {
        return UNET_PARTS.stream().anyMatch(key::startsWith);
    }

    /** Whether a key belongs to a ControlNet's own parts (hint encoder, zero convolutions). */
    public static boolean isControlPart(String key) {
        return CONTROL_PARTS.stream().anyMatch(key::startsWith);
    }

    /** Number of zero convolutions: one per input block ({@code levels × (numResBlocks + 1)}). */
    public static int zeroConvCount(UNetConfig c) {
        return c.channelMult().length * (c.numResBlocks() + 1);
    }

    /** Width of each input block's output, in {@code input_blocks} order (the zero convolutions' widths). */
    public static long[] inputBlockWidths(UNetConfig c) {
        int[] mult = c.channelMult();
        long[] w = new long[zeroConvCount(c)];
        int i = 0;
        w[i++] = c.modelChannels();
        for (int lv = 0; lv < mult.length; lv++) {
            for (int r = 0; r < c.numResBlocks(); r++) {
                w[i++] = (long) mult[lv] * c.modelChannels();
            }
            if (lv < mult.length - 1) {
                w[i++] = (long) mult[lv] * c.modelChannels();
            }
        }
        return w;
    }

    /**
     * Every key and shape of a ControlNet for a UNet of this config, in file order.
     *
     * @param c the UNet config the ControlNet copies (its output blocks play no part)
     * @param hintChannels channels of the control image (3)
     */
    public static Map<String, long[]> shapes(UNetConfig c, int hintChannels) {
        Map<String, long[]> s = new LinkedHashMap<>();
        UNetConfig.parameterShapes(c).forEach((k, v) -> {
            String key = k.substring(UNetConfig.PREFIX.length());
            if (isUnetPart(key)) {
                s.put(key, v);
            }
        });
        long in = hintChannels;
        for (int i = 0; i <= HINT_WIDTHS.length; i++) {
            long out = i < HINT_WIDTHS.length ? HINT_WIDTHS[i] : c.modelChannels();
            s.put("input_hint_block." + 2 * i + ".weight", new long[] {out, in, 3, 3});
            s.put("input_hint_block." + 2 * i + ".bias", new long[] {out});
            in = out;
        }
        long[] widths = inputBlockWidths(c);
        for (int i = 0; i < widths.length; i++) {
            s.put("zero_convs." + i + ".0.weight", new long[] {widths[i], widths[i], 1, 1});
            s.put("zero_convs." + i + ".0.bias", new long[] {widths[i]});
        }
        long mid = widths[widths.length - 1];
        s.put("middle_block_out.0.weight", new long[] {mid, mid, 1, 1});
        s.put("middle_block_out.0.bias", new long[] {mid});
        return s;
    }

    /**
     * Strict binding check: the source holds exactly the expected keys with the expected shapes.
     *
     * @param fileName how to name a key as the file spells it in messages (identity for LDM files)
     * @throws ModelFormatException naming the file, every missing key, every leftover key and each misshaped key
     *     with both shapes
     */
    public static void check(TensorSource s, Map<String, long[]> expected, UnaryOperator<String> fileName) {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            if (!s.contains(e.getKey())) {
                problems.add("missing " + named(e.getKey(), fileName) + " " + Arrays.toString(e.getValue()));
            } else {
                long[] got = s.info(e.getKey()).shape();
                if (!Arrays.equals(got, e.getValue())) {
                    problems.add(named(e.getKey(), fileName) + " has shape " + Arrays.toString(got) + ", expected "
                            + Arrays.toString(e.getValue()));
                }
            }
        }
        for (String k : new TreeSet<>(s.keys())) {
            if (!expected.containsKey(k)) {
                problems.add("unexpected " + named(k, fileName));
            }
        }
        if (!problems.isEmpty()) {
            int shown = Math.min(problems.size(), 8);
            throw new ModelFormatException(s.describe() + ": does not match the ControlNet layout of its UNet ("
                    + problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + "): "
                    + String.join("; ", problems.subList(0, shown)) + (shown < problems.size() ? "; …" : "")
                    + ". The file is damaged, truncated or made for another model.");
        }
    }

    private static String named(String key, UnaryOperator<String> fileName) {
        String f = fileName.apply(key);
        return f == null || f.equals(key) ? "'" + key + "'" : "'" + f + "' (" + key + ")";
    }
}
