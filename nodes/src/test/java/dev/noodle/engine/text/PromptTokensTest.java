package dev.noodle.engine.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ComfyUI prompt weights and 77-token chunking, against the Python reimplementation and by hand. */
class PromptTokensTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void chunksMatchPythonReference() throws Exception {
        ClipTokenizer t = SharedFiles.realTokenizer();
        for (JsonNode c : ClipTokenizerTest.cases().get("prompts")) {
            String prompt = c.get("prompt").asText();
            PromptTokens pt = PromptTokens.tokenize(prompt, t, EmbeddingLookup.NONE);
            JsonNode chunks = c.get("chunks");
            assertEquals(chunks.size(), pt.chunks().size(), prompt);
            for (int i = 0; i < chunks.size(); i++) {
                PromptTokens.Chunk got = pt.chunks().get(i);
                assertArrayEquals(JSON.convertValue(chunks.get(i).get("ids"), int[].class), got.ids(), prompt);
                float[] w = JSON.convertValue(chunks.get(i).get("weights"), float[].class);
                assertArrayEquals(w, got.weights(), 1e-5f, prompt);
            }
        }
    }

    @Test
    void weightsFollowComfyUi() {
        List<PromptParser.WeightedSegment> s = PromptParser.parse("a (b) ((c)) (d:1.5) ((e:0.5)) (f (g:2)) [h] \\(i\\)");
        Map<String, Double> w = new java.util.LinkedHashMap<>();
        s.forEach(x -> w.merge(x.text().strip(), x.weight(), (p, q) -> q));
        assertEquals(1.0, w.get("a"), 1e-12);
        assertEquals(1.1, w.get("b"), 1e-12);
        assertEquals(1.21, w.get("c"), 1e-12);
        assertEquals(1.5, w.get("d"), 1e-12);
        assertEquals(0.5, w.get("e"), 1e-12); // an explicit weight replaces, it does not multiply
        assertEquals(1.1, w.get("f"), 1e-12);
        assertEquals(2.0, w.get("g"), 1e-12);
        assertEquals(1.0, w.get("[h] (i)"), 1e-12);
    }

    @Test
    void shortPromptIsOneChunkPaddedWithEnd() {
        ClipTokenizer t = SharedFiles.realTokenizer();
        PromptTokens pt = PromptTokens.tokenize("a photo of a cat", t, EmbeddingLookup.NONE);
        assertEquals(1, pt.chunks().size());
        int[] ids = pt.chunks().get(0).ids();
        assertEquals(77, ids.length);
        assertArrayEquals(new int[] {49406, 320, 1125, 539, 320, 2368, 49407, 49407}, java.util.Arrays.copyOf(ids, 8));
        assertEquals(49407, ids[76]);
        assertFalse(pt.hasWeights());
        int[] zeroPad = PromptTokens.tokenize("a cat", t, EmbeddingLookup.NONE, 0).chunks().get(0).ids();
        assertArrayEquals(new int[] {49406, 320, 2368, 49407, 0}, java.util.Arrays.copyOf(zeroPad, 5));
        assertEquals(0, zeroPad[76]);
    }

    @Test
    void embeddingsTakeOnePositionPerVectorAndCarryWeights() {
        ClipTokenizer t = SharedFiles.realTokenizer();
        float[][] vectors = {{1, 2}, {3, 4}, {5, 6}};
        EmbeddingLookup lookup = name -> name.equals("style") ? vectors : null;
        PromptTokens pt = PromptTokens.tokenize("a cat, (embedding:style:1.3) embedding:style, embedding:nope", t,
                lookup);
        PromptTokens.Chunk c = pt.chunks().get(0);
        // start, a, cat, ",", 3 vectors, 3 vectors, ",", end
        assertEquals(49406, c.ids()[0]);
        assertEquals(6, c.slots().size());
        assertEquals(4, c.slots().get(0).position());
        assertEquals(9, c.slots().get(5).position());
        assertArrayEquals(new float[] {5, 6}, c.slots().get(2).vector());
        assertEquals("style", c.slots().get(3).name());
        assertEquals(1.3f, c.weights()[4], 1e-6f);
        assertEquals(1.0f, c.weights()[7], 1e-6f);
        assertEquals(267, c.ids()[10]); // the comma left over after "embedding:style,"
        assertEquals(49407, c.ids()[11]);
        assertEquals(1, pt.warnings().size());
        assertTrue(pt.warnings().get(0).contains("'nope'"), pt.warnings().get(0));
    }

    @Test
    void longWordsSplitAcrossChunksShortWordsMoveWhole() {
        ClipTokenizer t = SharedFiles.realTokenizer();
        PromptTokens pt = PromptTokens.tokenize("cat ".repeat(75) + "dog", t, EmbeddingLookup.NONE);
        assertEquals(2, pt.chunks().size());
        assertEquals(2368, pt.chunks().get(0).ids()[75]);
        assertEquals(49407, pt.chunks().get(0).ids()[76]);
        assertArrayEquals(new int[] {49406, 1929, 49407}, java.util.Arrays.copyOf(pt.chunks().get(1).ids(), 3));
    }
}
