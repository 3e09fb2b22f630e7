package dev.noodle.engine.text;

import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** Compares a weight source with the parameters a model expects and reports every difference at once. */
final class WeightCheck {
    private static final int MAX_LISTED = 20;

    private WeightCheck() {}

    static void verify(TensorSource source, Map<String, long[]> expected, ClipConfig config) {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            if (!source.contains(e.getKey())) {
                problems.add("missing key '" + e.getKey() + "' (expected shape " + Arrays.toString(e.getValue())
                        + ")");
                continue;
            }
            long[] got = source.info(e.getKey()).shape();
            if (!Arrays.equals(got, e.getValue())) {
                problems.add("key '" + e.getKey() + "' has shape " + Arrays.toString(got) + " but the model expects "
                        + Arrays.toString(e.getValue()));
            }
            if (!source.info(e.getKey()).dtype().isFloat()) {
                problems.add("key '" + e.getKey() + "' has dtype " + source.info(e.getKey()).dtype()
                        + ", expected a float type");
            }
        }
        for (String k : new TreeSet<>(source.keys())) {
            if (!expected.containsKey(k) && !k.endsWith("position_ids")) {
                problems.add("unexpected key '" + k + "'");
            }
        }
        if (!problems.isEmpty()) {
            StringBuilder sb = new StringBuilder("The CLIP text encoder in " + source.describe()
                    + " does not match the expected layout (width " + config.width() + ", " + config.layers()
                    + " layers): ");
            sb.append(String.join("; ", problems.subList(0, Math.min(MAX_LISTED, problems.size()))));
            if (problems.size() > MAX_LISTED) {
                sb.append("; and ").append(problems.size() - MAX_LISTED).append(" more");
            }
            sb.append(". The file may be damaged or belong to another model family.");
            throw new ModelFormatException(sb.toString());
        }
    }
}
