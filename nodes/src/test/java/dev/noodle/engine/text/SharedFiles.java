package dev.noodle.engine.text;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the shared real CLIP vocabulary ({@code noodle.shared} system property); tests skip without it. */
final class SharedFiles {
    private static ClipTokenizer real;

    private SharedFiles() {}

    static Path realVocab() {
        String shared = System.getProperty("noodle.shared", "../shared");
        Path gz = Path.of(shared, "clip-tokenizer", ClipTokenizer.OPENAI_VOCAB_FILE);
        assumeTrue(Files.isRegularFile(gz), "real CLIP vocabulary not present at " + gz);
        return gz;
    }

    static synchronized ClipTokenizer realTokenizer() {
        Path gz = realVocab();
        if (real == null) {
            real = ClipTokenizer.loadOpenAi(gz);
        }
        return real;
    }
}
