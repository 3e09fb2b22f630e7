package dev.noodle.nodes.library;

import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads what a download answer says about itself: its range and size headers, the file name it suggests, and
 * whether it is a login or web page rather than a model. Lenient: a header that cannot be read counts as absent.
 * Stateless.
 */
final class HttpAnswers {
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)");
    private static final Pattern DISPOSITION_NAME =
            Pattern.compile("filename\\*?=(?:UTF-8'')?\"?([^\";]+)\"?", Pattern.CASE_INSENSITIVE);

    private HttpAnswers() {}

    /** An address that is a site's login page ({@code /login}, {@code /signin} …). */
    static boolean isLoginPage(URI uri) {
        String path = uri.getPath() == null ? "" : uri.getPath().toLowerCase(Locale.ROOT);
        return path.equals("/login") || path.startsWith("/login/") || path.endsWith("/login")
                || path.startsWith("/signin") || path.startsWith("/sign-in");
    }

    /** HTML or an HTML doctype at the start of what should be a model file. */
    static boolean looksLikeWebPage(byte[] buf, int n) {
        int i = 0;
        while (i < n && (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t')) {
            i++;
        }
        String head = new String(buf, i, Math.min(n - i, 15), StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
        return head.startsWith("<!doctype html") || head.startsWith("<html") || head.startsWith("<head");
    }

    /** Where a partial answer's bytes start ({@code Content-Range: bytes START-END/TOTAL}), or -1 when unreadable. */
    static long contentRangeStart(HttpResponse<?> r) {
        Matcher m = CONTENT_RANGE.matcher(r.headers().firstValue("Content-Range").orElse(""));
        return m.find() ? parseOr(m.group(1), -1) : -1;
    }

    /** The whole file's size: from Content-Range on a partial answer, else what is present plus Content-Length. */
    static long totalSize(HttpResponse<?> r, long present) {
        if (r.statusCode() == 206) {
            Matcher m = CONTENT_RANGE.matcher(r.headers().firstValue("Content-Range").orElse(""));
            if (m.find() && !m.group(3).equals("*")) {
                return parseOr(m.group(3), -1);
            }
        }
        long length = parseOr(r.headers().firstValue("Content-Length").orElse("").strip(), -1);
        return length < 0 ? -1 : present + length;
    }

    /** The file name a Content-Disposition header suggests ({@code filename*=} wins), or null. */
    static String dispositionName(String header) {
        Matcher m = DISPOSITION_NAME.matcher(header);
        String found = null;
        while (m.find()) {
            try {
                found = URLDecoder.decode(m.group(1).replace("+", "%2B"), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException badEscape) {
                found = m.group(1);
            }
        }
        return found;
    }

    /** A non-negative decimal, or {@code fallback} when it is not one (or too large). */
    static long parseOr(String s, long fallback) {
        try {
            long v = Long.parseLong(s);
            return v < 0 ? fallback : v;
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
