package dev.noodle.engine.text;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * GPT-2 / CLIP byte encoder: maps each of the 256 byte values to a printable Unicode character so BPE symbols are
 * plain strings. Printable Latin-1 bytes map to themselves; the other 68 bytes map to U+0100 onwards in byte order.
 * Stateless and thread-safe.
 */
final class ByteEncoder {
    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[512];
    private static final List<String> VOCAB_ORDER;

    static {
        List<Integer> printable = new ArrayList<>();
        boolean[] seen = new boolean[256];
        for (int b = 0; b < 256; b++) {
            if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)) {
                printable.add(b);
                seen[b] = true;
            }
        }
        List<String> order = new ArrayList<>();
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        for (int b : printable) {
            BYTE_TO_CHAR[b] = (char) b;
            order.add(String.valueOf((char) b));
        }
        int n = 0;
        for (int b = 0; b < 256; b++) {
            if (!seen[b]) {
                BYTE_TO_CHAR[b] = (char) (256 + n++);
                order.add(String.valueOf(BYTE_TO_CHAR[b]));
            }
        }
        for (int b = 0; b < 256; b++) {
            CHAR_TO_BYTE[BYTE_TO_CHAR[b]] = b;
        }
        VOCAB_ORDER = Collections.unmodifiableList(order);
    }

    private ByteEncoder() {}

    /** The 256 byte symbols in CLIP's vocabulary order (printable bytes first, then the remapped ones). */
    static List<String> symbolsInVocabOrder() {
        return VOCAB_ORDER;
    }

    /** The UTF-8 bytes of {@code text}, each as its byte symbol. */
    static String encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = BYTE_TO_CHAR[bytes[i] & 0xff];
        }
        return new String(out);
    }

    /** Inverse of {@link #encode}; characters that are not byte symbols are kept as UTF-8. */
    static String decode(String symbols) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < symbols.length(); i++) {
            char c = symbols.charAt(i);
            int b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
            if (b >= 0) {
                bytes.write(b);
            } else {
                bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
