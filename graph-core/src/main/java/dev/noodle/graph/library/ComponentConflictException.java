package dev.noodle.graph.library;

/**
 * A library operation was refused: a newer version is already published, or an update would break wires.
 *
 * <p>The message names the component, both versions or each broken wire, and what to do. Unchecked.
 */
public class ComponentConflictException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception with a complete message. */
    public ComponentConflictException(String message) {
        super(message);
    }
}
