package dev.noodle.graph.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Order-preserving, null-tolerant immutable map copies for the model records. */
final class Maps {
    private Maps() {}

    static <K, V> Map<K, V> copy(Map<K, V> map) {
        if (map == null || map.isEmpty()) {
            return Collections.emptyMap();
        }
        return Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }
}
