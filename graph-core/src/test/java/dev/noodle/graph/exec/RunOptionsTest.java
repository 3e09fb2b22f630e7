package dev.noodle.graph.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The client's extra PNG texts keep their order, so the chunks of a saved image come out the same every run. */
class RunOptionsTest {
    private static Map<String, String> texts(List<String> keys) {
        Map<String, String> m = new LinkedHashMap<>();
        keys.forEach(k -> m.put(k, "{\"" + k + "\": 1}"));
        return m;
    }

    @Test
    void extraTextsKeepTheOrderTheyWereGivenIn() {
        // the same keys in two orders: an order-free copy would iterate both the same way
        List<String> one = List.of("workflow", "parameters", "prompt", "notes", "author", "a1111", "zz", "meta");
        List<String> other = one.reversed();
        for (List<String> order : List.of(one, other)) {
            RunOptions options = new RunOptions(Set.of(), "r", texts(order));
            assertEquals(order, List.copyOf(options.extraPngInfo().keySet()));
            assertEquals(order, List.copyOf(RunOptions.defaults().withExtraPngInfo(texts(order)).extraPngInfo()
                    .keySet()));
        }
        Map<String, String> given = texts(one);
        RunOptions options = new RunOptions(Set.of(), "r", given);
        given.clear();
        assertEquals(one.size(), options.extraPngInfo().size(), "a copy");
        assertThrows(UnsupportedOperationException.class, () -> options.extraPngInfo().put("a", "b"));
    }
}
