package dev.noodle.engine.ipadapter;

import java.util.List;
import java.util.Map;

/**
 * How strongly an IP-Adapter acts in each SpatialTransformer of the UNet, as the pack's {@code weight_type}s
 * define it ({@code ipadapter_execute} and {@code ipadapter_attention}), by transformer index t (0 = first input
 * block transformer, in execution order) and block kind. "layers" is 11 for adapters with more than 50
 * cross-attention layers (SDXL) and 16 otherwise, as the pack counts them; the style/composition tables differ for
 * SDXL adapters (2048-wide tokens). Stateless.
 */
public final class IpAdapterWeighting {
    private IpAdapterWeighting() {}

    /** The weight types, spelled as in the pack (its WEIGHT_TYPES list, in order). */
    public static final List<String> TYPES = List.of("linear", "ease in", "ease out", "ease in-out",
            "reverse in-out", "weak input", "weak output", "weak middle", "strong middle", "style transfer",
            "composition", "strong style transfer", "style and composition", "style transfer precise",
            "composition precise");

    /** The simple IPAdapter node's weight types (mapped to linear, ease out and style transfer). */
    public static final List<String> SIMPLE_TYPES = List.of("standard", "prompt is more important", "style transfer");

    /** The pack's mapping of the simple node's types. */
    public static String fromSimple(String simple) {
        if (simple.startsWith("style")) {
            return "style transfer";
        }
        return simple.equals("prompt is more important") ? "ease out" : "linear";
    }

    /**
     * The weight at one transformer, or null where the type leaves it out.
     *
     * @param type one of {@link #TYPES}
     * @param weight the node's weight
     * @param composition the composition weight of "style and composition" (1 in IPAdapterAdvanced)
     * @param t transformer index
     * @param kind "input", "middle" or "output"
     * @param layers 11 or 16 (see the class comment)
     * @param sdxl whether the adapter's tokens are 2048 wide
     */
    public static Float weightAt(String type, float weight, float composition, int t, String kind, int layers,
            boolean sdxl) {
        float half = layers / 2f;
        switch (type) {
            case "linear":
                return weight;
            case "ease in":
                return weight * (0.05f + 0.95f * (1 - t / (float) layers));
            case "ease out":
                return weight * (0.05f + 0.95f * (t / (float) layers));
            case "ease in-out":
                return weight * (0.05f + 0.95f * (1 - Math.abs(t - half) / half));
            case "reverse in-out":
                return weight * (0.05f + 0.95f * (Math.abs(t - half) / half));
            case "weak input":
                return kind.equals("input") ? weight * 0.2f : weight;
            case "weak middle":
                return kind.equals("middle") ? weight * 0.2f : weight;
            case "weak output":
                return kind.equals("output") ? weight * 0.2f : weight;
            case "strong middle":
                return kind.equals("input") || kind.equals("output") ? weight * 0.2f : weight;
            default:
                return table(type, weight, composition, sdxl).get(t);
        }
    }

    /**
     * Whether the type swaps the image tokens at transformer t: the positive rows get zero tokens and the negative
     * rows the image's ("style transfer precise" at the composition layers, "composition precise" elsewhere).
     */
    public static boolean swapped(String type, int t, int layers) {
        boolean compositionLayer = layers == 11 ? t == 3 : layers == 16 && (t == 4 || t == 5);
        boolean other = layers == 11 ? t != 3 : layers == 16 && t != 4 && t != 5;
        return switch (type) {
            case "style transfer precise" -> compositionLayer;
            case "composition precise" -> other;
            default -> false;
        };
    }

    private static Map<Integer, Float> table(String type, float w, float c, boolean sdxl) {
        return switch (type) {
            case "style transfer" -> sdxl ? Map.of(6, w) : same(w, 0, 1, 2, 3, 9, 10, 11, 12, 13, 14, 15);
            case "composition" -> sdxl ? Map.of(3, w) : Map.of(4, w * 0.25f, 5, w);
            case "strong style transfer" -> sdxl ? same(w, 0, 1, 2, 4, 5, 6, 7, 8, 9, 10)
                    : same(w, 0, 1, 2, 3, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            case "style and composition", "style transfer precise" -> sdxl ? Map.of(3, c, 6, w)
                    : with(same(w, 0, 1, 2, 3, 9, 10, 11, 12, 13, 14, 15), Map.of(4, c * 0.25f, 5, c));
            case "composition precise" -> sdxl
                    ? with(same(w * 0.1f, 0, 1, 2, 4, 5, 7, 8, 9, 10), Map.of(3, w, 6, w))
                    : with(with(same(w, 0, 1, 2, 3, 9, 10, 11, 12, 13, 14, 15), same(w * 0.1f, 6, 7, 8)),
                            Map.of(4, w * 0.25f, 5, w));
            default -> throw new IllegalArgumentException("unknown weight_type '" + type + "'; one of " + TYPES);
        };
    }

    private static Map<Integer, Float> same(float w, int... ts) {
        java.util.HashMap<Integer, Float> m = new java.util.HashMap<>();
        for (int t : ts) {
            m.put(t, w);
        }
        return m;
    }

    private static Map<Integer, Float> with(Map<Integer, Float> a, Map<Integer, Float> b) {
        java.util.HashMap<Integer, Float> m = new java.util.HashMap<>(a);
        m.putAll(b);
        return m;
    }
}
