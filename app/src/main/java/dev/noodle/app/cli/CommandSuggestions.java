package dev.noodle.app.cli;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Suggests the sub-commands a mistyped word was probably meant to be: the names within a small edit distance
 * (insertions, deletions, substitutions and swaps of neighbours count one each, so {@code rnu} is one step from
 * {@code run}), closest first. Stateless.
 */
final class CommandSuggestions {
    private CommandSuggestions() {}

    /** The names close to {@code word}, best match first (ties in name order); empty when none is close. */
    static List<String> closest(String word, Collection<String> names) {
        String w = word.toLowerCase(Locale.ROOT);
        int limit = Math.max(1, Math.min(2, w.length() / 2));
        return names.stream()
                .filter(n -> distance(w, n) <= limit || (w.length() >= 3 && n.startsWith(w)))
                .sorted(Comparator.comparingInt((String n) -> distance(w, n)).thenComparing(n -> n))
                .toList();
    }

    /** The optimal string alignment distance (Damerau–Levenshtein without repeated edits of one substring). */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
