package dev.noodle.graph.exec;

import java.util.List;

/** The requested part of the graph contains a cycle; {@link #nodes()} lists one cycle in link order. */
public class GraphCycleException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final List<String> nodes;

    /** Creates the exception for this cycle. */
    public GraphCycleException(List<String> nodes) {
        super("Dependency cycle detected between nodes " + String.join(" -> ", nodes)
                + "; remove one of these links.");
        this.nodes = List.copyOf(nodes);
    }

    /** The nodes on the cycle. */
    public List<String> nodes() {
        return nodes;
    }
}
