package dev.noodle.graph.exec;

import dev.noodle.graph.node.MessageLevel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/** What happens during a run, in order: started, per node cached/started/progress/finished/failed, finished. */
public sealed interface RunEvent {
    /** The run this event belongs to. */
    String runId();

    /** The run began with this plan. */
    record RunStarted(String runId, List<String> plan) implements RunEvent {}

    /**
     * The node's result came from the cache.
     *
     * @param values the cached output values in output order, as {@link NodeFinished#values()}
     */
    record NodeCached(String runId, String nodeId, List<Object> values) implements RunEvent {
        /** An event without the values. */
        public NodeCached(String runId, String nodeId) {
            this(runId, nodeId, List.of());
        }

        /** Copies the list (nulls allowed, as a node's outputs). */
        public NodeCached {
            values = values == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(values));
        }
    }

    /** The node began executing. */
    record NodeStarted(String runId, String nodeId, String nodeType) implements RunEvent {}

    /** The node reported progress. */
    record NodeProgress(String runId, String nodeId, long value, long max, Object preview) implements RunEvent {}

    /** The node reported a message. */
    record NodeMessage(String runId, String nodeId, MessageLevel level, String text) implements RunEvent {}

    /**
     * The node finished after {@code nanos}.
     *
     * @param ui what the node shows (ComfyUI's {@code ui}: saved images, texts)
     * @param values the node's output values in output order (what its wires carry: images, masks, latents…). They
     *     are valid only while a listener handles the event (the run releases them later); a listener that keeps
     *     something copies it, as the editor copies images into its previews.
     */
    record NodeFinished(String runId, String nodeId, long nanos, Map<String, Object> ui, List<Object> values)
            implements RunEvent {
        /** An event without the values. */
        public NodeFinished(String runId, String nodeId, long nanos, Map<String, Object> ui) {
            this(runId, nodeId, nanos, ui, List.of());
        }

        /** Copies the list (nulls allowed, as a node's outputs). */
        public NodeFinished {
            values = values == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(values));
        }
    }

    /**
     * The node failed; the run stops.
     *
     * @param outOfMemory true when the failure was the machine (or GPU) running out of memory, as the host's
     *     classifier judged it once, in the executor
     */
    record NodeFailed(String runId, String nodeId, String nodeType, String message, Throwable cause,
            boolean outOfMemory) implements RunEvent {
        /** A failure that is not out of memory. */
        public NodeFailed(String runId, String nodeId, String nodeType, String message, Throwable cause) {
            this(runId, nodeId, nodeType, message, cause, false);
        }
    }

    /** The run was cancelled before or during {@code nodeId}. */
    record RunCancelled(String runId, String nodeId) implements RunEvent {}

    /** The run ended (successfully or not). */
    record RunFinished(String runId, int executed, int cached, long nanos) implements RunEvent {}
}
