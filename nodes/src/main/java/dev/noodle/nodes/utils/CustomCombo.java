package dev.noodle.nodes.utils;

import dev.noodle.nodes.host.NodeSupport;

import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.PortType;

/**
 * CustomCombo ({@code comfy_extras/nodes_logic.py}): a dropdown whose options the user writes on the node; outputs the
 * chosen text and its index.
 *
 * <p>In ComfyUI the options are frontend widgets ({@code option0}, {@code option1}, …) and the index is a hidden
 * widget the frontend computes, stored right after {@code choice} ({@code widgets_values: [choice, index, option0,
 * …]}, and sent in the API prompt as {@code index}); the backend accepts any choice and returns {@code (choice,
 * index)}. Noodle declares that {@code index} as an optional input so both file forms keep it. Stateless and
 * thread-safe.
 */
public final class CustomCombo extends Node {
    static final ComboInput CHOICE = ComboInput.userDefined("choice");
    /** The option's position as ComfyUI's frontend stores it: −1 when the choice is not among the options. */
    static final IntInput INDEX = IntInput.of("index", 0, -1, Integer.MAX_VALUE).asOptional();

    public CustomCombo() {
        super(NodeSupport.schema("CustomCombo", "Custom Combo", "utils",
                        "Provides a user-defined dropdown combo box where options are written by the user,"
                                + " outputting the selected string and its index.")
                .input(CHOICE)
                .input(INDEX)
                .output(PortType.STRING, "STRING")
                .output(PortType.INT, "INDEX"));
    }

    @Override
    public NodeOutputs execute(NodeContext ctx) {
        return NodeOutputs.of(ctx.inputs().get(CHOICE), ctx.inputs().get(INDEX));
    }
}
