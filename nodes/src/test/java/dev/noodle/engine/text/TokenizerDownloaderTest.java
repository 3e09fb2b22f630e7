package dev.noodle.engine.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hash verification and atomic replacement of the tokenizer download, with local file URLs (no network here). */
class TokenizerDownloaderTest {
    @Test
    void pinnedHashIsTheSharedFilesHash() throws Exception {
        byte[] real = Files.readAllBytes(SharedFiles.realVocab());
        assertEquals(TokenizerDownloader.OPENAI_SHA256,
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(real)));
        assertEquals("https", TokenizerDownloader.OPENAI_URL.getScheme());
    }

    @Test
    void verifiedDownloadLandsAtTheTargetAndLoads(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("models/tokenizers/" + ClipTokenizer.OPENAI_VOCAB_FILE);
        TokenizerDownloader.download(SharedFiles.realVocab().toUri(), TokenizerDownloader.OPENAI_SHA256, target);
        assertArrayEquals(Files.readAllBytes(SharedFiles.realVocab()), Files.readAllBytes(target));
        assertEquals(49407, ClipTokenizer.find(dir.resolve("models")).endId());
        assertOnlyTarget(target);
    }

    @Test
    void hashMismatchKeepsTheOldFileAndLeavesNoTemporary(@TempDir Path dir) throws Exception {
        Path source = dir.resolve("evil.gz");
        Files.writeString(source, "not the vocabulary");
        Path target = dir.resolve("tokenizers/" + ClipTokenizer.OPENAI_VOCAB_FILE);
        Files.createDirectories(target.getParent());
        Files.writeString(target, "previous content");
        IOException e = assertThrows(IOException.class,
                () -> TokenizerDownloader.download(source.toUri(), TokenizerDownloader.OPENAI_SHA256, target));
        assertTrue(e.getMessage().contains(TokenizerDownloader.OPENAI_SHA256), e.getMessage());
        String actual = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest("not the vocabulary".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains(actual), e.getMessage());
        assertEquals("previous content", Files.readString(target));
        assertOnlyTarget(target);
    }

    @Test
    void missingSourceAndPlainHttpAreRefused(@TempDir Path dir) {
        Path target = dir.resolve("t.gz");
        assertThrows(IOException.class, () -> TokenizerDownloader.download(dir.resolve("absent").toUri(),
                TokenizerDownloader.OPENAI_SHA256, target));
        IOException e = assertThrows(IOException.class, () -> TokenizerDownloader.download(
                URI.create("http://example.com/x.gz"), TokenizerDownloader.OPENAI_SHA256, target));
        assertTrue(e.getMessage().contains("https"), e.getMessage());
        assertTrue(Files.notExists(target));
    }

    /** No temporary file is left beside the target. */
    private static void assertOnlyTarget(Path target) throws IOException {
        try (Stream<Path> s = Files.list(target.getParent())) {
            assertEquals(java.util.List.of(target), s.toList());
        }
    }
}
