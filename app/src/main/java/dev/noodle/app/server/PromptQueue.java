package dev.noodle.app.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collection;

/**
 * The prompt queue the HTTP handlers and the worker share: pending prompts in {@code number} order, the running ones,
 * and the finished history. Every change is durable before the call returns. {@link EmbeddedPromptQueue} keeps it
 * in this process (the default); a broker-backed queue shared by several workers implements the same calls.
 * Thread-safe. Mirrors ComfyUI's {@code execution.PromptQueue}, plus pause/resume and moving queued prompts.
 */
interface PromptQueue extends AutoCloseable {

    /** The number for a new submission without an explicit one: counting up, negated for {@code front}. */
    double nextNumber(boolean front);

    /** Sequence number that breaks ties between equal {@code number}s (arrival order). */
    long nextSeq();

    /** Queues a prompt; it is saved when this returns. */
    void put(QueueItem item);

    /** Takes the next prompt and marks it running; null after {@code timeoutMillis} with nothing to take. */
    QueueItem take(long timeoutMillis) throws InterruptedException;

    /** Records a finished prompt in the history and clears it from running, in one step. */
    void done(QueueItem item, ObjectNode outputs, ObjectNode status, ObjectNode meta);

    /** Prompts waiting plus running (ComfyUI's {@code queue_remaining}). */
    int remaining();

    /** ComfyUI's {@code GET /queue} body. */
    ObjectNode queueJson();

    /** Drops every pending prompt (the running one is not touched; use interrupt). */
    void clearPending();

    /** Drops the pending prompts with these ids; returns how many were dropped. */
    int deletePending(Collection<String> ids);

    /** True when the prompt with this id is running now. */
    boolean isRunning(String promptId);

    /** The history (oldest first), the last {@code maxItems} when given. */
    ObjectNode history(Integer maxItems);

    /** {@code {id: entry}} for one prompt, or {@code {}} when unknown. */
    ObjectNode history(String promptId);

    void clearHistory();

    void deleteHistory(Collection<String> ids);

    /** Stops (true) or lets (false) the worker take queued prompts; the running one finishes either way. */
    void setPaused(boolean pause);

    boolean paused();

    /** Gives a queued prompt a new priority {@code number} (lower runs first); false when it is not queued. */
    boolean setNumber(String promptId, double newNumber);

    /**
     * Moves a queued prompt {@code steps} places: negative towards the front, positive towards the back (stopping at
     * the end). False when it is not queued.
     */
    boolean move(String promptId, int steps);

    /** Where the queue is kept (a database file or a broker's address), for messages. */
    String storeLocation();

    /**
     * This process is stopping: prompts it stops from now on go back to the queue (for this server's next start, or
     * another worker) instead of ending as interrupted.
     */
    void handBack();

    @Override
    void close();
}
