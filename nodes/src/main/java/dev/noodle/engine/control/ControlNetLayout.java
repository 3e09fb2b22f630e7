package dev.noodle.engine.control;

import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/**
 * The two kinds of keys of a ControlNet in the LDM control-only layout ({@link ControlNet#shapes}) — the UNet
 * encoder parts it copies and its own parts — and the strict check of a converted file against that layout, which
 * names keys as the file spells them. Stateless.
 */
public final class ControlNetLayout {
    /** Key prefixes of the UNet encoder parts a ControlNet copies. */
    public static final List<String> UNET_PARTS = List.of("time_embed.", "label_emb.", "input_blocks.", "middle_block.");
    /** Key prefixes of the parts only a ControlNet has. */
    public static final List<String> CONTROL_PARTS = List.of("input_hint_block.", "zero_convs.", "middle_block_out.");
    private ControlNetLayout() {}

    /** Whether a key belongs to the UNet encoder parts a ControlNet copies. */
    public static boolean isUnetPart(String key) {
        return UNET_PARTS.stream().anyMatch(key::startsWith);
    }

    /** Whether a key belongs to a ControlNet's own parts (hint encoder, zero convolutions). */
    public static boolean isControlPart(String key) {
        return CONTROL_PARTS.stream().anyMatch(key::startsWith);
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
