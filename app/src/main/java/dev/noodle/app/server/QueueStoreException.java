package dev.noodle.app.server;

/** The queue's saved state cannot be opened, read or written; the message says which file and what to do. */
public final class QueueStoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    QueueStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
