package dev.noodle.nodes.library;

import java.net.URI;
import java.util.Locale;

/** Makes file names that come from a server safe to create in a models folder. Stateless. */
final class SafeNames {
    private static final int MAX = 180;

    private SafeNames() {}

    /**
     * The last path element of {@code candidate} with control characters and characters that are not allowed in
     * file names on common systems replaced by {@code _}; never empty, never {@code .} or {@code ..}, never hidden.
     */
    static String fileName(String candidate, URI from) {
        String c = candidate == null ? "" : candidate;
        c = c.substring(Math.max(c.lastIndexOf('/'), c.lastIndexOf('\\')) + 1);
        StringBuilder b = new StringBuilder();
        c.codePoints().forEach(cp -> b.appendCodePoint(cp < 0x20 || cp == 0x7f || "<>:\"|?*".indexOf(cp) >= 0
                ? '_' : cp));
        String s = b.toString().strip();
        while (s.startsWith(".")) {
            s = s.substring(1);
        }
        if (s.isEmpty()) {
            s = "download-" + Integer.toHexString(from.toString().hashCode());
        }
        if (s.length() > MAX) {
            int dot = s.lastIndexOf('.');
            String ext = dot > 0 && s.length() - dot <= 16 ? s.substring(dot) : "";
            s = s.substring(0, MAX - ext.length()) + ext;
        }
        String lower = s.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".part")) {
            s = s + "_";
        }
        return s;
    }
}
