package dev.noodle.engine.text;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses AUTOMATIC1111 prompt-attention syntax into weighted text, following its
 * {@code prompt_parser.parse_prompt_attention}.
 *
 * <ul>
 *   <li>{@code (text)} multiplies by 1.1, {@code [text]} divides by 1.1, {@code (text:1.5)} multiplies by 1.5;
 *       nesting multiplies;
 *   <li>{@code \(}, {@code \)}, {@code \[}, {@code \]}, {@code \\} are literal characters;
 *   <li>brackets left open at the end still apply their factor to everything after them; unmatched closing
 *       brackets and colons are text;
 *   <li>the word {@code BREAK} (upper case, whole word) ends the current 75-token chunk;
 *   <li>neighbouring pieces of equal weight are merged.
 * </ul>
 *
 * One difference: where A1111 fails on a weight such as {@code (x:1.2.3)} (Python's float() raises), Noodle keeps
 * the colon part as text and applies ×1.1. Stateless and thread-safe.
 */
public final class A1111PromptParser {
    /** Factor of one pair of round brackets. */
    public static final double ROUND = 1.1;

    /** Factor of one pair of square brackets. */
    public static final double SQUARE = 1 / 1.1;

    private static final Pattern ATTENTION = Pattern.compile(
            "\\\\\\(|\\\\\\)|\\\\\\[|\\\\]|\\\\\\\\|\\\\|\\(|\\[|:\\s*([+-]?[.\\d]+)\\s*\\)|\\)|]|[^\\\\()\\[\\]:]+|:");
    private static final Pattern BREAK = Pattern.compile("\\s*\\bBREAK\\b\\s*", Pattern.DOTALL);
    private static final double BREAK_MARK = -1;

    /**
     * A piece of prompt text with its weight, or a chunk break.
     *
     * @param text the text (escapes resolved)
     * @param weight its weight
     */
    public record Segment(String text, double weight) {
        /** Whether this piece is A1111's BREAK marker. */
        public boolean isBreak() {
            return text.equals("BREAK") && weight == BREAK_MARK;
        }
    }

    private A1111PromptParser() {}

    /** Splits a prompt into weighted pieces in order; never empty (an empty prompt gives one empty piece). */
    public static List<Segment> parse(String prompt) {
        List<String> texts = new ArrayList<>();
        List<Double> weights = new ArrayList<>();
        List<Integer> round = new ArrayList<>();
        List<Integer> square = new ArrayList<>();
        Matcher m = ATTENTION.matcher(prompt);
        while (m.find()) {
            String text = m.group();
            String weight = m.group(1);
            Double explicit = weight == null ? null : parseNumber(weight);
            if (text.startsWith("\\")) {
                texts.add(text.substring(1));
                weights.add(1.0);
            } else if (text.equals("(")) {
                round.add(texts.size());
            } else if (text.equals("[")) {
                square.add(texts.size());
            } else if (explicit != null && !round.isEmpty()) {
                multiply(weights, round.remove(round.size() - 1), explicit);
            } else if (weight != null && !round.isEmpty()) {
                // not a number: the colon part is text, the bracket closes with the default factor
                texts.add(text.substring(0, text.length() - 1));
                weights.add(1.0);
                multiply(weights, round.remove(round.size() - 1), ROUND);
            } else if (text.equals(")") && !round.isEmpty()) {
                multiply(weights, round.remove(round.size() - 1), ROUND);
            } else if (text.equals("]") && !square.isEmpty()) {
                multiply(weights, square.remove(square.size() - 1), SQUARE);
            } else {
                String[] parts = BREAK.split(text, -1);
                for (int i = 0; i < parts.length; i++) {
                    if (i > 0) {
                        texts.add("BREAK");
                        weights.add(BREAK_MARK);
                    }
                    texts.add(parts[i]);
                    weights.add(1.0);
                }
            }
        }
        for (int pos : round) {
            multiply(weights, pos, ROUND);
        }
        for (int pos : square) {
            multiply(weights, pos, SQUARE);
        }
        if (texts.isEmpty()) {
            texts.add("");
            weights.add(1.0);
        }
        List<Segment> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder(texts.get(0));
        double w = weights.get(0);
        for (int i = 1; i < texts.size(); i++) {
            if (weights.get(i) == w) {
                cur.append(texts.get(i));
            } else {
                out.add(new Segment(cur.toString(), w));
                cur = new StringBuilder(texts.get(i));
                w = weights.get(i);
            }
        }
        out.add(new Segment(cur.toString(), w));
        return out;
    }

    private static void multiply(List<Double> weights, int from, double factor) {
        for (int p = from; p < weights.size(); p++) {
            weights.set(p, weights.get(p) * factor);
        }
    }

    private static Double parseNumber(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
