package dev.noodle.engine.image;

import dev.noodle.io.AtomicFiles;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import javax.imageio.ImageIO;

/**
 * Writes PNGs with text chunks and reads text chunks back (PNG 1.2 §4.2.3: tEXt, zTXt, iTXt).
 *
 * <p>Values that are pure Latin-1 go in tEXt (as Pillow's {@code PngInfo.add_text}); others in uncompressed UTF-8
 * iTXt, so CJK and emoji survive. Reading caps every text chunk at {@link #MAX_CHUNK_BYTES} (raw and inflated) and
 * the sum at {@link #MAX_TOTAL_BYTES} (Pillow's limits), checks CRCs, and never allocates more than a cap.
 * Stateless and thread-safe.
 */
public final class PngText {
    /** Largest text chunk, stored or inflated (Pillow's MAX_TEXT_CHUNK). */
    public static final int MAX_CHUNK_BYTES = 1 << 20;

    /** Largest sum of text, inflated (Pillow's MAX_TEXT_MEMORY). */
    public static final int MAX_TOTAL_BYTES = 64 << 20;

    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    private static final int IHDR_END = 8 + 4 + 4 + 13 + 4;

    private PngText() {}

    /** The image as PNG bytes with {@code text} chunks (in map order) right after IHDR. */
    public static byte[] encode(BufferedImage image, Map<String, String> text) {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "png", png)) {
                throw new ImageFormatException("no PNG writer for image type " + image.getType());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] plain = png.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream(plain.length + 1024);
        out.write(plain, 0, IHDR_END);
        for (Map.Entry<String, String> e : text.entrySet()) {
            writeTextChunk(out, e.getKey(), e.getValue());
        }
        out.write(plain, IHDR_END, plain.length - IHDR_END);
        return out.toByteArray();
    }

    /** Writes {@link #encode} to {@code path} atomically. */
    public static void write(Path path, BufferedImage image, Map<String, String> text) throws IOException {
        AtomicFiles.writeBytes(path, encode(image, text)); // temp file + fsync + atomic rename
    }

    private static void writeTextChunk(ByteArrayOutputStream out, String key, String value) {
        if (key.isEmpty() || key.length() > 79 || !key.chars().allMatch(c -> c >= 32 && c <= 255 && c != 127)
                || key.startsWith(" ") || key.endsWith(" ")) {
            throw new IllegalArgumentException("invalid PNG text keyword '" + key
                    + "': 1-79 printable Latin-1 characters without leading/trailing spaces");
        }
        byte[] k = key.getBytes(StandardCharsets.ISO_8859_1);
        boolean latin1 = value.chars().allMatch(c -> c > 0 && c <= 255);
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        data.write(k, 0, k.length);
        data.write(0);
        String type;
        byte[] v;
        if (latin1) {
            type = "tEXt";
            v = value.getBytes(StandardCharsets.ISO_8859_1);
        } else {
            type = "iTXt";
            data.write(0); // compression flag: uncompressed
            data.write(0); // compression method
            data.write(0); // empty language tag
            data.write(0); // empty translated keyword
            v = value.getBytes(StandardCharsets.UTF_8);
        }
        data.write(v, 0, v.length);
        writeChunk(out, type, data.toByteArray());
    }

    private static void writeChunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] t = type.getBytes(StandardCharsets.ISO_8859_1);
        writeInt(out, data.length);
        out.write(t, 0, 4);
        out.write(data, 0, data.length);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        writeInt(out, (int) crc.getValue());
    }

    private static void writeInt(ByteArrayOutputStream out, int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }

    /** Text chunks of a PNG file (later duplicates win); see {@link #read(InputStream, String)}. */
    public static Map<String, String> read(Path path) throws IOException {
        try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(path))) {
            return read(in, path.toString());
        }
    }

    /**
     * Reads every tEXt/zTXt/iTXt chunk up to IEND, skipping image data.
     *
     * @param name the file name for messages
     * @throws ImageFormatException "not a PNG", a truncated or over-long chunk, a CRC mismatch, a text chunk over
     *     {@link #MAX_CHUNK_BYTES} ("text chunk too large"), or text over {@link #MAX_TOTAL_BYTES}
     */
    public static Map<String, String> read(InputStream stream, String name) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        byte[] sig = new byte[8];
        try {
            in.readFully(sig);
        } catch (EOFException e) {
            throw new ImageFormatException(name + ": not a PNG file (shorter than the signature)");
        }
        if (!java.util.Arrays.equals(sig, SIGNATURE)) {
            throw new ImageFormatException(name + ": not a PNG file (bad signature)");
        }
        Map<String, String> text = new LinkedHashMap<>();
        long total = 0;
        long offset = 8;
        try {
            while (true) {
                long length = Integer.toUnsignedLong(in.readInt());
                byte[] typeBytes = new byte[4];
                in.readFully(typeBytes);
                String type = new String(typeBytes, StandardCharsets.ISO_8859_1);
                if (length > Integer.MAX_VALUE) {
                    throw new ImageFormatException(name + ": chunk '" + type + "' at byte " + offset
                            + " declares " + length + " bytes, over the PNG limit of 2^31-1");
                }
                boolean isText = type.equals("tEXt") || type.equals("zTXt") || type.equals("iTXt");
                if (isText) {
                    if (length > MAX_CHUNK_BYTES) {
                        throw new ImageFormatException(name + ": text chunk too large: '" + type + "' at byte "
                                + offset + " has " + length + " bytes (limit " + MAX_CHUNK_BYTES + ")");
                    }
                    byte[] data = new byte[(int) length];
                    in.readFully(data);
                    CRC32 crc = new CRC32();
                    crc.update(typeBytes);
                    crc.update(data);
                    if ((int) crc.getValue() != in.readInt()) {
                        throw new ImageFormatException(name + ": CRC mismatch in '" + type + "' chunk at byte " + offset);
                    }
                    String[] kv = parseText(type, data, name, offset);
                    total += kv[0].length() + (long) kv[1].length();
                    if (total > MAX_TOTAL_BYTES) {
                        throw new ImageFormatException(name + ": text chunks too large: over " + MAX_TOTAL_BYTES
                                + " bytes in total");
                    }
                    text.put(kv[0], kv[1]);
                } else {
                    skipFully(in, length + 4);
                }
                if (type.equals("IEND")) {
                    return text;
                }
                offset += 12 + length;
            }
        } catch (EOFException e) {
            throw new ImageFormatException(name + ": PNG truncated at byte " + offset + " (chunk runs past the end"
                    + " of the file or IEND is missing)");
        }
    }

    private static void skipFully(DataInputStream in, long n) throws IOException {
        while (n > 0) {
            long skipped = in.skip(n);
            if (skipped <= 0) {
                if (in.read() < 0) {
                    throw new EOFException();
                }
                skipped = 1;
            }
            n -= skipped;
        }
    }

    private static String[] parseText(String type, byte[] d, String name, long offset) {
        int nul = indexOf(d, 0);
        if (nul < 1 || nul > 79) {
            throw new ImageFormatException(name + ": '" + type + "' chunk at byte " + offset + " has no valid keyword");
        }
        String key = new String(d, 0, nul, StandardCharsets.ISO_8859_1);
        int p = nul + 1;
        switch (type) {
            case "tEXt":
                return new String[] {key, new String(d, p, d.length - p, StandardCharsets.ISO_8859_1)};
            case "zTXt":
                if (p >= d.length || d[p] != 0) {
                    throw new ImageFormatException(name + ": zTXt '" + key + "' uses an unknown compression method");
                }
                return new String[] {key, new String(inflate(d, p + 1, name, key), StandardCharsets.ISO_8859_1)};
            default: // iTXt
                if (p + 2 > d.length) {
                    throw new ImageFormatException(name + ": iTXt '" + key + "' is truncated");
                }
                boolean compressed = d[p] != 0;
                p += 2;
                int lang = indexOf(d, p);
                int trans = lang < 0 ? -1 : indexOf(d, lang + 1);
                if (trans < 0) {
                    throw new ImageFormatException(name + ": iTXt '" + key + "' is truncated");
                }
                p = trans + 1;
                byte[] value = compressed ? inflate(d, p, name, key) : java.util.Arrays.copyOfRange(d, p, d.length);
                return new String[] {key, new String(value, StandardCharsets.UTF_8)};
        }
    }

    /** zlib-inflates d[from..] refusing output over {@link #MAX_CHUNK_BYTES} (decompression bombs). */
    private static byte[] inflate(byte[] d, int from, String name, String key) {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(d, from, d.length - from);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[16384];
            while (!inflater.finished()) {
                int n = inflater.inflate(buf);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new ImageFormatException(name + ": compressed text '" + key + "' is truncated");
                }
                if (out.size() + n > MAX_CHUNK_BYTES) {
                    throw new ImageFormatException(name + ": text chunk too large: '" + key
                            + "' inflates to more than " + MAX_CHUNK_BYTES + " bytes");
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw new ImageFormatException(name + ": compressed text '" + key + "' is corrupt: " + e.getMessage(), e);
        } finally {
            inflater.end();
        }
    }

    private static int indexOf(byte[] d, int from) {
        for (int i = from; i < d.length; i++) {
            if (d[i] == 0) {
                return i;
            }
        }
        return -1;
    }
}
