package dev.noodle.graph.node;

/** A node failed with a message meant for the user (what went wrong, what to do). */
public class NodeExecutionException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String nodeId;

    /** Creates the exception for a node. */
    public NodeExecutionException(String nodeId, String message) {
        super(message);
        this.nodeId = nodeId;
    }

    /** Creates the exception for a node, with a cause. */
    public NodeExecutionException(String nodeId, String message, Throwable cause) {
        super(message, cause);
        this.nodeId = nodeId;
    }

    /** The id of the failed node, possibly null when raised outside the executor. */
    public String nodeId() {
        return nodeId;
    }
}
