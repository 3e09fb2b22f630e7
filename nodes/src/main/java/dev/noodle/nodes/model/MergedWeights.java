package dev.noodle.nodes.model;

import dev.noodle.engine.io.DType;
import dev.noodle.engine.io.TensorCodec;
import dev.noodle.engine.io.WeightSet;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A merge computed key by key when read: each weight the inputs share (same key, same shape) is the formula of
 * theirs in float32, rounded to the first input's stored type (F16 stays F16, as ComfyUI casts a patched weight back
 * to its type); every other weight is the first input's. Reading one key reads that key of each input only, so a
 * merge is saved, or made in memory, with a working set of one tensor per input. Immutable.
 */
final class MergedWeights implements WeightSet {
    /** An elementwise combination of the inputs' values of one weight, in float32. */
    @FunctionalInterface
    interface Formula {
        /**
         * @param w each input's values (same length)
         * @param out receives the result
         */
        void combine(float[][] w, float[] out);
    }

    private final List<WeightSet> inputs;
    private final Function<String, Formula> perKey;
    private final Set<String> merged = new LinkedHashSet<>();
    private final List<String> mismatched = new ArrayList<>();

    /**
     * @param inputs the weights to merge; the first sets the keys, shapes and stored types
     * @param perKey the formula for a key
     * @param keep keys that stay the first input's whatever the others hold
     */
    MergedWeights(List<WeightSet> inputs, Function<String, Formula> perKey, Predicate<String> keep) {
        this.inputs = List.copyOf(inputs);
        this.perKey = perKey;
        WeightSet first = inputs.get(0);
        List<Set<String>> keys = new ArrayList<>();
        for (WeightSet s : inputs) {
            keys.add(new HashSet<>(s.keys()));
        }
        for (String k : first.keys()) {
            if (keep.test(k)) {
                continue;
            }
            long[] shape = first.shape(k);
            boolean ok = true;
            for (int i = 1; i < inputs.size() && ok; i++) {
                ok = keys.get(i).contains(k) && Arrays.equals(inputs.get(i).shape(k), shape);
            }
            if (ok) {
                merged.add(k);
            } else {
                mismatched.add(k);
            }
        }
    }

    /** The keys computed from every input (the others are the first input's). */
    Set<String> mergedKeys() {
        return merged;
    }

    /** Keys another input lacks or holds in another shape (kept from the first input). */
    List<String> mismatched() {
        return mismatched;
    }

    @Override
    public List<String> keys() {
        return inputs.get(0).keys();
    }

    @Override
    public long[] shape(String key) {
        return inputs.get(0).shape(key);
    }

    @Override
    public DType dtype(String key) {
        return inputs.get(0).dtype(key);
    }

    @Override
    public float[] floats(String key) {
        if (!merged.contains(key)) {
            return inputs.get(0).floats(key);
        }
        float[][] w = new float[inputs.size()][];
        for (int i = 0; i < w.length; i++) {
            w[i] = inputs.get(i).floats(key);
        }
        float[] out = new float[w[0].length];
        perKey.apply(key).combine(w, out);
        return WeightSet.round(out, dtype(key));
    }

    @Override
    public ByteBuffer bytes(String key) {
        return merged.contains(key) ? WeightSet.encode(floats(key), dtype(key)) : inputs.get(0).bytes(key);
    }

    /** How many values the merged keys hold. */
    long mergedElements() {
        long n = 0;
        for (String k : merged) {
            n += TensorCodec.elementCount(shape(k));
        }
        return n;
    }

    @Override
    public String describe() {
        return "merge of " + inputs.stream().map(WeightSet::describe).toList();
    }

    /** model1·r + model2·(1 − r). */
    static Formula weighted(float r) {
        return linear(r, 1f - r);
    }

    /** model1·ra + model2·rb. */
    static Formula linear(float ra, float rb) {
        return (w, out) -> {
            float[] a = w[0];
            float[] b = w[1];
            for (int i = 0; i < out.length; i++) {
                out[i] = a[i] * ra + b[i] * rb;
            }
        };
    }

    /** (model1 − model2)·m. */
    static Formula difference(float m) {
        return (w, out) -> {
            float[] a = w[0];
            float[] b = w[1];
            for (int i = 0; i < out.length; i++) {
                out[i] = (a[i] - b[i]) * m;
            }
        };
    }

    /** model1 + model2. */
    static Formula sum() {
        return (w, out) -> {
            float[] a = w[0];
            float[] b = w[1];
            for (int i = 0; i < out.length; i++) {
                out[i] = a[i] + b[i];
            }
        };
    }

    /** A + (B − C)·m. */
    static Formula addDifference(float m) {
        return (w, out) -> {
            float[] a = w[0];
            float[] b = w[1];
            float[] c = w[2];
            for (int i = 0; i < out.length; i++) {
                out[i] = a[i] + (b[i] - c[i]) * m;
            }
        };
    }
}
