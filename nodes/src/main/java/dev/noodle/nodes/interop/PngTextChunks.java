package dev.noodle.nodes.interop;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Reads and writes the text chunks (tEXt, zTXt, iTXt) of PNG files, where ComfyUI keeps {@code prompt} and
 * {@code workflow} and AUTOMATIC1111 keeps {@code parameters}.
 *
 * <p>Reading walks the chunks, checks each text chunk's CRC, and bounds memory as Pillow does: at most
 * {@link #MAX_CHUNK_TEXT} bytes per decompressed chunk and {@link #MAX_TOTAL_TEXT} bytes of text in all; image data is
 * skipped, never decoded. Writing inserts chunks before the first IDAT: JSON is written as tEXt with non-ASCII
 * characters escaped ({@code \\uXXXX}, as Python's {@code json.dumps} does for ComfyUI), other text as tEXt when it is
 * Latin-1 and as uncompressed UTF-8 iTXt otherwise (as Pillow's {@code PngInfo.add_text}). Thread-safe (stateless).
 */
public final class PngTextChunks {
    /** Largest decompressed text of one chunk (Pillow's MAX_TEXT_CHUNK). */
    public static final int MAX_CHUNK_TEXT = 1 << 20;
    /** Largest total text of one file (Pillow's MAX_TEXT_MEMORY). */
    public static final long MAX_TOTAL_TEXT = 64L << 20;

    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private PngTextChunks() {}

    /** One text chunk: its keyword, text and chunk type ("tEXt", "zTXt" or "iTXt"). */
    public record TextChunk(String keyword, String text, String chunkType) {}

    /** The text chunks of a PNG file, by keyword (the first chunk of each keyword wins). */
    public static Map<String, String> read(Path png) throws IOException {
        try (InputStream in = Files.newInputStream(png)) {
            Map<String, String> out = new LinkedHashMap<>();
            for (TextChunk c : readChunks(in, png.toString())) {
                out.putIfAbsent(c.keyword(), c.text());
            }
            return out;
        }
    }

    /** All text chunks of a PNG stream, in file order; {@code source} names it in errors. */
    public static List<TextChunk> readChunks(InputStream in, String source) throws IOException {
        byte[] sig = in.readNBytes(8);
        if (!Arrays.equals(sig, SIGNATURE)) {
            throw new PngMetadataException(source + " is not a PNG file (no PNG signature)");
        }
        List<TextChunk> chunks = new ArrayList<>();
        long total = 0;
        long offset = 8;
        while (true) {
            byte[] head = in.readNBytes(8);
            if (head.length == 0) {
                throw new PngMetadataException(source + " is truncated: it ends without an IEND chunk (at byte "
                        + offset + "). Its metadata cannot be trusted; re-save or re-download the image.");
            }
            if (head.length < 8) {
                throw new PngMetadataException(source + " is truncated inside a chunk header at byte " + offset);
            }
            long length = ByteBuffer.wrap(head, 0, 4).getInt() & 0xFFFFFFFFL;
            String type = new String(head, 4, 4, StandardCharsets.ISO_8859_1);
            if (length > Integer.MAX_VALUE) {
                throw new PngMetadataException(source + ": chunk " + type + " at byte " + offset + " claims "
                        + length + " bytes, more than any PNG chunk may have");
            }
            boolean text = type.equals("tEXt") || type.equals("zTXt") || type.equals("iTXt");
            if (text) {
                if (total + length > MAX_TOTAL_TEXT) {
                    throw new PngMetadataException(source + ": text chunk too large: the text chunks exceed "
                            + MAX_TOTAL_TEXT + " bytes in all");
                }
                byte[] data = in.readNBytes((int) length);
                byte[] crc = in.readNBytes(4);
                if (data.length < length || crc.length < 4) {
                    throw new PngMetadataException(source + ": chunk " + type + " at byte " + offset + " claims "
                            + length + " bytes but the file ends first");
                }
                CRC32 c = new CRC32();
                c.update(head, 4, 4);
                c.update(data);
                if ((int) c.getValue() != ByteBuffer.wrap(crc).getInt()) {
                    throw new PngMetadataException(source + ": chunk " + type + " at byte " + offset
                            + " has a bad CRC (the file is damaged)");
                }
                TextChunk chunk = decode(type, data, source);
                total += chunk.text().length();
                if (total > MAX_TOTAL_TEXT) {
                    throw new PngMetadataException(source + ": text chunk too large: the text chunks exceed "
                            + MAX_TOTAL_TEXT + " bytes in all");
                }
                chunks.add(chunk);
            } else {
                try {
                    in.skipNBytes(length + 4);
                } catch (EOFException e) {
                    throw new PngMetadataException(source + ": chunk " + type + " at byte " + offset + " claims "
                            + length + " bytes but the file ends first", e);
                }
            }
            offset += 12 + length;
            if (type.equals("IEND")) {
                return chunks;
            }
        }
    }

    private static TextChunk decode(String type, byte[] data, String source) throws PngMetadataException {
        int nul = indexOf(data, 0, (byte) 0);
        if (nul < 1 || nul > 79) {
            throw new PngMetadataException(source + ": a " + type + " chunk has no valid keyword");
        }
        String keyword = new String(data, 0, nul, StandardCharsets.ISO_8859_1);
        switch (type) {
            case "tEXt" -> {
                return new TextChunk(keyword, new String(data, nul + 1, data.length - nul - 1,
                        StandardCharsets.ISO_8859_1), type);
            }
            case "zTXt" -> {
                if (nul + 2 > data.length || data[nul + 1] != 0) {
                    throw new PngMetadataException(source + ": zTXt chunk '" + keyword + "' has an unknown compression");
                }
                byte[] text = inflate(data, nul + 2, keyword, source);
                return new TextChunk(keyword, new String(text, StandardCharsets.ISO_8859_1), type);
            }
            default -> {
                if (nul + 3 > data.length) {
                    throw new PngMetadataException(source + ": iTXt chunk '" + keyword + "' is cut short");
                }
                boolean compressed = data[nul + 1] != 0;
                int lang = indexOf(data, nul + 3, (byte) 0);
                int translated = lang < 0 ? -1 : indexOf(data, lang + 1, (byte) 0);
                if (translated < 0) {
                    throw new PngMetadataException(source + ": iTXt chunk '" + keyword + "' is cut short");
                }
                int start = translated + 1;
                byte[] text;
                if (compressed) {
                    text = inflate(data, start, keyword, source);
                } else {
                    text = Arrays.copyOfRange(data, start, data.length); // bounded by MAX_TOTAL_TEXT
                }
                return new TextChunk(keyword, new String(text, StandardCharsets.UTF_8), type);
            }
        }
    }

    /** Inflates at most {@link #MAX_CHUNK_TEXT} bytes; more is "text chunk too large" (zlib-bomb safe). */
    private static byte[] inflate(byte[] data, int from, String keyword, String source) throws PngMetadataException {
        Inflater inf = new Inflater();
        try {
            inf.setInput(data, from, data.length - from);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[16384];
            while (!inf.finished()) {
                int n = inf.inflate(buf);
                if (n == 0 && (inf.needsInput() || inf.needsDictionary())) {
                    throw new PngMetadataException(source + ": compressed text chunk '" + keyword
                            + "' is cut short or damaged");
                }
                if (out.size() + n > MAX_CHUNK_TEXT) {
                    throw tooLarge(keyword, source);
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw new PngMetadataException(source + ": compressed text chunk '" + keyword + "' is damaged: "
                    + e.getMessage(), e);
        } finally {
            inf.end();
        }
    }

    private static PngMetadataException tooLarge(String keyword, String source) {
        return new PngMetadataException(source + ": text chunk too large: '" + keyword + "' holds more than "
                + MAX_CHUNK_TEXT + " bytes of text after decompression; Noodle stops there to stay safe");
    }

    private static int indexOf(byte[] data, int from, byte b) {
        for (int i = from; i < data.length; i++) {
            if (data[i] == b) {
                return i;
            }
        }
        return -1;
    }

    /**
     * A copy of {@code png} with these text entries inserted before the first IDAT chunk; existing text chunks with the
     * same keywords are dropped. Values go in as given (see {@link #asciiJson} for JSON).
     */
    public static byte[] write(byte[] png, Map<String, String> texts) throws PngMetadataException {
        if (png.length < 8 || !Arrays.equals(Arrays.copyOf(png, 8), SIGNATURE)) {
            throw new PngMetadataException("cannot add metadata: the image bytes are not a PNG");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(png.length + 1024);
        out.write(png, 0, 8);
        boolean inserted = false;
        int pos = 8;
        while (pos + 12 <= png.length) {
            int length = ByteBuffer.wrap(png, pos, 4).getInt();
            String type = new String(png, pos + 4, 4, StandardCharsets.ISO_8859_1);
            if (length < 0 || pos + 12L + length > png.length) {
                throw new PngMetadataException("cannot add metadata: chunk " + type + " at byte " + pos
                        + " runs past the end of the image");
            }
            if (!inserted && (type.equals("IDAT") || type.equals("IEND"))) {
                for (Map.Entry<String, String> e : texts.entrySet()) {
                    writeText(out, e.getKey(), e.getValue());
                }
                inserted = true;
            }
            boolean replaced = (type.equals("tEXt") || type.equals("zTXt") || type.equals("iTXt"))
                    && texts.containsKey(keywordAt(png, pos + 8, length));
            if (!replaced) {
                out.write(png, pos, 12 + length);
            }
            pos += 12 + length;
            if (type.equals("IEND")) {
                break;
            }
        }
        if (!inserted) {
            throw new PngMetadataException("cannot add metadata: the image has no IDAT or IEND chunk");
        }
        return out.toByteArray();
    }

    private static String keywordAt(byte[] png, int from, int length) {
        int end = from;
        while (end < from + length && png[end] != 0) {
            end++;
        }
        return new String(png, from, end - from, StandardCharsets.ISO_8859_1);
    }

    private static void writeText(ByteArrayOutputStream out, String keyword, String text) {
        if (keyword.isEmpty() || keyword.length() > 79 || !StandardCharsets.ISO_8859_1.newEncoder().canEncode(keyword)) {
            throw new IllegalArgumentException("PNG text keyword must be 1-79 Latin-1 characters: '" + keyword + "'");
        }
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        byte[] key = keyword.getBytes(StandardCharsets.ISO_8859_1);
        data.writeBytes(key);
        data.write(0);
        String type;
        if (StandardCharsets.ISO_8859_1.newEncoder().canEncode(text)) {
            type = "tEXt";
            data.writeBytes(text.getBytes(StandardCharsets.ISO_8859_1));
        } else {
            type = "iTXt";
            data.write(0); // not compressed
            data.write(0); // compression method
            data.write(0); // empty language tag
            data.write(0); // empty translated keyword
            data.writeBytes(text.getBytes(StandardCharsets.UTF_8));
        }
        writeChunk(out, type, data.toByteArray());
    }

    static void writeChunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] t = type.getBytes(StandardCharsets.ISO_8859_1);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    /** JSON text with every non-ASCII character escaped as {@code \\uXXXX} (Python {@code json.dumps} default). */
    public static String asciiJson(String json) {
        StringBuilder sb = new StringBuilder(json.length());
        for (int i = 0; i < json.length(); i++) {
            char ch = json.charAt(i);
            if (ch < 0x80) {
                sb.append(ch);
            } else {
                sb.append(String.format("\\u%04x", (int) ch));
            }
        }
        return sb.toString();
    }
}
