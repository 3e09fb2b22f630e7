package dev.noodle.graph.validate;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One validation problem, with ComfyUI's error code (e.g. {@code required_input_missing}).
 *
 * @param code what kind of problem; JSON and {@link #toLine()} carry its ComfyUI spelling
 * @param nodeId the node, or null for workflow-wide problems ({@code prompt_no_outputs})
 * @param input the input name, or null
 * @param details structured facts (received value, min/max, options, cycle nodes)
 */
public record ValidationError(
        ValidationCode code, String nodeId, String nodeType, String input, String message,
        Map<String, Object> details) {

    /** Details key: where an inner node of a subgraph sits ({@code KSampler inside "Upscale pass" inside node 83}). */
    public static final String PATH = "path";

    /** Copies the details map; the code is required. */
    public ValidationError {
        Objects.requireNonNull(code, "code");
        details = details == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(details));
    }

    /** One readable line, e.g. {@code node 3 (KSampler) input 'steps': Value 0 smaller than min of 1}. */
    public String toLine() {
        StringBuilder sb = new StringBuilder();
        if (nodeId != null) {
            sb.append("node ").append(nodeId);
            if (details.get(PATH) instanceof String path) {
                sb.append(" (").append(path).append(')');
            } else if (nodeType != null) {
                sb.append(" (").append(nodeType).append(')');
            }
            if (input != null) {
                sb.append(" input '").append(input).append('\'');
            }
            sb.append(": ");
        }
        sb.append(message).append(" [").append(code.comfyName()).append(']');
        return sb.toString();
    }
}
