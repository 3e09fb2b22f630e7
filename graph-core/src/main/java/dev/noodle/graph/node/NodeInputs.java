package dev.noodle.graph.node;

/**
 * The input values a node receives: validated literals (coerced to their declared types) and linked values.
 *
 * <p>Absent optional widget inputs read as their schema default; absent optional sockets read as null.
 */
public interface NodeInputs {
    /** An INT input. */
    long getInt(String name);

    /** A FLOAT input (INT values widen). */
    double getFloat(String name);

    /** A STRING or COMBO input. */
    String getString(String name);

    /** A BOOLEAN input. */
    boolean getBool(String name);

    /** A linked value of this class, or null for an absent optional socket. */
    <T> T get(String name, Class<T> type);

    /** Whether the input was given (literal or link). */
    boolean has(String name);

    /** The raw value (null when absent). */
    Object raw(String name);
}
