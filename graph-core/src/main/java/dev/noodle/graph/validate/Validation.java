package dev.noodle.graph.validate;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What validation found: every problem, and the valid literal inputs converted to their declared types (Long, Double,
 * String, Boolean; combo options as their string), by node id and input name.
 *
 * <p>Immutable. Literals are converted here once; the executor runs nodes on these values.
 */
public record Validation(List<ValidationError> errors, Map<String, Map<String, Object>> literals) {
    /** Copies the collections. */
    public Validation {
        errors = List.copyOf(errors);
        Map<String, Map<String, Object>> copy = new LinkedHashMap<>();
        literals.forEach((id, m) -> copy.put(id, Collections.unmodifiableMap(new LinkedHashMap<>(m))));
        literals = Collections.unmodifiableMap(copy);
    }

    /** True when there are no problems. */
    public boolean ok() {
        return errors.isEmpty();
    }

    /** The converted literals of one node (empty when it has none or was not validated). */
    public Map<String, Object> literals(String nodeId) {
        return literals.getOrDefault(nodeId, Map.of());
    }
}
