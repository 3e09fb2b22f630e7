package dev.noodle.nodes.library;

/** The library cannot do what was asked; the message is one line naming the file or database and what to do. */
public final class LibraryException extends RuntimeException {
    public LibraryException(String message) {
        super(message);
    }

    public LibraryException(String message, Throwable cause) {
        super(message, cause);
    }
}
