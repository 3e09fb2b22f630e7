package dev.noodle.graph.library;

/**
 * A component file could not be read or written: names the file and what is wrong with it. Unchecked.
 */
public class ComponentFileException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String source;

    /** Creates the exception for this file and problem. */
    public ComponentFileException(String source, String problem) {
        super("Cannot read component file " + source + ": " + problem);
        this.source = source;
    }

    /** The file or source name. */
    public String source() {
        return source;
    }
}
