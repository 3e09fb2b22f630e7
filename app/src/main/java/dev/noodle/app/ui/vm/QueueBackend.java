package dev.noodle.app.ui.vm;

/**
 * Where the queue panel reads and steers a queue: a Noodle (or ComfyUI) server the editor is connected to, or the
 * editor's own run thread ({@link LocalQueue}). Calls block (network); the panel makes them off the FX thread.
 */
public interface QueueBackend {
    /** Where a queued prompt goes: one place up or down, or to the front or the back. */
    enum Move {
        UP, DOWN, TOP, BOTTOM;

        /** The word the server's move call takes. */
        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A call that did not work, with one line for the user (no stack trace). */
    final class QueueException extends Exception {
        public QueueException(String message) {
            super(message);
        }
    }

    /** Where this queue is, for the panel: "server at http://…" or "this editor". */
    String where();

    /** The queue and its workers now. */
    QueueSnapshot snapshot() throws QueueException;

    /** Pauses (true) or resumes (false) the queue; the running prompts finish either way. */
    void setPaused(boolean paused) throws QueueException;

    /** Moves a queued prompt. */
    void move(String promptId, Move where) throws QueueException;

    /** Takes a queued prompt out of the queue. */
    void cancel(String promptId) throws QueueException;

    /** Stops a running prompt. */
    void interrupt(String promptId) throws QueueException;

    /** Takes every queued prompt out of the queue; running ones go on. */
    void clear() throws QueueException;
}
