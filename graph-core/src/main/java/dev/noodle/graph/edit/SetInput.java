package dev.noodle.graph.edit;

import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;

/**
 * Sets one input of a node to a value (literal or link), or clears it when the value is null; revert restores the
 * previous value. Records the previous value on {@link #apply}; not thread-safe.
 */
public class SetInput implements EditCommand {
    private final String nodeId;
    private final String input;
    private final InputValue value;
    private InputValue previous;

    /** Sets {@code input} of {@code nodeId} to {@code value} (null clears it). */
    public SetInput(String nodeId, String input, InputValue value) {
        this.nodeId = nodeId;
        this.input = input;
        this.value = value;
    }

    /** Sets a literal. */
    public static SetInput literal(String nodeId, String input, Object value) {
        return new SetInput(nodeId, input, new Literal(value));
    }

    @Override
    public Workflow apply(Workflow wf) {
        NodeInstance n = require(wf);
        previous = n.input(input);
        return wf.withNode(value == null ? n.withoutInput(input) : n.withInput(input, value));
    }

    @Override
    public Workflow revert(Workflow wf) {
        NodeInstance n = require(wf);
        return wf.withNode(previous == null ? n.withoutInput(input) : n.withInput(input, previous));
    }

    private NodeInstance require(Workflow wf) {
        NodeInstance n = wf.node(nodeId);
        if (n == null) {
            throw new IllegalArgumentException("node " + nodeId + " is not in the workflow");
        }
        return n;
    }

    @Override
    public String description() {
        return "Set " + nodeId + "." + input;
    }

    /** The node whose input changes. */
    public String nodeId() {
        return nodeId;
    }

    /** The input that changes. */
    public String input() {
        return input;
    }
}
