package dev.noodle.engine.keys;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * T2I-Adapter key names: the diffusers {@code T2IAdapter} layout ({@code adapter.conv_in},
 * {@code adapter.body.I.in_conv}, {@code adapter.body.I.resnets.J.block1/block2}) ↔ TencentARC's original
 * {@code Adapter} names ({@code conv_in}, {@code body.N.in_conv}, {@code body.N.block1/block2}), where the original
 * numbers the ResnetBlocks flat: {@code N = I·R + J} for {@code R} blocks per level (2 in every published file;
 * diffusers' {@code scripts/convert_original_t2i_adapter.py}, ComfyUI's {@code load_t2i_adapter}). diffusers'
 * AvgPool downsample carries no weights. Stateless and thread-safe.
 */
public final class T2IAdapterNames {
    /** The diffusers prefix. */
    public static final String DIFFUSERS_PREFIX = "adapter.";

    private static final Pattern RESNET = Pattern.compile("adapter\\.body\\.(\\d+)\\.resnets\\.(\\d+)\\.(.+)");
    private static final Pattern IN_CONV = Pattern.compile("adapter\\.body\\.(\\d+)\\.in_conv\\.(weight|bias)");

    private T2IAdapterNames() {}

    /** Whether the keys are a diffusers-format full adapter ({@code adapter.body.0.resnets.0.block1.weight}). */
    public static boolean isDiffusers(Set<String> keys) {
        return keys.contains("adapter.body.0.resnets.0.block1.weight") || keys.contains("adapter.conv_in.weight");
    }

    /** Whether the keys are diffusers' light adapter (a per-level {@code in_conv} and {@code out_conv}). */
    public static boolean isDiffusersLight(Set<String> keys) {
        return keys.contains("adapter.body.0.in_conv.weight") && keys.contains("adapter.body.0.out_conv.weight");
    }

    /**
     * The original name of every diffusers key, by diffusers key; keys that match no adapter name map to
     * themselves (so strict binding reports them as unexpected).
     */
    public static Map<String, String> fromDiffusers(Set<String> keys) {
        int perLevel = 0;
        for (String k : keys) {
            Matcher m = RESNET.matcher(k);
            if (m.matches() && m.group(1).equals("0")) {
                perLevel = Math.max(perLevel, Integer.parseInt(m.group(2)) + 1);
            }
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String k : keys) {
            out.put(k, original(k, Math.max(perLevel, 1)));
        }
        return out;
    }

    private static String original(String key, int perLevel) {
        Matcher r = RESNET.matcher(key);
        if (r.matches()) {
            int flat = Integer.parseInt(r.group(1)) * perLevel + Integer.parseInt(r.group(2));
            return "body." + flat + "." + r.group(3);
        }
        Matcher c = IN_CONV.matcher(key);
        if (c.matches()) {
            return "body." + Integer.parseInt(c.group(1)) * perLevel + ".in_conv." + c.group(2);
        }
        if (key.startsWith("adapter.conv_in.")) {
            return key.substring(DIFFUSERS_PREFIX.length());
        }
        return key;
    }

    /** The diffusers name of an original full-adapter key ({@code body.N.…} with {@code perLevel} blocks a level). */
    public static String toDiffusers(String original, int perLevel) {
        Matcher m = Pattern.compile("body\\.(\\d+)\\.(in_conv\\.(?:weight|bias)|.+)").matcher(original);
        if (m.matches()) {
            int n = Integer.parseInt(m.group(1));
            if (m.group(2).startsWith("in_conv.")) {
                return "adapter.body." + n / perLevel + "." + m.group(2);
            }
            return "adapter.body." + n / perLevel + ".resnets." + n % perLevel + "." + m.group(2);
        }
        return DIFFUSERS_PREFIX + original;
    }
}
