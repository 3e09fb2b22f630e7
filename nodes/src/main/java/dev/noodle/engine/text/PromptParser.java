package dev.noodle.engine.text;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses ComfyUI prompt-weight syntax into weighted text segments, following ComfyUI's {@code token_weights}.
 *
 * <ul>
 *   <li>{@code (text)} multiplies the surrounding weight by 1.1; nesting multiplies again ({@code ((x))} = 1.21);
 *   <li>{@code (text:1.3)} sets the weight to 1.3 (the last colon counts; if what follows is not a number the colon
 *       is text and the group is ×1.1);
 *   <li>{@code \(} and {@code \)} are literal parentheses; {@code [text]} is plain text; an unclosed {@code (} is
 *       text;
 *   <li>{@code (embedding:name:1.2)} weights an embedding like any word.
 * </ul>
 *
 * Stateless and thread-safe.
 */
public final class PromptParser {
    /** Weight factor of one pair of parentheses. */
    public static final double PAREN_FACTOR = 1.1;

    private static final String ESC_CLOSE = "\0\1";
    private static final String ESC_OPEN = "\0\2";

    /** A piece of prompt text with its weight. */
    public record WeightedSegment(String text, double weight) {}

    private PromptParser() {}

    /** Splits a prompt into weighted segments in order; escapes are resolved in the returned text. */
    public static List<WeightedSegment> parse(String prompt) {
        String escaped = prompt.replace("\\)", ESC_CLOSE).replace("\\(", ESC_OPEN);
        List<WeightedSegment> raw = new ArrayList<>();
        weigh(escaped, 1.0, raw);
        List<WeightedSegment> out = new ArrayList<>(raw.size());
        for (WeightedSegment s : raw) {
            out.add(new WeightedSegment(s.text().replace(ESC_CLOSE, ")").replace(ESC_OPEN, "("), s.weight()));
        }
        return out;
    }

    private static void weigh(String text, double weight, List<WeightedSegment> out) {
        for (String part : topLevelGroups(text)) {
            if (part.length() >= 2 && part.charAt(0) == '(' && part.charAt(part.length() - 1) == ')') {
                String inner = part.substring(1, part.length() - 1);
                double w = weight * PAREN_FACTOR;
                int colon = inner.lastIndexOf(':');
                if (colon > 0) {
                    Double explicit = parseWeight(inner.substring(colon + 1));
                    if (explicit != null) {
                        w = explicit;
                        inner = inner.substring(0, colon);
                    }
                }
                weigh(inner, w, out);
            } else {
                out.add(new WeightedSegment(part, weight));
            }
        }
    }

    /** Python's float(): surrounding whitespace allowed, finite and non-finite literals; null when not a number. */
    private static Double parseWeight(String s) {
        String t = s.strip();
        if (t.isEmpty() || !t.matches("[+-]?(\\d+\\.?\\d*([eE][+-]?\\d+)?|\\.\\d+([eE][+-]?\\d+)?|inf|infinity|nan)")) {
            return null;
        }
        return switch (t.replaceFirst("^[+-]", "").toLowerCase(java.util.Locale.ROOT)) {
            case "inf", "infinity" -> t.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
            case "nan" -> Double.NaN;
            default -> Double.parseDouble(t);
        };
    }

    /**
     * Splits text at depth-zero parenthesis groups, as ComfyUI's {@code parse_parentheses}: a group runs from a
     * {@code (} at depth 0 to the {@code )} that brings the depth back to 0; everything else is kept as text.
     */
    static List<String> topLevelGroups(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int depth = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '(') {
                if (depth == 0 && !cur.isEmpty()) {
                    out.add(cur.toString());
                    cur.setLength(0);
                }
                cur.append(c);
                depth++;
            } else if (c == ')') {
                depth--;
                cur.append(c);
                if (depth == 0) {
                    out.add(cur.toString());
                    cur.setLength(0);
                }
            } else {
                cur.append(c);
            }
        }
        if (!cur.isEmpty()) {
            out.add(cur.toString());
        }
        return out;
    }
}
