package dev.noodle.graph.exec;

import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.validate.ValidationError;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a run ended.
 *
 * @param outputs the outputs of the output nodes (and targets) that completed, cached ones included
 * @param executed how many nodes executed
 * @param cached how many nodes came from the cache
 * @param failedNode the failed or cancelled node, or null
 * @param message a readable summary for failures
 * @param outOfMemory true when the run failed because memory ran out (the host frees models before the next run)
 */
public record RunResult(
        String runId,
        Status status,
        List<ValidationError> errors,
        Map<String, NodeOutputs> outputs,
        int executed,
        int cached,
        String failedNode,
        String message,
        boolean outOfMemory) {

    /** How a run ended. */
    public enum Status {
        SUCCESS,
        FAILED,
        CANCELLED,
        INVALID
    }

    /** A result that is not an out-of-memory failure. */
    public RunResult(String runId, Status status, List<ValidationError> errors, Map<String, NodeOutputs> outputs,
            int executed, int cached, String failedNode, String message) {
        this(runId, status, errors, outputs, executed, cached, failedNode, message, false);
    }

    /** Copies the collections. */
    public RunResult {
        errors = List.copyOf(errors);
        outputs = Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
    }
}
