package dev.noodle.nodes.utils;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Locale;

/**
 * Python's {@code str} operations the string nodes mirror, by code point, so a workflow gives the same text as in
 * ComfyUI: {@code len}, {@code strip}, {@code capitalize}, {@code title}, {@code replace}, and {@code str(float)}.
 *
 * <p>Stateless and thread-safe.
 */
final class PyText {
    private PyText() {}

    /** {@code len(s)}: code points, not UTF-16 units. */
    static long length(String s) {
        return s.codePointCount(0, s.length());
    }

    /**
     * {@code str.isspace} for one code point: Unicode category Zs/Zl/Zp or bidirectional class WS/B/S (tab, line
     * feeds, the information separators U+001C..U+001F, U+0085).
     */
    static boolean isSpace(int cp) {
        return Character.isWhitespace(cp) || Character.isSpaceChar(cp) || cp == 0x85;
    }

    /** {@code s.strip()}, {@code s.lstrip()} ({@code right} false) or {@code s.rstrip()} ({@code left} false). */
    static String strip(String s, boolean left, boolean right) {
        int start = 0;
        int end = s.length();
        while (left && start < end && isSpace(s.codePointAt(start))) {
            start += Character.charCount(s.codePointAt(start));
        }
        while (right && end > start && isSpace(s.codePointBefore(end))) {
            end -= Character.charCount(s.codePointBefore(end));
        }
        return s.substring(start, end);
    }

    private static boolean cased(int cp) {
        return Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
    }

    /**
     * The full title-case mapping of one code point, as Python's: a character whose upper case is several letters
     * with no title-case form of its own (ß, the ﬁ ligature) becomes its upper case with the tail lowered ("Ss", "Fi").
     */
    static String titleCase(int cp) {
        int simple = Character.toTitleCase(cp);
        String upper = new String(Character.toChars(cp)).toUpperCase(Locale.ROOT);
        if (simple != cp || upper.codePointCount(0, upper.length()) < 2) {
            return new String(Character.toChars(simple));
        }
        int first = upper.codePointAt(0);
        return new String(Character.toChars(first))
                + upper.substring(Character.charCount(first)).toLowerCase(Locale.ROOT);
    }

    /** {@code s.capitalize()} (Python 3.8+): the first character in title case, the rest lower case. */
    static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        int first = s.codePointAt(0);
        return new StringBuilder(titleCase(first))
                .append(s.substring(Character.charCount(first)).toLowerCase(Locale.ROOT)).toString();
    }

    /** {@code s.title()}: a cased character after an uncased one goes to title case, any other to lower case. */
    static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            boolean c = cased(cp);
            if (!c) {
                out.appendCodePoint(cp);
            } else if (previousCased && cp == 0x3A3) {
                // final sigma: a capital sigma that ends a word lowers to ς (Unicode SpecialCasing, as CPython)
                int next = i + 1 < s.length() ? s.codePointAt(i + 1) : ' ';
                out.append(cased(next) ? 'σ' : 'ς');
            } else if (previousCased) {
                out.append(new String(Character.toChars(cp)).toLowerCase(Locale.ROOT));
            } else {
                out.append(titleCase(cp));
            }
            previousCased = c;
            i += Character.charCount(cp);
        }
        return out.toString();
    }

    /** {@code s.replace(old, new)}; an empty {@code old} inserts {@code new} around every code point, as Python. */
    static String replace(String s, String find, String with) {
        if (!find.isEmpty()) {
            return s.replace(find, with);
        }
        StringBuilder out = new StringBuilder(with);
        s.codePoints().forEach(cp -> out.appendCodePoint(cp).append(with));
        return out.toString();
    }

    /**
     * {@code str(x)} / {@code repr(x)} of a Python float: the shortest digits that read back as {@code x}, plain
     * between 1e-4 and 1e16 (always with a fraction, "2.0"), otherwise scientific with a signed two-digit exponent
     * ("1e-05", "1.5e+16"); "nan", "inf", "-inf".
     */
    static String floatRepr(double x) {
        if (Double.isNaN(x)) {
            return "nan";
        }
        if (Double.isInfinite(x)) {
            return x > 0 ? "inf" : "-inf";
        }
        if (x == 0) {
            return 1 / x < 0 ? "-0.0" : "0.0";
        }
        // Double.toString gives the shortest round-tripping digits (JDK 19+), only its layout differs from Python's
        BigDecimal d = new BigDecimal(Double.toString(Math.abs(x))).stripTrailingZeros();
        // Java always writes two significant digits ("4.9E-324"); Python may need only one ("5e-324")
        for (int p = 1; p < d.precision(); p++) {
            BigDecimal shorter = d.round(new MathContext(p, RoundingMode.HALF_EVEN));
            if (Double.parseDouble(shorter.toString()) == Math.abs(x)) {
                d = shorter.stripTrailingZeros();
                break;
            }
        }
        String digits = d.unscaledValue().toString();
        int exponent = digits.length() - 1 - d.scale();
        String sign = x < 0 ? "-" : "";
        if (exponent >= -4 && exponent < 16) {
            String plain = d.toPlainString();
            return sign + (plain.contains(".") ? plain : plain + ".0");
        }
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        int e = Math.abs(exponent);
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (e < 10 ? "0" : "") + e;
    }
}
