package dev.noodle.graph.edit;

import dev.noodle.graph.model.Link;

/** Links output {@code outputIndex} of one node to an input of another (replacing what was there). */
public final class Connect extends SetInput {
    private final String description;

    /** Connects {@code fromNode[outputIndex]} to {@code toNode.input}. */
    public Connect(String fromNode, int outputIndex, String toNode, String input) {
        super(toNode, input, new Link(fromNode, outputIndex));
        this.description = "Connect " + fromNode + "[" + outputIndex + "] → " + toNode + "." + input;
    }

    @Override
    public String description() {
        return description;
    }
}
