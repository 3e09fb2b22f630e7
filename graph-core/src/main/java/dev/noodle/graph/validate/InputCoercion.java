package dev.noodle.graph.validate;

import dev.noodle.graph.spec.BoolInput;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.graph.spec.StringInput;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.regex.Pattern;

/**
 * Converts literal widget values to their declared types the way ComfyUI's {@code validate_inputs} does.
 *
 * <p>INT follows Python {@code int(v)}: integral numbers, floats truncated toward zero ({@code 3.0 -> 3}), integer
 * strings ({@code "42"}), booleans as 0/1; {@code "abc"}, {@code "3.5"}, NaN and infinities are rejected. FLOAT follows
 * {@code float(v)} but, stricter than ComfyUI, rejects NaN and infinities. STRING follows {@code str(v)} for scalars.
 * BOOLEAN accepts booleans, numbers (non-zero = true) and the strings "true"/"false" (ComfyUI's {@code bool("false")}
 * is true, a trap we do not copy). Messages say in plain words what the value is not ("'abc' is not a whole
 * number"); ComfyUI's error codes stay with the validator. Stateless and thread-safe.
 */
public final class InputCoercion {
    private static final Pattern INT_TEXT = Pattern.compile("[+-]?[0-9](_?[0-9])*");

    private InputCoercion() {}

    /** Thrown when a value cannot be converted. */
    public static final class CoercionException extends Exception {
        private static final long serialVersionUID = 1L;

        CoercionException(String message) {
            super(message);
        }
    }

    /**
     * Converts {@code value} for {@code spec}: Long (INT, possibly out of range only via {@link #toBigInteger}), Double,
     * String or Boolean; COMBO values pass through unchanged.
     */
    public static Object coerce(InputSpec spec, Object value) throws CoercionException {
        return switch (spec) {
            case IntInput i -> {
                BigInteger big = toBigInteger(value);
                if (big.bitLength() > 63) {
                    throw new CoercionException(big + " is too large: whole numbers must fit in 64 bits");
                }
                yield big.longValue();
            }
            case FloatInput f -> toDouble(value);
            case StringInput s -> toStr(value);
            case BoolInput b -> toBool(value);
            case ComboInput c -> value;
            case SocketInput s -> value;
        };
    }

    /**
     * Unwraps ComfyUI's {@code {"__value__": v}} form, which carries a list literal that would otherwise read as a
     * link; other values are returned unchanged.
     */
    public static Object unwrap(Object value) {
        if (value instanceof java.util.Map<?, ?> map && map.size() == 1 && map.containsKey("__value__")) {
            return map.get("__value__");
        }
        return value;
    }

    /** Python {@code int(v)} on a JSON scalar. */
    public static BigInteger toBigInteger(Object value) throws CoercionException {
        if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return BigInteger.valueOf(((Number) value).longValue());
        }
        if (value instanceof BigInteger b) {
            return b;
        }
        if (value instanceof Boolean b) {
            return b ? BigInteger.ONE : BigInteger.ZERO;
        }
        if (value instanceof Double || value instanceof Float || value instanceof BigDecimal) {
            double d = ((Number) value).doubleValue();
            if (!Double.isFinite(d)) {
                throw new CoercionException(d + " is not a whole number");
            }
            return new BigDecimal(value.toString()).toBigInteger(); // truncates toward zero like int()
        }
        if (value instanceof String s) {
            String t = s.strip();
            if (INT_TEXT.matcher(t).matches()) {
                return new BigInteger(t.replace("_", ""));
            }
            throw new CoercionException(describe(s) + " is not a whole number");
        }
        throw new CoercionException(describe(value) + " is not a whole number");
    }

    private static double toDouble(Object value) throws CoercionException {
        double d;
        if (value instanceof Boolean b) {
            d = b ? 1.0 : 0.0;
        } else if (value instanceof Number n) {
            d = n.doubleValue();
        } else if (value instanceof String s) {
            String t = s.strip();
            if (t.isEmpty() || t.matches(".*[dDfFxXpP].*")) {
                throw new CoercionException(describe(s) + " is not a number");
            }
            try {
                d = Double.parseDouble(t);
            } catch (NumberFormatException e) {
                throw new CoercionException(describe(s) + " is not a number");
            }
        } else {
            throw new CoercionException(describe(value) + " is not a number");
        }
        if (!Double.isFinite(d)) {
            throw new CoercionException(d + " is not a finite number");
        }
        return d;
    }

    private static String toStr(Object value) throws CoercionException {
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof Boolean b) {
            return b ? "True" : "False";
        }
        if (value instanceof Number n) {
            return n.toString();
        }
        throw new CoercionException(describe(value) + " is not text");
    }

    private static boolean toBool(Object value) throws CoercionException {
        if (value instanceof Boolean b) {
            return b;
        }
        if (value instanceof Number n) {
            return n.doubleValue() != 0.0;
        }
        if (value instanceof String s) {
            if (s.strip().equalsIgnoreCase("true")) {
                return true;
            }
            if (s.strip().equalsIgnoreCase("false")) {
                return false;
            }
        }
        throw new CoercionException(describe(value) + " is not true or false");
    }

    /** A short description of a value for messages. */
    public static String describe(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof String s) {
            return "'" + (s.length() > 60 ? s.substring(0, 60) + "…" : s) + "'";
        }
        if (value instanceof java.util.List<?> || value instanceof java.util.Map<?, ?>) {
            return value.getClass().getSimpleName().replaceAll(".*(List|Map).*", "$1").toLowerCase() + " " + truncate(value);
        }
        return String.valueOf(value);
    }

    private static String truncate(Object v) {
        String s = String.valueOf(v);
        return s.length() > 60 ? s.substring(0, 60) + "…" : s;
    }
}
