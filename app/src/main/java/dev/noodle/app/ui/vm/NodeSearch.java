package dev.noodle.app.ui.vm;

import dev.noodle.graph.node.NodeDefinition;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.pack.PackInfo;
import dev.noodle.graph.spec.NodeSchema;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * Fuzzy search over node names, types, categories, custom node pack names and descriptions.
 *
 * <p>Scoring: a subsequence match over the text, with bonuses for consecutive letters and word starts; matches in
 * the display name weigh most, then the type, the category and pack name, and the description. Stateless and
 * thread-safe.
 */
public final class NodeSearch {
    private final NodeRegistry registry;

    /** Creates a search over the registry's current node definitions. */
    public NodeSearch(NodeRegistry registry) {
        this.registry = registry;
    }

    /**
     * One search hit: the schema, the name of the custom node pack it comes from ("" for Noodle's own) and its score
     * (higher is better).
     */
    public record Hit(NodeSchema schema, String pack, int score) {
        /** The line shown for the hit: the display name, then the pack for a custom pack's node. */
        public String title() {
            return pack.isEmpty() ? schema.displayName() : schema.displayName() + " — " + pack;
        }
    }

    /** Returns matching nodes, best first; an empty query lists all nodes by category and name. */
    public List<Hit> search(String query, int limit) {
        return search(query, limit, s -> true);
    }

    /**
     * Returns matching nodes that pass {@code filter} (e.g. those that can take a dropped wire), best first.
     */
    public List<Hit> search(String query, int limit, Predicate<NodeSchema> filter) {
        String q = query == null ? "" : query.trim().toLowerCase(Locale.ROOT);
        List<Hit> hits = new ArrayList<>();
        for (NodeDefinition def : registry.all()) {
            NodeSchema s = def.schema();
            if (!filter.test(s)) {
                continue;
            }
            String pack = registry.packOf(s.type()).filter(PackInfo::custom).map(PackInfo::name).orElse("");
            int score = q.isEmpty() ? 1 : Math.max(score(q, s), 2 * fuzzy(q, pack));
            if (score > 0) {
                hits.add(new Hit(s, pack, score));
            }
        }
        if (!q.isEmpty()) {
            hits.sort(
                    Comparator.comparingInt(Hit::score)
                            .reversed()
                            .thenComparing(h -> h.schema().displayName()));
        }
        return hits.size() > limit ? List.copyOf(hits.subList(0, limit)) : List.copyOf(hits);
    }

    static int score(String q, NodeSchema s) {
        int best = 0;
        best = Math.max(best, 4 * fuzzy(q, s.displayName()));
        best = Math.max(best, 3 * fuzzy(q, s.type()));
        best = Math.max(best, 2 * fuzzy(q, s.category()));
        best = Math.max(best, words(q, s.description()));
        return best;
    }

    /** Subsequence score of {@code q} in {@code text}; 0 when not all letters occur in order. */
    static int fuzzy(String q, String text) {
        if (text == null || text.isEmpty()) {
            return 0;
        }
        String t = text.toLowerCase(Locale.ROOT);
        if (t.equals(q)) {
            return 1000;
        }
        int exact = t.indexOf(q);
        if (exact >= 0) {
            return 500 + (exact == 0 ? 200 : 0) - Math.min(t.length(), 100);
        }
        int score = 0;
        int ti = 0;
        int run = 0;
        for (int qi = 0; qi < q.length(); qi++) {
            char c = q.charAt(qi);
            if (c == ' ') {
                continue;
            }
            int found = t.indexOf(c, ti);
            if (found < 0) {
                return 0;
            }
            run = found == ti ? run + 1 : 1;
            boolean wordStart = found == 0 || !Character.isLetterOrDigit(t.charAt(found - 1))
                    || Character.isUpperCase(text.charAt(found)) && !Character.isUpperCase(text.charAt(found - 1));
            score += 10 + run * 5 + (wordStart ? 15 : 0);
            ti = found + 1;
        }
        return score - Math.min(t.length(), 100) / 4;
    }

    /** Scores descriptions only by whole query words they contain, to avoid noisy subsequence hits. */
    private static int words(String q, String description) {
        if (description == null || description.isBlank()) {
            return 0;
        }
        String d = description.toLowerCase(Locale.ROOT);
        int score = 0;
        for (String w : q.split("\\s+")) {
            if (w.length() >= 3 && d.contains(w)) {
                score += 40;
            } else if (!w.isEmpty()) {
                return 0;
            }
        }
        return score;
    }
}
