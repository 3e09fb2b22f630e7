package dev.noodle.engine.io;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Strict key check of a weights file against the tensors a network expects: every expected key present with its
 * exact shape, and no other key left over. All problems are collected so that one error can list them.
 */
public final class ExpectedTensors {
    /** How many problems a message lists before it only counts the rest. */
    private static final int SHOWN = 12;

    private ExpectedTensors() {}

    /**
     * The problems of {@code source} against {@code expected} (key → shape), in the expected keys' order and then
     * the unexpected keys sorted: "missing K [shape]", "K has shape [a], expected [b]", "unexpected K [shape]".
     * Empty when the file fits.
     */
    public static List<String> problems(TensorSource source, Map<String, long[]> expected) {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            if (!source.contains(e.getKey())) {
                problems.add("missing " + e.getKey() + " " + Arrays.toString(e.getValue()));
                continue;
            }
            TensorInfo info = source.info(e.getKey());
            if (!Arrays.equals(info.shape(), e.getValue())) {
                problems.add(e.getKey() + " has shape " + info.shapeText() + ", expected "
                        + Arrays.toString(e.getValue()));
            }
        }
        for (String k : new TreeSet<>(source.keys())) {
            if (!expected.containsKey(k)) {
                problems.add("unexpected " + k + " " + source.info(k).shapeText());
            }
        }
        return problems;
    }

    /** The first twelve problems joined with "; ", then "; and N more" when there are more. */
    public static String listed(List<String> problems) {
        int shown = Math.min(problems.size(), SHOWN);
        return String.join("; ", problems.subList(0, shown))
                + (problems.size() > shown ? "; and " + (problems.size() - shown) + " more" : "");
    }
}
