package dev.noodle.graph.validate;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One validation problem, with ComfyUI's error code (e.g. {@code required_input_missing}).
 *
 * @param nodeId the node, or null for workflow-wide problems ({@code prompt_no_outputs})
 * @param input the input name, or null
 * @param details structured facts (received value, min/max, options, cycle nodes)
 */
public record ValidationError(
        String code, String nodeId, String nodeType, String input, String message, Map<String, Object> details) {

    public static final String REQUIRED_INPUT_MISSING = "required_input_missing";
    public static final String RETURN_TYPE_MISMATCH = "return_type_mismatch";
    public static final String VALUE_SMALLER_THAN_MIN = "value_smaller_than_min";
    public static final String VALUE_BIGGER_THAN_MAX = "value_bigger_than_max";
    public static final String VALUE_NOT_IN_LIST = "value_not_in_list";
    public static final String INVALID_INPUT_TYPE = "invalid_input_type";
    public static final String BAD_LINKED_INPUT = "bad_linked_input";
    public static final String DEPENDENCY_CYCLE = "dependency_cycle";
    public static final String PROMPT_NO_OUTPUTS = "prompt_no_outputs";
    public static final String UNKNOWN_NODE_TYPE = "unknown_node_type";
    public static final String EXCEPTION_DURING_VALIDATION = "exception_during_validation";

    /** Copies the details map. */
    public ValidationError {
        details = details == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(details));
    }

    /** One readable line, e.g. {@code node 3 (KSampler) input 'steps': Value 0 smaller than min of 1}. */
    public String toLine() {
        StringBuilder sb = new StringBuilder();
        if (nodeId != null) {
            sb.append("node ").append(nodeId);
            if (nodeType != null) {
                sb.append(" (").append(nodeType).append(')');
            }
            if (input != null) {
                sb.append(" input '").append(input).append('\'');
            }
            sb.append(": ");
        }
        sb.append(message).append(" [").append(code).append(']');
        return sb.toString();
    }
}
