package dev.noodle.engine.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WeightLayoutTest {

    private static Map<String, long[]> expected() {
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put("a.weight", new long[] {4, 2});
        m.put("a.bias", new long[] {4});
        m.put("b.weight", new long[] {3, 3, 1, 1});
        return m;
    }

    /** A source of shapes and dtypes only (the check never loads). */
    private static TensorSource source(Map<String, TensorInfo> infos) {
        return new TensorSource() {
            @Override
            public Set<String> keys() {
                return infos.keySet();
            }

            @Override
            public TensorInfo info(String key) {
                return infos.get(key);
            }

            @Override
            public NDArray load(String key, NDManager manager, DataType compute) {
                throw new UnsupportedOperationException("the layout check must not load " + key);
            }

            @Override
            public float[] loadFloats(String key) {
                throw new UnsupportedOperationException("the layout check must not load " + key);
            }

            @Override
            public String describe() {
                return "model.safetensors";
            }
        };
    }

    private static TensorInfo info(String k, DType t, long... shape) {
        return new TensorInfo(k, t, shape);
    }

    @Test
    void aFittingSourcePasses() {
        Map<String, TensorInfo> ok = new LinkedHashMap<>();
        expected().forEach((k, s) -> ok.put(k, info(k, DType.F16, s)));
        WeightLayout.of("Thing", expected()).check(source(ok));
    }

    @Test
    void everyProblemIsListedWithBothShapes() {
        Map<String, TensorInfo> bad = new LinkedHashMap<>();
        bad.put("a.weight", info("a.weight", DType.F32, 4, 3));
        bad.put("a.bias", info("a.bias", DType.I64, 4));
        bad.put("extra", info("extra", DType.F32, 2));
        bad.put("loss.logvar", info("loss.logvar", DType.F32));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> WeightLayout.of("Thing", expected())
                .withDisplayPrefix("m.").ignoring(k -> k.startsWith("loss.")).withDetail("tiny")
                .withAdvice("Use a thing file.").check(source(bad)));
        assertEquals("model.safetensors: the Thing weights do not fit the expected layout (tiny)."
                + " 1 missing keys: m.b.weight [3, 3, 1, 1]."
                + " 1 shape mismatches: m.a.weight: file has [4, 3], expected [4, 2]."
                + " 1 tensors that are not floats: m.a.bias (I64)."
                + " 1 unexpected keys: m.extra [2]. Use a thing file.", e.getMessage());
    }

    @Test
    void acceptedAlternativeShapesAndInMemoryArrays() {
        Map<String, TensorInfo> linear = new LinkedHashMap<>();
        expected().forEach((k, s) -> linear.put(k, info(k, DType.F32, s)));
        linear.put("b.weight", info("b.weight", DType.F32, 3, 3));
        WeightLayout layout = WeightLayout.of("Thing", expected());
        assertThrows(ModelFormatException.class, () -> layout.check(source(linear)));
        layout.allowing((k, found, want) -> found.length == 2 && found[0] == want[0] && found[1] == want[1])
                .check(source(linear));
        Map<String, long[]> arrays = new LinkedHashMap<>(expected());
        arrays.remove("a.bias");
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> layout.check(arrays, "in-memory weights"));
        assertTrue(e.getMessage().startsWith("in-memory weights: the Thing weights do not fit the expected layout."
                + " 1 missing keys: a.bias [4]."), e.getMessage());
    }

    @Test
    void longListsAreCutWithACount() {
        Map<String, long[]> many = new LinkedHashMap<>();
        for (int i = 0; i < WeightLayout.LIST_LIMIT + 3; i++) {
            many.put("k" + i, new long[] {1});
        }
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> WeightLayout.of("Thing", many).check(source(Map.of())));
        assertTrue(e.getMessage().contains((WeightLayout.LIST_LIMIT + 3) + " missing keys: k0 [1]"), e.getMessage());
        assertTrue(e.getMessage().contains(", … (3 more)."), e.getMessage());
    }
}
