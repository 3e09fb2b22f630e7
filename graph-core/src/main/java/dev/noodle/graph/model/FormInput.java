package dev.noodle.graph.model;

import java.util.Objects;

/**
 * One input of a workflow's form: a top-level node input shown by name to people who only want the knobs (the
 * editor's form view, {@code ./noodle run --set NAME=VALUE}, the server's named inputs).
 *
 * @param name the name the form, the command line and the server use (unique in the workflow's form)
 * @param nodeId the top-level node (a subgraph host for a component's promoted input)
 * @param input the node's input
 * @param label a display label, or null for the name
 */
public record FormInput(String name, String nodeId, String input, String label) {
    /** Checks the name, node and input are present. */
    public FormInput {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(input, "input");
        if (name.isBlank()) {
            throw new IllegalArgumentException("a form input needs a name");
        }
    }

    /** The label users see. */
    public String displayName() {
        return label == null || label.isBlank() ? name : label;
    }
}
