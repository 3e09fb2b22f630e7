package dev.noodle.nodes.interop;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * AUTOMATIC1111's model hashes: the short hash (first 10 hex digits of the file's SHA-256, "Model hash" since
 * 2023) and the old AutoV1 hash (SHA-256 of the 64 KiB at offset 1 MiB, first 8 hex digits). Thread-safe.
 */
public final class ModelHashes {
    private ModelHashes() {}

    /** The full SHA-256 of the file, lower-case hex (streams the file; 2-7 GB checkpoints take seconds). */
    public static String sha256(Path file) throws IOException {
        MessageDigest md = digest();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 20];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /**
     * The "addnet" SHA-256 A1111 uses for {@code .safetensors} LoRAs ({@code hashes.addnet_hash_safetensors}, from
     * kohya-ss): the hash of the bytes after the header, i.e. from offset {@code 8 + N} where N is the little-endian
     * u64 in the first 8 bytes. Like A1111's seek past the end, a header length beyond the file hashes no bytes; a file
     * shorter than 8 bytes reads N from the bytes there are. Lower-case hex.
     */
    public static String addnetSha256(Path file) throws IOException {
        MessageDigest md = digest();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer head = ByteBuffer.allocate(8);
            while (head.hasRemaining() && ch.read(head) > 0) {
                // read up to 8 bytes
            }
            long n = 0;
            for (int i = head.position() - 1; i >= 0; i--) {
                n = (n << 8) | (head.get(i) & 0xFF);
            }
            long size = ch.size();
            // unsigned N beyond the file (or overflowing 8 + N): nothing to hash
            if (n >= 0 && n <= size - 8) {
                ByteBuffer buf = ByteBuffer.allocate(1 << 20);
                long pos = 8 + n;
                int r;
                while ((r = ch.read(buf, pos)) > 0) {
                    buf.flip();
                    md.update(buf);
                    buf.clear();
                    pos += r;
                }
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** A1111's short hash: the first 10 hex digits of {@link #sha256}. */
    public static String shortHash(Path file) throws IOException {
        return sha256(file).substring(0, 10);
    }

    /**
     * A1111's AutoV1 hash: SHA-256 of up to 64 KiB read at offset 0x100000, first 8 hex digits. A file shorter than
     * 1 MiB hashes no bytes ({@code e3b0c442}), as A1111's read past the end does.
     */
    public static String autoV1(Path file) throws IOException {
        MessageDigest md = digest();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(0x10000);
            long pos = 0x100000;
            while (buf.hasRemaining()) {
                int n = ch.read(buf, pos);
                if (n <= 0) {
                    break;
                }
                pos += n;
            }
            buf.flip();
            md.update(buf);
        }
        return HexFormat.of().formatHex(md.digest()).substring(0, 8);
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
