package dev.noodle.engine.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * AUTOMATIC1111's textual inversion: an embedding is triggered by its file name anywhere in the prompt (no
 * {@code embedding:} prefix), longest name first, each vector taking one position with the surrounding weight, and
 * never split across two 75-token chunks.
 */
class A1111EmbeddingTokensTest {
    private static final ClipTokenizer TOK = DemoVocabulary.tokenizer();

    /** A lookup over fixed vectors; "badwidth" fails as a file made for another encoder does. */
    private static EmbeddingLookup lookup(Map<String, float[][]> m) {
        return new EmbeddingLookup() {
            @Override
            public float[][] find(String name) {
                if (name.equals("badwidth")) {
                    throw new IllegalArgumentException("made for SD 2.x (width 1024)");
                }
                return m.get(name);
            }

            @Override
            public Set<String> names() {
                java.util.Set<String> s = new java.util.HashSet<>(m.keySet());
                s.add("badwidth");
                return s;
            }
        };
    }

    private static float[][] vectors(int n, float base) {
        float[][] v = new float[n][4];
        for (int i = 0; i < n; i++) {
            v[i][0] = base + i;
        }
        return v;
    }

    @Test
    void namesAnywhereInThePromptBecomeTheirVectorsWithTheirWeight() {
        EmbeddingLookup lk = lookup(Map.of("style", vectors(2, 10), "style two", vectors(3, 20)));
        PromptTokens t = PromptTokens.tokenizeA1111("a cat, (style two:1.5) and style", TOK, lk, TOK.endId());
        PromptTokens.Chunk c = t.chunks().get(0);
        int[] plain = TOK.encode("a cat, ");
        int at = 1 + plain.length; // after the start token and "a cat ,"
        List<PromptTokens.EmbeddingSlot> slots = c.slots();
        assertEquals(5, slots.size(), slots.toString());
        // the longer name wins where both match: three vectors of "style two" at weight 1.5
        for (int j = 0; j < 3; j++) {
            assertEquals(at + j, slots.get(j).position());
            assertEquals("style two", slots.get(j).name());
            assertEquals(20f + j, slots.get(j).vector()[0]);
            assertEquals(1.5f, c.weights()[at + j]);
            assertEquals(0, c.ids()[at + j], "placeholder id at an embedding slot");
        }
        int and = at + 3 + TOK.encode("and").length;
        assertEquals(and, slots.get(3).position());
        assertEquals("style", slots.get(3).name());
        assertEquals(1f, c.weights()[and]);
        assertEquals(List.of(), t.warnings());
        int[] before = java.util.Arrays.copyOfRange(c.ids(), 1, at);
        assertArrayEquals(plain, before, "text before the embedding is tokenized as usual");
    }

    @Test
    void anEmbeddingThatDoesNotFitStartsTheNextChunk() {
        EmbeddingLookup lk = lookup(Map.of("wide", vectors(4, 1)));
        int[] one = TOK.encode("x");
        StringBuilder p = new StringBuilder();
        for (int i = 0; i < 73 / one.length; i++) {
            p.append("x ");
        }
        p.append("wide");
        PromptTokens t = PromptTokens.tokenizeA1111(p.toString(), TOK, lk, TOK.endId());
        assertEquals(2, t.chunks().size(), "73 tokens + 4 vectors do not fit in 75");
        assertEquals(List.of(), t.chunks().get(0).slots());
        List<PromptTokens.EmbeddingSlot> s = t.chunks().get(1).slots();
        assertEquals(4, s.size());
        assertEquals(1, s.get(0).position(), "right after the start token of the next chunk");
    }

    @Test
    void anEmbeddingForAnotherEncoderIsSkippedWithAWarningAndStaysText() {
        PromptTokens t = PromptTokens.tokenizeA1111("badwidth cat", TOK, lookup(Map.of()), TOK.endId());
        assertEquals(List.of(), t.chunks().get(0).slots());
        assertEquals(1, t.warnings().size(), t.warnings().toString());
        assertTrue(t.warnings().get(0).contains("badwidth") && t.warnings().get(0).contains("SD 2.x"));
        int[] ids = t.chunks().get(0).ids();
        assertArrayEquals(TOK.encode("badwidth cat"),
                java.util.Arrays.copyOfRange(ids, 1, 1 + TOK.encode("badwidth cat").length));
    }
}
