package dev.noodle.engine.io;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The parameters a model expects (name → shape) and the strict check of a weight source against them: every missing
 * key, every shape mismatch (with both shapes), every non-float tensor and every unexpected key is listed in one
 * {@link ModelFormatException}, so a wrong or damaged file is diagnosed in one go (architecture.md convention 8;
 * nanoGPT's asserts, stable-diffusion.cpp's binding by name). The UNet, the VAE and the CLIP text encoders bind
 * through it.
 *
 * <p>Immutable and thread-safe; the {@code with…} methods return adjusted copies.
 */
public final class WeightLayout {
    /** How many entries of each kind a message lists before summarising the rest. */
    static final int LIST_LIMIT = 8;

    /** Accepts a stored shape that differs from the expected one but loads to it (a linear form of a 1×1 conv). */
    @FunctionalInterface
    public interface ShapeAlternative {
        /** Whether {@code found} is an accepted stand-in for {@code expected} at {@code key}. */
        boolean accepts(String key, long[] found, long[] expected);
    }

    private final String model;
    private final Map<String, long[]> expected;
    private final String displayPrefix;
    private final Predicate<String> ignored;
    private final ShapeAlternative alternative;
    private final String detail;
    private final String advice;

    private WeightLayout(String model, Map<String, long[]> expected, String displayPrefix, Predicate<String> ignored,
            ShapeAlternative alternative, String detail, String advice) {
        this.model = model;
        this.expected = expected;
        this.displayPrefix = displayPrefix;
        this.ignored = ignored;
        this.alternative = alternative;
        this.detail = detail;
        this.advice = advice;
    }

    /**
     * The layout of {@code model} (named in messages: "UNet", "VAE", "CLIP text encoder"), keeping the map's order.
     *
     * @param expected parameter name → shape, as the source names them
     */
    public static WeightLayout of(String model, Map<String, long[]> expected) {
        Map<String, long[]> copy = new LinkedHashMap<>();
        expected.forEach((k, v) -> copy.put(k, v.clone()));
        return new WeightLayout(Objects.requireNonNull(model, "model"), copy, "", k -> false,
                (k, f, e) -> false, "", "");
    }

    /** A copy that names keys in messages with {@code prefix} in front (the checkpoint's full key). */
    public WeightLayout withDisplayPrefix(String prefix) {
        return new WeightLayout(model, expected, prefix, ignored, alternative, detail, advice);
    }

    /** A copy that passes over source keys matching {@code ignore} instead of calling them unexpected. */
    public WeightLayout ignoring(Predicate<String> ignore) {
        return new WeightLayout(model, expected, displayPrefix, ignored.or(ignore), alternative, detail, advice);
    }

    /** A copy that also accepts the stored shapes {@code alt} accepts. */
    public WeightLayout allowing(ShapeAlternative alt) {
        ShapeAlternative before = alternative;
        return new WeightLayout(model, expected, displayPrefix, ignored,
                (k, f, e) -> before.accepts(k, f, e) || alt.accepts(k, f, e), detail, advice);
    }

    /** A copy whose message names the expected configuration, e.g. {@code width 768, 12 layers}. */
    public WeightLayout withDetail(String text) {
        return new WeightLayout(model, expected, displayPrefix, ignored, alternative, text, advice);
    }

    /** A copy whose message ends with what to do, e.g. which files fit. */
    public WeightLayout withAdvice(String text) {
        return new WeightLayout(model, expected, displayPrefix, ignored, alternative, detail, text);
    }

    /** The expected parameters (name → shape), in order; a copy. */
    public Map<String, long[]> shapes() {
        Map<String, long[]> copy = new LinkedHashMap<>();
        expected.forEach((k, v) -> copy.put(k, v.clone()));
        return copy;
    }

    /**
     * Checks every key, shape and dtype of {@code source} against the layout.
     *
     * @throws ModelFormatException naming {@code source.describe()} and listing every problem
     */
    public void check(TensorSource source) {
        check(source, source.describe());
    }

    /**
     * Checks every key, shape and dtype of {@code source} against the layout, naming the file as {@code where} (the
     * whole checkpoint rather than the prefixed view that is checked).
     *
     * @throws ModelFormatException listing every problem
     */
    public void check(TensorSource source, String where) {
        Map<String, TensorInfo> actual = new LinkedHashMap<>();
        for (String k : source.keys()) {
            actual.put(k, source.info(k));
        }
        check(actual, where, true);
    }

    /**
     * Checks arrays made in memory (name → shape) against the layout; dtypes are not checked.
     *
     * @param where what the arrays are, for the message (e.g. {@code in-memory UNet weights})
     * @throws ModelFormatException listing every problem
     */
    public void check(Map<String, long[]> actualShapes, String where) {
        Map<String, TensorInfo> actual = new LinkedHashMap<>();
        // arrays in memory are already numbers of the compute type: the dtype is a placeholder that is not checked
        actualShapes.forEach((k, s) -> actual.put(k, new TensorInfo(k, DType.F32, s)));
        check(actual, where, false);
    }

    private void check(Map<String, TensorInfo> actual, String where, boolean checkTypes) {
        List<String> missing = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        List<String> notFloat = new ArrayList<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            TensorInfo got = actual.get(e.getKey());
            if (got == null) {
                missing.add(displayPrefix + e.getKey() + " " + Arrays.toString(e.getValue()));
                continue;
            }
            long[] found = got.shape();
            if (!Arrays.equals(found, e.getValue()) && !alternative.accepts(e.getKey(), found, e.getValue())) {
                mismatched.add(displayPrefix + e.getKey() + ": file has " + Arrays.toString(found) + ", expected "
                        + Arrays.toString(e.getValue()));
            } else if (checkTypes && !got.dtype().isFloat()) {
                notFloat.add(displayPrefix + e.getKey() + " (" + got.dtype() + ")");
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String k : new TreeSet<>(actual.keySet())) {
            if (!expected.containsKey(k) && !ignored.test(k)) {
                unexpected.add(displayPrefix + k + " " + Arrays.toString(actual.get(k).shape()));
            }
        }
        if (missing.isEmpty() && mismatched.isEmpty() && notFloat.isEmpty() && unexpected.isEmpty()) {
            return;
        }
        StringBuilder m = new StringBuilder(where).append(": the ").append(model)
                .append(" weights do not fit the expected layout");
        if (!detail.isEmpty()) {
            m.append(" (").append(detail).append(')');
        }
        m.append('.');
        section(m, "missing keys", missing);
        section(m, "shape mismatches", mismatched);
        section(m, "tensors that are not floats", notFloat);
        section(m, "unexpected keys", unexpected);
        if (!advice.isEmpty()) {
            m.append(' ').append(advice);
        }
        throw new ModelFormatException(m.toString());
    }

    private static void section(StringBuilder m, String title, List<String> items) {
        if (items.isEmpty()) {
            return;
        }
        m.append(' ').append(items.size()).append(' ').append(title).append(": ");
        m.append(String.join(", ", items.subList(0, Math.min(LIST_LIMIT, items.size()))));
        if (items.size() > LIST_LIMIT) {
            m.append(", … (").append(items.size() - LIST_LIMIT).append(" more)");
        }
        m.append('.');
    }
}
