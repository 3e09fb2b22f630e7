package dev.noodle.graph.sweep;

import dev.noodle.graph.spec.BoolInput;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.graph.spec.StringInput;
import dev.noodle.graph.validate.InputCoercion;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the values of one sweep axis as AUTOMATIC1111's X/Y/Z plot does, and checks them against the input's spec.
 *
 * <p>The text is a comma-separated list (double quotes keep commas inside a value, as A1111's CSV reading does). For
 * INT and FLOAT inputs an item may also be a range: {@code 1-5 (+2)} steps from the first number to the second,
 * both included ({@code 1, 3, 5}; the step defaults to 1, and may be negative for a falling range), and
 * {@code 0.5-1.0 [3]} gives that many evenly spaced values, both ends included (numpy's {@code linspace}; on an INT
 * input each is truncated toward zero, as A1111's {@code int(x)}). Unlike A1111, a falling range with a negative step
 * includes its end ({@code 5-1 (-2)} is 5, 3, 1) and a step pointing away from the end is an error, not an empty
 * list. Every value is converted to the input's type and checked against its range or options, so a mistake is
 * reported before anything runs. Stateless and thread-safe.
 */
public final class SweepValues {
    private static final String INT = "([+-]?\\s*\\d+)";
    private static final String NUM = "([+-]?\\s*(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?)";
    private static final Pattern STEP_RANGE = Pattern.compile(
            "\\s*" + NUM + "\\s*-\\s*" + NUM + "(?:\\s*\\(\\s*" + NUM + "\\s*\\))?\\s*");
    private static final Pattern COUNT_RANGE = Pattern.compile(
            "\\s*" + NUM + "\\s*-\\s*" + NUM + "\\s*\\[\\s*" + INT + "\\s*]\\s*");
    /** More values than this in one axis is surely a typo (e.g. a step of 0.0001). */
    public static final int MAX_VALUES = 1000;

    private SweepValues() {}

    /**
     * The values {@code text} lists for {@code spec}, converted to its type (Long, Double, String or Boolean).
     *
     * @throws IllegalArgumentException naming the item and what is wrong with it
     */
    public static List<Object> parse(String text, InputSpec spec) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("no values given for '" + spec.name() + "'; list them with commas,"
                    + " e.g. 1,2,3, or give a range such as 1-5 (+2) or 0.5-1.0 [3]");
        }
        if (spec instanceof SocketInput<?> s) {
            throw new IllegalArgumentException("'" + spec.name() + "' takes a " + s.type()
                    + " link, not a value; sweep a widget input instead");
        }
        boolean numeric = spec instanceof IntInput || spec instanceof FloatInput;
        List<Object> out = new ArrayList<>();
        for (String item : split(text)) {
            List<?> expanded = numeric ? expand(item, spec instanceof IntInput) : List.of(item);
            for (Object raw : expanded) {
                out.add(check(spec, raw, item));
                if (out.size() > MAX_VALUES) {
                    throw new IllegalArgumentException("'" + text + "' gives more than " + MAX_VALUES
                            + " values for '" + spec.name() + "'; use a larger step or fewer values");
                }
            }
        }
        return List.copyOf(out);
    }

    /** Splits a comma list; double quotes keep commas and spaces, {@code ""} inside quotes is a quote. */
    static List<String> split(String text) {
        List<String> items = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        boolean wasQuoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"') {
                if (quoted && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    cur.append('"');
                    i++;
                } else {
                    quoted = !quoted;
                    wasQuoted = true;
                }
            } else if (c == ',' && !quoted) {
                add(items, cur, wasQuoted, text);
                cur.setLength(0);
                wasQuoted = false;
            } else {
                cur.append(c);
            }
        }
        if (quoted) {
            throw new IllegalArgumentException("'" + text + "' has a quote that is never closed");
        }
        add(items, cur, wasQuoted, text);
        return items;
    }

    private static void add(List<String> items, StringBuilder cur, boolean quoted, String text) {
        String item = quoted ? cur.toString() : cur.toString().strip();
        if (item.isEmpty() && !quoted) {
            throw new IllegalArgumentException("'" + text + "' has an empty value (two commas in a row, or a comma"
                    + " at an end); quote it (\"\") if an empty text is meant");
        }
        items.add(item);
    }

    /** An item as numbers: a range expanded, or the item itself (checked later). */
    private static List<?> expand(String item, boolean integer) {
        Matcher count = COUNT_RANGE.matcher(item);
        if (count.matches()) {
            double start = number(count.group(1));
            double end = number(count.group(2));
            int n = Integer.parseInt(count.group(3).replace(" ", "").replace("+", ""));
            if (n < 1) {
                throw new IllegalArgumentException("'" + item + "': the count in [ ] must be at least 1");
            }
            if (n > MAX_VALUES) {
                throw new IllegalArgumentException("'" + item + "' asks for " + n + " values; at most " + MAX_VALUES);
            }
            List<Object> values = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                // numpy.linspace: start + i * (end - start) / (n - 1), the last value exactly the end
                double v = n == 1 ? start : i == n - 1 ? end : start + i * ((end - start) / (n - 1));
                values.add(integer ? (Object) (long) v : (Object) tidy(v));
            }
            return values;
        }
        Matcher step = STEP_RANGE.matcher(item);
        if (step.matches()) {
            double start = number(step.group(1));
            double end = number(step.group(2));
            double by = step.group(3) == null ? 1 : number(step.group(3));
            if (integer && (start != Math.rint(start) || end != Math.rint(end) || by != Math.rint(by))) {
                throw new IllegalArgumentException("'" + item + "': this input takes whole numbers; a range of"
                        + " whole numbers looks like 1-5 (+2) or 1-10 [4]");
            }
            if (by == 0) {
                throw new IllegalArgumentException("'" + item + "': the step in ( ) must not be 0");
            }
            if (end != start && Math.signum(end - start) != Math.signum(by)) {
                throw new IllegalArgumentException("'" + item + "': the step " + plain(by) + " goes away from "
                        + plain(end) + "; use " + (by > 0 ? "(-" : "(+") + plain(Math.abs(by)) + ")");
            }
            double span = (end - start) / by;
            if (span + 1 > MAX_VALUES) {
                throw new IllegalArgumentException("'" + item + "' gives " + (long) (span + 1) + " values; at most "
                        + MAX_VALUES);
            }
            long n = (long) Math.floor(span + 1e-9) + 1;
            List<Object> values = new ArrayList<>();
            for (long i = 0; i < n; i++) {
                double v = start + i * by;
                values.add(integer ? (Object) Math.round(v) : (Object) tidy(v));
            }
            return values;
        }
        return List.of(item);
    }

    private static double number(String text) {
        return Double.parseDouble(text.replace(" ", ""));
    }

    /** Rounds away binary noise (0.1 * 3 = 0.30000000000000004 becomes 0.3): 12 significant digits. */
    static double tidy(double v) {
        return v == 0 ? 0.0 : new BigDecimal(v).round(new MathContext(12)).doubleValue();
    }

    /** A number as typed: 5, -1, 0.25. */
    private static String plain(double v) {
        return new BigDecimal(Double.toString(tidy(v))).stripTrailingZeros().toPlainString();
    }

    /** Converts and checks one value; the message names the item as the user wrote it. */
    private static Object check(InputSpec spec, Object raw, String item) {
        String where = "'" + item + "' for '" + spec.name() + "'";
        Object value;
        try {
            value = InputCoercion.coerce(spec, raw);
        } catch (InputCoercion.CoercionException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
        return switch (spec) {
            case IntInput i -> {
                long v = (Long) value;
                if (v < i.min() || v > i.max()) {
                    throw new IllegalArgumentException(where + ": " + v + " is outside " + i.min() + " to "
                            + i.max());
                }
                yield v;
            }
            case FloatInput f -> {
                double v = (Double) value;
                if (v < f.min() || v > f.max()) {
                    throw new IllegalArgumentException(where + ": " + v + " is outside " + f.min() + " to "
                            + f.max());
                }
                yield v;
            }
            case ComboInput c -> {
                List<String> options = c.currentOptions();
                String v = String.valueOf(value);
                if (!options.contains(v)) {
                    throw new IllegalArgumentException(where + ": not one of its options " + preview(options));
                }
                yield v;
            }
            case BoolInput b -> value;
            case StringInput s -> value;
            case SocketInput<?> s -> throw new IllegalArgumentException(where + ": takes a link, not a value");
        };
    }

    private static String preview(List<String> options) {
        return options.size() <= 12 ? String.join(", ", options)
                : String.join(", ", options.subList(0, 12)) + " and " + (options.size() - 12) + " more";
    }

    /** A value as a grid label shows it: whole floats keep one decimal (1.0), others as typed (0.75). */
    public static String format(Object value) {
        if (value instanceof Double d) {
            BigDecimal b = new BigDecimal(Double.toString(tidy(d))).stripTrailingZeros();
            return b.scale() <= 0 ? b.setScale(1).toPlainString() : b.toPlainString();
        }
        return String.valueOf(value);
    }
}
