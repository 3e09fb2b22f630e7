package dev.noodle.app.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The pending prompts (a priority queue on {@code number}), the one running, and the finished history (persisted by
 * a {@link HistoryStore}). Thread-safe: HTTP threads add, list and delete; the worker thread takes and finishes.
 * Mirrors ComfyUI's {@code execution.PromptQueue}.
 */
final class PromptQueue {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final PriorityQueue<QueueItem> pending = new PriorityQueue<>();
    private final Map<String, QueueItem> running = new LinkedHashMap<>();
    private final LinkedHashMap<String, ObjectNode> history;
    private final HistoryStore store;
    private final ObjectMapper mapper;
    private final Runnable onChange;
    private long seq;
    private long number;

    /**
     * @param onChange called (outside the lock) after the queue changes, e.g. to broadcast {@code status}
     */
    PromptQueue(HistoryStore store, ObjectMapper mapper, Runnable onChange) {
        this.store = store;
        this.mapper = mapper;
        this.onChange = onChange;
        this.history = store.load();
    }

    /** The number for a new submission without an explicit one: counting up, negated for {@code front}. */
    double nextNumber(boolean front) {
        lock.lock();
        try {
            long n = number++;
            return front ? -n : n;
        } finally {
            lock.unlock();
        }
    }

    /** Sequence number that breaks ties between equal {@code number}s (arrival order). */
    long nextSeq() {
        lock.lock();
        try {
            return seq++;
        } finally {
            lock.unlock();
        }
    }

    void put(QueueItem item) {
        lock.lock();
        try {
            pending.add(item);
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
        onChange.run();
    }

    /** Takes the next prompt and marks it running; null after {@code timeoutMillis} with nothing queued. */
    QueueItem take(long timeoutMillis) throws InterruptedException {
        QueueItem item;
        lock.lock();
        try {
            long nanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            while (pending.isEmpty()) {
                if (nanos <= 0) {
                    return null;
                }
                nanos = notEmpty.awaitNanos(nanos);
            }
            item = pending.poll();
            running.put(item.promptId(), item);
        } finally {
            lock.unlock();
        }
        onChange.run();
        return item;
    }

    /** Records a finished prompt in the history (saved to disk) and clears it from running. */
    void done(QueueItem item, ObjectNode outputs, ObjectNode status, ObjectNode meta) {
        lock.lock();
        try {
            running.remove(item.promptId());
            ObjectNode entry = mapper.createObjectNode();
            entry.set("prompt", item.toJson(mapper));
            entry.set("outputs", outputs);
            entry.set("status", status);
            entry.set("meta", meta);
            history.remove(item.promptId());
            history.put(item.promptId(), entry);
            HistoryStore.trim(history);
            store.save(history);
        } finally {
            lock.unlock();
        }
        onChange.run();
    }

    /** Prompts waiting plus running (ComfyUI's {@code queue_remaining}). */
    int remaining() {
        lock.lock();
        try {
            return pending.size() + running.size();
        } finally {
            lock.unlock();
        }
    }

    /** ComfyUI's {@code GET /queue} body. */
    ObjectNode queueJson() {
        lock.lock();
        try {
            ObjectNode out = mapper.createObjectNode();
            ArrayNode run = out.putArray("queue_running");
            running.values().forEach(i -> run.add(i.toJson(mapper)));
            ArrayNode pend = out.putArray("queue_pending");
            List<QueueItem> sorted = new ArrayList<>(pending);
            sorted.sort(null);
            sorted.forEach(i -> pend.add(i.toJson(mapper)));
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** Drops every pending prompt (the running one is not touched; use interrupt). */
    void clearPending() {
        lock.lock();
        try {
            pending.clear();
        } finally {
            lock.unlock();
        }
        onChange.run();
    }

    /** Drops the pending prompts with these ids; returns how many were dropped. */
    int deletePending(Collection<String> ids) {
        int n;
        lock.lock();
        try {
            int before = pending.size();
            pending.removeIf(i -> ids.contains(i.promptId()));
            n = before - pending.size();
        } finally {
            lock.unlock();
        }
        if (n > 0) {
            onChange.run();
        }
        return n;
    }

    /** True when the prompt with this id is running now. */
    boolean isRunning(String promptId) {
        lock.lock();
        try {
            return running.containsKey(promptId);
        } finally {
            lock.unlock();
        }
    }

    /** The history (oldest first), the last {@code maxItems} when given. */
    ObjectNode history(Integer maxItems) {
        lock.lock();
        try {
            ObjectNode out = mapper.createObjectNode();
            int skip = maxItems == null ? 0 : Math.max(0, history.size() - maxItems);
            int i = 0;
            for (Map.Entry<String, ObjectNode> e : history.entrySet()) {
                if (i++ >= skip) {
                    out.set(e.getKey(), e.getValue().deepCopy());
                }
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** {@code {id: entry}} for one prompt, or {@code {}} when unknown. */
    ObjectNode history(String promptId) {
        lock.lock();
        try {
            ObjectNode out = mapper.createObjectNode();
            ObjectNode e = history.get(promptId);
            if (e != null) {
                out.set(promptId, e.deepCopy());
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    void clearHistory() {
        lock.lock();
        try {
            history.clear();
            store.save(history);
        } finally {
            lock.unlock();
        }
    }

    void deleteHistory(Collection<String> ids) {
        lock.lock();
        try {
            if (history.keySet().removeAll(ids)) {
                store.save(history);
            }
        } finally {
            lock.unlock();
        }
    }
}
