package dev.noodle.engine.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generated demo vocabulary: deterministic, loadable as a gz, specials at the end, round-trips text. */
class DemoVocabularyTest {
    @Test
    void writesTheSameFileEveryTimeAndLoadsIt(@TempDir Path dir) throws Exception {
        Path a = DemoVocabulary.write(dir.resolve("a/" + ClipTokenizer.OPENAI_VOCAB_FILE));
        Path b = DemoVocabulary.write(dir.resolve("b.txt.gz"));
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        ClipTokenizer loaded = ClipTokenizer.loadOpenAi(a);
        int merges = DemoVocabulary.merges().size();
        assertTrue(merges > 200 && merges <= DemoVocabulary.MAX_MERGES, "merges " + merges);
        assertEquals(512 + merges + 2, loaded.vocabSize());
        assertEquals(loaded.vocabSize() - 2, loaded.startId());
        assertEquals(loaded.vocabSize() - 1, loaded.endId());
        String prompt = "a beautiful photo of a cat, sitting in the garden at sunset, 8k!";
        assertArrayEquals(DemoVocabulary.tokenizer().encode(prompt), loaded.encode(prompt));
        assertEquals(prompt.replace(",", " ,").replace("!", " !").replace("8k", "8 k"),
                loaded.decode(loaded.encode(prompt)));
    }

    @Test
    void learnedMergesCompressTrainingWords() {
        ClipTokenizer t = DemoVocabulary.tokenizer();
        for (String w : new String[] {"a", "the", "of", "and", "photo", "cat", "dog", "portrait"}) {
            assertEquals(1, t.encode(w).length, w);
        }
        String training = DemoVocabulary.WORDS.strip();
        int words = training.split("\\s+").length;
        int letters = training.replaceAll("\\s+", "").length();
        int tokens = t.encode(training).length;
        assertTrue(tokens < 2 * words && tokens < letters / 2, tokens + " tokens for " + words + " words");
        assertEquals("cat</w>", t.token(t.encode("cat")[0]));
        // words outside the training list still tokenize, byte by byte at worst
        int[] odd = t.encode("zyzzyva ✨");
        assertEquals("zyzzyva ✨", t.decode(odd));
        List<String[]> m = DemoVocabulary.merges();
        assertEquals(m.size(), DemoVocabulary.merges().size());
        for (int i = 0; i < m.size(); i++) {
            assertArrayEquals(m.get(i), DemoVocabulary.merges().get(i));
        }
    }
}
