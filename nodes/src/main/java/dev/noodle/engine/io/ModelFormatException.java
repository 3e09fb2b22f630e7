package dev.noodle.engine.io;

/**
 * A model file that cannot be used: corrupt, truncated, wrong family, missing or mismatched keys. The message
 * names the file and what to do; it is shown to the user as is.
 */
public class ModelFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
