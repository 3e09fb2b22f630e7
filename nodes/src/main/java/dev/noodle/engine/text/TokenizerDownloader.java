package dev.noodle.engine.text;

import dev.noodle.io.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLConnection;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Downloads the OpenAI CLIP vocabulary into {@code <models>/tokenizers/}, verifying a pinned SHA-256 and writing
 * atomically (temporary file in the target folder, then rename), so a failed or tampered download never leaves a
 * partial or wrong file behind. Stateless; each call is independent.
 */
public final class TokenizerDownloader {
    /** Where OpenAI publishes the vocabulary. */
    public static final URI OPENAI_URL =
            URI.create("https://raw.githubusercontent.com/openai/CLIP/main/clip/bpe_simple_vocab_16e6.txt.gz");

    /** SHA-256 of the published file (1,356,917 bytes). */
    public static final String OPENAI_SHA256 = "924691ac288e54409236115652ad4aa250f48203de50a9e4722a6ecd48d6804a";

    /** Largest download accepted; the real file is about 1.3 MB. */
    static final long MAX_BYTES = 16L << 20;

    private static final int TIMEOUT_MS = 30_000;

    private TokenizerDownloader() {}

    /** Downloads the OpenAI vocabulary into {@code <modelsRoot>/tokenizers/} and returns the file. */
    public static Path downloadOpenAi(Path modelsRoot) throws IOException {
        return download(OPENAI_URL, OPENAI_SHA256,
                modelsRoot.resolve("tokenizers").resolve(ClipTokenizer.OPENAI_VOCAB_FILE));
    }

    /**
     * Fetches {@code source} (https, or file for tests) into {@code target} if its SHA-256 equals {@code sha256}.
     * The bytes go to a temporary file beside the target ({@link AtomicFiles}), which replaces the target only after
     * the hash has been checked; on any failure the temporary file is removed and the target is untouched.
     *
     * @throws IOException on network or disk failure, a file over {@value #MAX_BYTES} bytes, or a hash mismatch
     *     (the message gives both hashes)
     */
    public static Path download(URI source, String sha256, Path target) throws IOException {
        String scheme = source.getScheme() == null ? "" : source.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("file")) {
            throw new IOException("Refusing to download the tokenizer over '" + scheme + "': only https is allowed ("
                    + source + ")");
        }
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IOException("SHA-256 is not available in this Java runtime", e);
        }
        URLConnection conn = source.toURL().openConnection();
        conn.setConnectTimeout(TIMEOUT_MS);
        conn.setReadTimeout(TIMEOUT_MS);
        // a failure in the body (network, size, hash) removes the temporary file and leaves the target untouched
        AtomicFiles.write(target, ch -> {
            long total = 0;
            try (InputStream in = conn.getInputStream()) {
                byte[] buf = new byte[64 * 1024];
                int n;
                while ((n = in.read(buf)) >= 0) {
                    total += n;
                    if (total > MAX_BYTES) {
                        throw new IOException("Download from " + source + " is larger than " + MAX_BYTES
                                + " bytes; this is not the CLIP vocabulary.");
                    }
                    digest.update(buf, 0, n);
                    AtomicFiles.writeFully(ch, ByteBuffer.wrap(buf, 0, n));
                }
            }
            String actual = HexFormat.of().formatHex(digest.digest());
            if (!actual.equalsIgnoreCase(sha256)) {
                throw new IOException("Download from " + source + " has SHA-256 " + actual + " but " + sha256
                        + " was expected; the file was discarded. Try again later or copy the file by hand to "
                        + target + ".");
            }
        });
        return target;
    }
}
