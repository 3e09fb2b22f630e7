package dev.noodle.app.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Where the {@link PromptQueue} keeps its queued prompts, its history and its paused flag so they outlive the
 * process. Every method returns only once the change is durable: a prompt whose {@link #add} returned survives a
 * crash. The embedded default is {@link H2QueueStore}; a broker-backed store implements the same calls.
 * Implementations need not be thread-safe: the queue calls them under its lock.
 */
interface QueueStore extends AutoCloseable {

    /**
     * What was saved: the prompts still queued (those that were running are queued again, at their old place), the
     * history oldest first, and the counters to go on from.
     *
     * @param pending queue tuples as {@link QueueItem#toJson} writes them, with their tie-breaking sequence numbers
     */
    record Saved(List<SavedPrompt> pending, LinkedHashMap<String, ObjectNode> history, long nextNumber, long nextSeq,
            boolean paused) {
    }

    /** One saved queue entry: ComfyUI's queue tuple and its arrival sequence. */
    record SavedPrompt(ArrayNode tuple, long seq) {
    }

    /** Reads everything saved; prompts marked running are marked queued again (they run once more). */
    Saved load();

    /** Saves a newly queued prompt. */
    void add(QueueItem item);

    /** Marks a queued prompt as running. */
    void started(String promptId);

    /**
     * In one step: removes the prompt from the queue and records its history entry (replacing an older entry with
     * the same id), keeping the newest {@code maxHistory} entries.
     */
    void finished(String promptId, ObjectNode entry, int maxHistory);

    /** Removes these queued prompts. */
    void removePending(Collection<String> promptIds);

    /** Gives a queued prompt a new place ({@code number}, then {@code seq}, lowest first). */
    void reorder(String promptId, double number, long seq);

    /** Removes these history entries. */
    void removeHistory(Collection<String> promptIds);

    /** Removes every history entry. */
    void clearHistory();

    /** Saves whether the queue is paused. */
    void setPaused(boolean paused);

    /** The file (or address) it keeps state in, for messages. */
    Path location();

    @Override
    void close();
}
