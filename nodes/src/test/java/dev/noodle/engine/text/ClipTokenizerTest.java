package dev.noodle.engine.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real-vocabulary tokenization against an independent Python reimplementation, both file formats, find(). */
class ClipTokenizerTest {
    static JsonNode cases() throws Exception {
        try (InputStream in = ClipTokenizerTest.class.getResourceAsStream("tokenizer_cases.json")) {
            return new ObjectMapper().readTree(in);
        }
    }

    @Test
    void aPhotoOfACat() {
        ClipTokenizer t = SharedFiles.realTokenizer();
        assertArrayEquals(new int[] {49406, 320, 1125, 539, 320, 2368, 49407}, t.encodeWithSpecials("a photo of a cat"));
        assertEquals(49408, t.vocabSize());
        assertEquals("cat</w>", t.token(2368));
    }

    @Test
    void matchesPythonReference() throws Exception {
        ClipTokenizer t = SharedFiles.realTokenizer();
        for (JsonNode c : cases().get("encode")) {
            int[] expected = new ObjectMapper().convertValue(c.get("ids"), int[].class);
            assertArrayEquals(expected, t.encode(c.get("text").asText()), c.get("text").asText());
        }
    }

    @Test
    void decodeRoundTripsCleanedText() {
        ClipTokenizer t = SharedFiles.realTokenizer();
        String text = "café naïve 日本語 🐱 price: $1,234.56";
        assertEquals("café naïve 日本語 🐱 price : $ 1 , 2 3 4 . 5 6", t.decode(t.encode(text)));
    }

    @Test
    void huggingFaceFormatGivesTheSameIds(@TempDir Path dir) throws Exception {
        ClipTokenizer openai = SharedFiles.realTokenizer();
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (int id = 0; id < openai.vocabSize(); id++) {
            vocab.put(openai.token(id), id);
        }
        Path vocabJson = dir.resolve("vocab.json");
        new ObjectMapper().writeValue(vocabJson.toFile(), vocab);
        Path merges = dir.resolve("merges.txt");
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                        new GZIPInputStream(Files.newInputStream(SharedFiles.realVocab())), StandardCharsets.UTF_8));
                Writer w = Files.newBufferedWriter(merges)) {
            r.readLine();
            w.write("#version: 0.2\n");
            for (int i = 0; i < ClipTokenizer.OPENAI_MERGE_COUNT; i++) {
                w.write(r.readLine() + "\n");
            }
        }
        ClipTokenizer hf = ClipTokenizer.loadHuggingFace(vocabJson, merges);
        assertEquals(49406, hf.startId());
        assertEquals(49407, hf.endId());
        for (JsonNode c : cases().get("encode")) {
            String text = c.get("text").asText();
            assertArrayEquals(openai.encode(text), hf.encode(text), text);
        }
        Files.createDirectories(dir.resolve("models/tokenizers"));
        Files.move(vocabJson, dir.resolve("models/tokenizers/vocab.json"));
        Files.move(merges, dir.resolve("models/tokenizers/merges.txt"));
        assertArrayEquals(new int[] {320, 1125, 539, 320, 2368}, ClipTokenizer.find(dir.resolve("models"))
                .encode("a photo of a cat"));
    }

    @Test
    void findExplainsWhereToPutTheFile(@TempDir Path models) {
        TokenizerMissingException e = assertThrows(TokenizerMissingException.class, () -> ClipTokenizer.find(models));
        String msg = e.getMessage();
        assertTrue(msg.contains(models.resolve("tokenizers").toAbsolutePath().toString()), msg);
        assertTrue(msg.contains("bpe_simple_vocab_16e6.txt.gz"), msg);
        assertTrue(msg.contains("vocab.json") && msg.contains("merges.txt"), msg);
        assertTrue(msg.contains("download"), msg);
    }

    @Test
    void findLoadsTheOpenAiFile(@TempDir Path models) throws Exception {
        Files.createDirectories(models.resolve("tokenizers"));
        Files.copy(SharedFiles.realVocab(), models.resolve("tokenizers/bpe_simple_vocab_16e6.txt.gz"));
        assertEquals(49407, ClipTokenizer.find(models).endId());
    }

    @Test
    void corruptMergeLineIsNamed(@TempDir Path dir) throws Exception {
        Path gz = dir.resolve("bad.txt.gz");
        try (Writer w = new java.io.OutputStreamWriter(
                new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz)), StandardCharsets.UTF_8)) {
            w.write("#version\ni n\nthis line is wrong\n");
        }
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> ClipTokenizer.loadOpenAi(gz));
        assertTrue(e.getMessage().contains("line 3") && e.getMessage().contains(gz.toString()), e.getMessage());
        Path notGz = dir.resolve("plain.txt.gz");
        Files.writeString(notGz, "i n\n");
        TokenizerFormatException e2 =
                assertThrows(TokenizerFormatException.class, () -> ClipTokenizer.loadOpenAi(notGz));
        assertTrue(e2.getMessage().contains(notGz.toString()), e2.getMessage());
    }
}
