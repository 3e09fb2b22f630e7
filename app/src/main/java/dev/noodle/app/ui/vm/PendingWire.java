package dev.noodle.app.ui.vm;

/**
 * The fixed end of a wire dropped on empty canvas: an output (the user dragged out of it and needs
 * a node taking its type) or an input (the user dragged back from it and needs a node giving its
 * type). Immutable.
 *
 * @param nodeId the node the wire starts at
 * @param outputIndex the output dragged from, or -1 for an input drag
 * @param inputName the input dragged from, or null for an output drag
 */
public record PendingWire(String nodeId, int outputIndex, String inputName) {
    /** A wire dragged out of output {@code index} of {@code nodeId}. */
    public static PendingWire fromOutput(String nodeId, int index) {
        return new PendingWire(nodeId, index, null);
    }

    /** A wire dragged back from input {@code input} of {@code nodeId}. */
    public static PendingWire fromInput(String nodeId, String input) {
        return new PendingWire(nodeId, -1, input);
    }

    /** True when the fixed end is an output. */
    public boolean isOutput() {
        return inputName == null;
    }
}
