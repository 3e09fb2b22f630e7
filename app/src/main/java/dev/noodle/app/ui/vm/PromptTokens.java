package dev.noodle.app.ui.vm;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits a prompt into styled spans for the prompt editor: {@code (emphasis)}, {@code (weighted:1.2)},
 * {@code [de-emphasis]}, {@code embedding:name}, {@code <lora:name:0.8>} tags, {@code \(} escapes and unbalanced
 * brackets. Follows ComfyUI's/A1111's prompt syntax for what counts as a group and a weight.
 *
 * <p>A pure function: the spans cover the text exactly, in order, with no gaps; equal neighbours are merged. Stateless
 * and thread-safe.
 */
public final class PromptTokens {
    private PromptTokens() {}

    /** What a span of the prompt is. */
    public enum Kind {
        /** Ordinary text outside any group. */
        PLAIN,
        /** Text inside {@code ( )}: weighted up (×1.1 per level, or the explicit weight). */
        EMPHASIS,
        /** Text inside {@code [ ]} only: weighted down. */
        DEEMPHASIS,
        /** A matched bracket character. */
        BRACKET,
        /** The {@code :1.2} weight closing a {@code ( )} group, colon included. */
        WEIGHT,
        /** {@code embedding:name}. */
        EMBEDDING,
        /** A {@code <lora:…>}, {@code <lyco:…>} or {@code <hypernet:…>} tag. */
        TAG,
        /** A backslash escape such as {@code \(}. */
        ESCAPE,
        /** A bracket with no partner (or a closing bracket of the wrong kind). */
        UNBALANCED;

        /** The CSS style class, e.g. {@code prompt-emphasis}. */
        public String styleClass() {
            return "prompt-" + name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * One styled run of characters.
     *
     * @param start first char index
     * @param end index after the last char
     * @param depth number of enclosing matched {@code ( )} groups (0 outside)
     */
    public record Span(int start, int end, Kind kind, int depth) {
        /** The span's characters in {@code text}. */
        public String in(String text) {
            return text.substring(start, end);
        }

        /** Length in chars. */
        public int length() {
            return end - start;
        }
    }

    private static final Pattern EMBEDDING = Pattern.compile("embedding:([A-Za-z0-9_][A-Za-z0-9_.\\-/]*)");
    private static final Pattern WEIGHT = Pattern.compile(":\\s*[-+]?(\\d+(\\.\\d*)?|\\.\\d+)\\s*$");
    private static final Pattern TAG = Pattern.compile("<(lora|lyco|locon|hypernet):[^<>]*>", Pattern.CASE_INSENSITIVE);

    /** The spans of {@code text} (empty for an empty text). */
    public static List<Span> tokenize(String text) {
        int n = text.length();
        Kind[] kind = new Kind[n];
        int[] parens = new int[n];
        int[] squares = new int[n];
        boolean[] fixed = new boolean[n]; // escapes, tags and embeddings: no bracket matching inside
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < n) {
                kind[i] = kind[i + 1] = Kind.ESCAPE;
                fixed[i] = fixed[i + 1] = true;
                i++;
            } else if (c == '<') {
                Matcher m = TAG.matcher(text).region(i, n);
                if (m.lookingAt()) {
                    mark(kind, fixed, i, m.end(), Kind.TAG);
                    i = m.end() - 1;
                }
            } else if (c == 'e' && (i == 0 || !Character.isLetterOrDigit(text.charAt(i - 1)))) {
                Matcher m = EMBEDDING.matcher(text).region(i, n);
                if (m.lookingAt()) {
                    int end = m.end();
                    while (text.charAt(end - 1) == '.' || text.charAt(end - 1) == '-') {
                        end--; // a sentence's full stop is not part of the name
                    }
                    mark(kind, fixed, i, end, Kind.EMBEDDING);
                    i = end - 1;
                }
            }
        }
        // match brackets (A1111/ComfyUI: round and square nest independently but must close in order)
        Deque<Integer> open = new ArrayDeque<>();
        boolean[] matched = new boolean[n];
        int[] partner = new int[n];
        for (int i = 0; i < n; i++) {
            if (fixed[i]) {
                continue;
            }
            char c = text.charAt(i);
            if (c == '(' || c == '[') {
                open.push(i);
            } else if (c == ')' || c == ']') {
                char want = c == ')' ? '(' : '[';
                if (!open.isEmpty() && text.charAt(open.peek()) == want) {
                    int o = open.pop();
                    matched[o] = matched[i] = true;
                    partner[i] = o;
                    partner[o] = i;
                } else {
                    kind[i] = Kind.UNBALANCED;
                }
            }
        }
        for (int o : open) {
            kind[o] = Kind.UNBALANCED;
        }
        for (int i = 0; i < n; i++) {
            if (!matched[i] || i > partner[i]) {
                continue;
            }
            int close = partner[i];
            kind[i] = kind[close] = Kind.BRACKET;
            boolean round = text.charAt(i) == '(';
            for (int j = i + 1; j < close; j++) {
                if (round) {
                    parens[j]++;
                } else {
                    squares[j]++;
                }
            }
            if (round) {
                markWeight(text, kind, fixed, i + 1, close);
            }
        }
        for (int i = 0; i < n; i++) {
            if (kind[i] == null) {
                kind[i] = parens[i] > 0 ? Kind.EMPHASIS : squares[i] > 0 ? Kind.DEEMPHASIS : Kind.PLAIN;
            }
        }
        List<Span> spans = new ArrayList<>();
        int start = 0;
        for (int i = 1; i <= n; i++) {
            if (i == n || kind[i] != kind[start] || parens[i] != parens[start]) {
                spans.add(new Span(start, i, kind[start], parens[start]));
                start = i;
            }
        }
        return spans;
    }

    /** Marks a trailing {@code :number} of the group body [from, to) as its weight. */
    private static void markWeight(String text, Kind[] kind, boolean[] fixed, int from, int to) {
        int colon = text.lastIndexOf(':', to - 1);
        if (colon < from || fixed[colon]) {
            return;
        }
        for (int j = colon; j < to; j++) {
            if (kind[j] != null) {
                return; // a nested group or tag sits between: not this group's weight
            }
        }
        if (WEIGHT.matcher(text).region(colon, to).matches()) {
            for (int j = colon; j < to; j++) {
                kind[j] = Kind.WEIGHT;
            }
        }
    }

    private static void mark(Kind[] kind, boolean[] fixed, int from, int to, Kind k) {
        for (int j = from; j < to; j++) {
            kind[j] = k;
            fixed[j] = true;
        }
    }
}
