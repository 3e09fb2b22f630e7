package dev.noodle.graph.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Says in plain words what is wrong with a JSON text that the parser refused, for people who edit workflow files
 * by hand: "a comma is missing between two entries" rather than the parser's internal wording and source
 * descriptions. Stateless and thread-safe.
 */
final class JsonSyntaxProblems {
    /** The parser's description of where a list or object started, which names no file. */
    private static final Pattern STARTING_AT = Pattern.compile(
            "\\s*\\(for (Array|Object|root) starting at \\[Source: [^;]*; line: (\\d+), column: (\\d+)\\]\\)");
    private static final Pattern SOURCE = Pattern.compile("\\s*\\[Source: [^\\]]*\\]");
    private static final Pattern CHAR = Pattern.compile("\\((?:'(.)'|\\(CTRL-CHAR)[^)]*\\)\\)?");
    private static final Pattern TOKEN = Pattern.compile("Unrecognized token '([^']*)'");
    private static final Pattern DUPLICATE = Pattern.compile("Duplicate field '([^']*)'");
    private static final Pattern NON_STANDARD = Pattern.compile("Non-standard token '([^']*)'");

    private JsonSyntaxProblems() {}

    /** What is wrong, in plain words (the caller adds the file, line and column). */
    static String describe(JsonProcessingException e) {
        String raw = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        String opened = "";
        Matcher start = STARTING_AT.matcher(raw);
        if (start.find()) {
            String what = start.group(1).equals("Array") ? "list '['" : "object '{'";
            opened = " (the " + what + " opened at line " + start.group(2) + ", column " + start.group(3) + ")";
            raw = start.replaceAll("");
        }
        raw = SOURCE.matcher(raw).replaceAll("");
        String ch = "";
        Matcher c = CHAR.matcher(raw);
        if (c.find()) {
            ch = c.group(1) == null ? "a line break" : "'" + c.group(1) + "'";
        }
        if (raw.startsWith("Unexpected end-of-input")) {
            if (raw.contains("closing quote")) {
                return "the file ends inside a text value: its closing \" is missing";
            }
            return "the file ends too early: a closing } or ] is missing, or the file was cut off";
        }
        if (raw.startsWith("Unexpected close marker")) {
            String got = raw.substring("Unexpected close marker ".length(), raw.indexOf(':') < 0 ? raw.length()
                    : raw.indexOf(':'));
            String want = raw.contains("expected ']'") ? "']'" : "'}'";
            return got + " closes a bracket that needs " + want + opened;
        }
        if (raw.contains("double-quote to start field name")) {
            return ch.equals("','") ? "an extra comma: a name in double quotes should follow it"
                    : "unexpected " + ch + ": names in an object need double quotes (\"name\": value), and a }"
                            + " may not follow a comma";
        }
        if (raw.contains("colon to separate field name and value")) {
            return "a colon is missing after a name (\"name\": value), found " + ch;
        }
        if (raw.contains("comma to separate Object entries") || raw.contains("comma to separate Array entries")) {
            return "a comma is missing between two entries, found " + ch;
        }
        if (raw.contains("expected a valid value")) {
            if (ch.equals("']'") || ch.equals("'}'")) {
                return "an extra comma before " + ch + ": a value should follow it";
            }
            return "unexpected " + ch + " where a value belongs: text needs double quotes (\"like this\")";
        }
        Matcher token = TOKEN.matcher(raw);
        if (token.find()) {
            return "'" + token.group(1) + "' is not a JSON value: text needs double quotes, and true, false and null"
                    + " are written in lower case";
        }
        Matcher nonStandard = NON_STANDARD.matcher(raw);
        if (nonStandard.find()) {
            return "'" + nonStandard.group(1) + "' is not a JSON value";
        }
        if (raw.startsWith("Illegal unquoted character")) {
            return "a text value holds " + ch + ": write it as \\n (or \\t) inside the quotes";
        }
        if (raw.startsWith("Invalid numeric value")) {
            return "a number is not written as JSON allows (" + raw.substring(raw.indexOf(':') + 1).strip() + ")";
        }
        Matcher duplicate = DUPLICATE.matcher(raw);
        if (duplicate.find()) {
            return "the name \"" + duplicate.group(1) + "\" appears twice in the same object";
        }
        return "the JSON is not valid: " + raw.strip();
    }
}
