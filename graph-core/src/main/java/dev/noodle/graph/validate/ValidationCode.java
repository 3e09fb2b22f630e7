package dev.noodle.graph.validate;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * The kind of a validation problem, spelled in JSON and text as ComfyUI's {@code validate_prompt} spells it.
 *
 * <p>Immutable and thread-safe. Compare codes by identity ({@code e.code() == ValidationCode.VALUE_NOT_IN_LIST}) or
 * switch over them; {@link #comfyName()} is the wire spelling ({@code value_not_in_list}).
 */
public enum ValidationCode {
    /** A required input has neither a link nor a literal. */
    REQUIRED_INPUT_MISSING("required_input_missing"),
    /** A link connects an output whose type the input does not accept. */
    RETURN_TYPE_MISMATCH("return_type_mismatch"),
    /** A number is below the input's minimum. */
    VALUE_SMALLER_THAN_MIN("value_smaller_than_min"),
    /** A number is above the input's maximum. */
    VALUE_BIGGER_THAN_MAX("value_bigger_than_max"),
    /** A combo value is not one of the input's options. */
    VALUE_NOT_IN_LIST("value_not_in_list"),
    /** A literal cannot be converted to the input's type. */
    INVALID_INPUT_TYPE("invalid_input_type"),
    /** A link names a missing node or an output slot the node does not have. */
    BAD_LINKED_INPUT("bad_linked_input"),
    /** The links form a loop. */
    DEPENDENCY_CYCLE("dependency_cycle"),
    /** The workflow has no output node to run. */
    PROMPT_NO_OUTPUTS("prompt_no_outputs"),
    /** A node's type is not registered. */
    UNKNOWN_NODE_TYPE("unknown_node_type"),
    /** A node's own validation threw. */
    EXCEPTION_DURING_VALIDATION("exception_during_validation"),
    /** A subgraph host that cannot be expanded (its definition contains itself, or nests too deep). */
    INVALID_SUBGRAPH("invalid_subgraph");

    private final String comfyName;

    ValidationCode(String comfyName) {
        this.comfyName = comfyName;
    }

    /** ComfyUI's spelling, e.g. {@code required_input_missing}; what JSON carries. */
    @JsonValue
    public String comfyName() {
        return comfyName;
    }

    /** The wire spelling, so string concatenation and logs read as ComfyUI's. */
    @Override
    public String toString() {
        return comfyName;
    }
}
