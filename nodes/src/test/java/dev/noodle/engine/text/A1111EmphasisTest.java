package dev.noodle.engine.text;

import static dev.noodle.engine.text.OpenClipTextTest.assertClose;
import static dev.noodle.engine.text.OpenClipTextTest.ids;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.noodle.engine.io.SafetensorsFile;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** AUTOMATIC1111 prompt parsing, chunking and emphasis. */
class A1111EmphasisTest {
    private static String render(List<A1111PromptParser.Segment> segs) {
        List<String> out = new ArrayList<>();
        for (var s : segs) {
            out.add("[" + s.text() + "|" + String.format(java.util.Locale.ROOT, "%.6f", s.weight()) + "]");
        }
        return String.join("", out);
    }

    @Test
    void parserFollowsA1111Examples() {
        // the examples of A1111's parse_prompt_attention docstring
        assertEquals("[normal text|1.000000]", render(A1111PromptParser.parse("normal text")));
        assertEquals("[an |1.000000][important|1.100000][ word|1.000000]",
                render(A1111PromptParser.parse("an (important) word")));
        assertEquals("[unbalanced|1.100000]", render(A1111PromptParser.parse("(unbalanced")));
        assertEquals("[(literal]|1.000000]", render(A1111PromptParser.parse("\\(literal\\]")));
        assertEquals("[unnecessaryparens|1.100000]", render(A1111PromptParser.parse("(unnecessary)(parens)")));
        assertEquals("[a |1.000000][house|1.573000][ |1.100000][on|1.000000][ a |1.100000][hill|0.550000]"
                + "[, sun, |1.100000][sky|1.464100][.|1.100000]",
                render(A1111PromptParser.parse("a (((house:1.3)) [on] a (hill:0.5), sun, (((sky))).")));
        assertEquals("[|1.000000]", render(A1111PromptParser.parse("")));
        assertEquals("[cat|0.909091][ dog|1.000000]", render(A1111PromptParser.parse("[cat] dog")));
        var br = A1111PromptParser.parse("a BREAK b");
        assertEquals(3, br.size());
        assertTrue(br.get(1).isBreak());
        // ComfyUI treats [x] as text; A1111 divides
        assertEquals(1.0, PromptParser.parse("[cat]").get(0).weight());
    }

    @Test
    void chunksPadAfterTheFirstEndAndHonourBreakAndCommaBacktrack() {
        ClipTokenizer tok = DemoVocabulary.tokenizer();
        PromptTokens pt = PromptTokens.tokenizeA1111("(cat) BREAK dog", tok, 0);
        assertEquals(2, pt.chunks().size());
        int[] first = pt.chunks().get(0).ids();
        int[] cat = tok.encode("cat");
        assertEquals(tok.startId(), first[0]);
        assertEquals(cat[0], first[1]);
        assertEquals(1.1f, pt.chunks().get(0).weights()[1], 1e-6);
        assertEquals(tok.endId(), first[1 + cat.length]);
        assertEquals(0, first[2 + cat.length]);
        assertEquals(0, first[76]);
        // SD1 convention keeps the end id as padding
        assertEquals(tok.endId(), PromptTokens.tokenizeA1111("cat", tok, tok.endId()).chunks().get(0).ids()[76]);
        // 70 tokens, a comma, then 10 more: the chunk is cut after the comma, the rest moves on
        int comma = tok.idOf(",</w>");
        assertTrue(comma >= 0);
        String prompt = "cat ".repeat(70) + ", " + "dog ".repeat(10);
        int perCat = tok.encode("cat").length;
        assertEquals(1, perCat);
        assertEquals(1, tok.encode("dog").length);
        {
            PromptTokens c = PromptTokens.tokenizeA1111(prompt, tok, tok.endId());
            assertEquals(2, c.chunks().size());
            int[] a = c.chunks().get(0).ids();
            assertEquals(comma, a[71]);
            assertEquals(tok.endId(), a[72]);
            assertEquals(tok.encode("dog")[0], c.chunks().get(1).ids()[5]);
        }
    }

    @Test
    void emphasisRescalesEachChunkToItsOriginalMean() throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(OpenClipTextTest.resource("tiny_sd2_clip.safetensors"));
                SafetensorsFile exp = SafetensorsFile.open(OpenClipTextTest.resource("tiny_xl_expected.safetensors"));
                ClipTextModel sd2 = ClipTextModel.loadOpenClip(f.withPrefix(ClipTextModel.SD2_PREFIX));
                NDManager m = NDManager.newBaseManager()) {
            float[] w = exp.loadFloats("sd2.a1111.weights");
            var a = new PromptTokens.Chunk(ids(exp, "ids.a0"), Arrays.copyOfRange(w, 0, 77), List.of());
            var b = new PromptTokens.Chunk(ids(exp, "ids.b0"), Arrays.copyOfRange(w, 77, 154), List.of());
            var prompt = new PromptTokens(List.of(a, b), a, List.of());
            ClipOutput out = sd2.encodeWeighted(m, prompt, ClipEncoding.sd2(), Emphasis.A1111);
            assertClose(exp, "sd2.a1111.hidden", out.hidden());
            assertClose(exp, "sd2.pooled", out.pooled().reshape(1, -1).concat(
                    sd2.encode(m, new int[][] {ids(exp, "ids.b0")}, -2, true).pooled()));
        }
    }
}
