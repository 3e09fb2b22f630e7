package dev.noodle.graph.edit;

/** Removes the link (or value) on one input; revert restores it. */
public final class Disconnect extends SetInput {
    /** Disconnects {@code toNode.input}. */
    public Disconnect(String toNode, String input) {
        super(toNode, input, null);
    }

    @Override
    public String description() {
        return "Disconnect " + nodeId() + "." + input();
    }
}
