package dev.noodle.app.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.JsonNode;
import dev.noodle.graph.json.WorkflowFormatException;
import dev.noodle.graph.json.WorkflowJson;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link PromptQueue} of this process: the pending prompts (a priority queue on {@code number}), the one running,
 * and the finished history, all saved through a {@link QueueStore} before a change is acknowledged, so they survive a restart or a crash (a prompt that
 * was running is queued again). Thread-safe: HTTP threads add, list, move and delete; the worker thread takes and
 * finishes. Mirrors ComfyUI's {@code execution.PromptQueue}, plus pause/resume and moving queued prompts.
 */
final class EmbeddedPromptQueue implements PromptQueue {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPromptQueue.class);
    /** History entries kept; the oldest are dropped first. */
    static final int MAX_HISTORY = 2000;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final PriorityQueue<QueueItem> pending = new PriorityQueue<>();
    private final Map<String, QueueItem> running = new LinkedHashMap<>();
    private final LinkedHashMap<String, ObjectNode> history;
    private final QueueStore store;
    private final ObjectMapper mapper;
    private final Runnable onChange;
    private long seq;
    private long number;
    private boolean paused;
    private volatile boolean handingBack;

    /**
     * @param onChange called (outside the lock) after the queue changes, e.g. to broadcast {@code status}
     */
    EmbeddedPromptQueue(QueueStore store, ObjectMapper mapper, Runnable onChange) {
        this.store = store;
        this.mapper = mapper;
        this.onChange = onChange;
        QueueStore.Saved saved = store.load();
        this.history = saved.history();
        this.number = saved.nextNumber();
        this.seq = saved.nextSeq();
        this.paused = saved.paused();
        for (QueueStore.SavedPrompt p : saved.pending()) {
            QueueItem item = restore(p);
            if (item != null) {
                pending.add(item);
            }
        }
    }

    /** A saved queue tuple as a runnable item, or null (logged and dropped) when its prompt no longer parses. */
    private QueueItem restore(QueueStore.SavedPrompt p) {
        JsonNode t = p.tuple();
        String id = t.path(1).asText();
        try {
            ObjectNode prompt = (ObjectNode) t.get(2);
            List<String> outputs = new ArrayList<>();
            t.path(4).forEach(o -> outputs.add(o.asText()));
            return new QueueItem(t.path(0).asDouble(), p.seq(), id, prompt, (ObjectNode) t.get(3), outputs,
                    WorkflowJson.parse(mapper.writeValueAsString(prompt), "prompt"));
        } catch (WorkflowFormatException | ClassCastException | NullPointerException
                | com.fasterxml.jackson.core.JsonProcessingException e) {
            LOG.warn("dropping saved prompt {}: it cannot be read back ({})", id, e.getMessage());
            store.removePending(List.of(id));
            return null;
        }
    }

    /** The file the queue and history are kept in. */
    @Override
    public String storeLocation() {
        return store.location().toString();
    }

    /** Closes the store (the queue is unusable afterwards). */
    @Override
    public void close() {
        lock.lock();
        try {
            store.close();
        } finally {
            lock.unlock();
        }
    }

    /** The number for a new submission without an explicit one: counting up, negated for {@code front}. */
    @Override
    public double nextNumber(boolean front) {
        lock.lock();
        try {
            long n = number++;
            return front ? -n : n;
        } finally {
            lock.unlock();
        }
    }

    /** Sequence number that breaks ties between equal {@code number}s (arrival order). */
    @Override
    public long nextSeq() {
        lock.lock();
        try {
            return seq++;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void put(QueueItem item) {
        lock.lock();
        try {
            store.add(item);
            pending.add(item);
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
        onChange.run();
    }

    /** Takes the next prompt and marks it running; null after {@code timeoutMillis} with nothing queued. */
    @Override
    public QueueItem take(long timeoutMillis) throws InterruptedException {
        QueueItem item;
        lock.lock();
        try {
            long nanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            while (pending.isEmpty() || paused) {
                if (nanos <= 0) {
                    return null;
                }
                nanos = notEmpty.awaitNanos(nanos);
            }
            item = pending.peek();
            store.started(item.promptId());
            pending.poll();
            running.put(item.promptId(), item);
        } finally {
            lock.unlock();
        }
        onChange.run();
        return item;
    }

    /**
     * The server is stopping: a prompt it stops from now on stays saved as queued (it runs again, first, at the next
     * start) instead of ending as interrupted; nothing more is taken.
     */
    @Override
    public void handBack() {
        lock.lock();
        try {
            handingBack = true;
            paused = true; // in memory only: the saved flag is the user's
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Records a finished prompt in the history (saved to disk) and clears it from running. */
    @Override
    public void done(QueueItem item, ObjectNode outputs, ObjectNode status, ObjectNode meta) {
        if (handingBack && !"success".equals(status.path("status_str").asText())) {
            lock.lock();
            try {
                running.remove(item.promptId()); // still marked running in the store: queued again on load
            } finally {
                lock.unlock();
            }
            LOG.info("prompt {} stays queued: the server stopped while it ran", item.promptId());
            return;
        }
        lock.lock();
        try {
            ObjectNode entry = mapper.createObjectNode();
            entry.set("prompt", item.toJson(mapper));
            entry.set("outputs", outputs);
            entry.set("status", status);
            entry.set("meta", meta);
            store.finished(item.promptId(), entry, MAX_HISTORY);
            running.remove(item.promptId());
            history.remove(item.promptId());
            history.put(item.promptId(), entry);
            var it = history.keySet().iterator();
            while (history.size() > MAX_HISTORY && it.hasNext()) {
                it.next();
                it.remove();
            }
        } finally {
            lock.unlock();
        }
        onChange.run();
    }

    /** Prompts waiting plus running (ComfyUI's {@code queue_remaining}). */
    @Override
    public int remaining() {
        lock.lock();
        try {
            return pending.size() + running.size();
        } finally {
            lock.unlock();
        }
    }

    /** ComfyUI's {@code GET /queue} body. */
    @Override
    public ObjectNode queueJson() {
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
    @Override
    public void clearPending() {
        lock.lock();
        try {
            store.removePending(pending.stream().map(QueueItem::promptId).toList());
            pending.clear();
        } finally {
            lock.unlock();
        }
        onChange.run();
    }

    /** Drops the pending prompts with these ids; returns how many were dropped. */
    @Override
    public int deletePending(Collection<String> ids) {
        int n;
        lock.lock();
        try {
            int before = pending.size();
            store.removePending(pending.stream().map(QueueItem::promptId).filter(ids::contains).toList());
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
    @Override
    public boolean isRunning(String promptId) {
        lock.lock();
        try {
            return running.containsKey(promptId);
        } finally {
            lock.unlock();
        }
    }

    /** The history (oldest first), the last {@code maxItems} when given. */
    @Override
    public ObjectNode history(Integer maxItems) {
        lock.lock();
        try {
            return HistoryViews.last(mapper, history, maxItems);
        } finally {
            lock.unlock();
        }
    }

    /** {@code {id: entry}} for one prompt, or {@code {}} when unknown. */
    @Override
    public ObjectNode history(String promptId) {
        lock.lock();
        try {
            return HistoryViews.one(mapper, history, promptId);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void clearHistory() {
        lock.lock();
        try {
            store.clearHistory();
            history.clear();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void deleteHistory(Collection<String> ids) {
        lock.lock();
        try {
            store.removeHistory(ids);
            history.keySet().removeAll(ids);
        } finally {
            lock.unlock();
        }
    }

    /** Stops (true) or lets (false) the worker take queued prompts; the running one finishes either way. */
    @Override
    public void setPaused(boolean pause) {
        lock.lock();
        try {
            if (paused == pause) {
                return;
            }
            store.setPaused(pause);
            paused = pause;
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
        onChange.run();
    }

    @Override
    public boolean paused() {
        lock.lock();
        try {
            return paused;
        } finally {
            lock.unlock();
        }
    }

    /** Gives a queued prompt a new priority {@code number} (lower runs first); false when it is not queued. */
    @Override
    public boolean setNumber(String promptId, double newNumber) {
        lock.lock();
        try {
            QueueItem item = find(promptId);
            if (item == null) {
                return false;
            }
            replace(item, newNumber, item.seq());
        } finally {
            lock.unlock();
        }
        onChange.run();
        return true;
    }

    /**
     * Swaps a queued prompt with its neighbour: {@code steps < 0} towards the front, {@code > 0} towards the back.
     * False when it is not queued; true (unchanged) when it is already at that end.
     */
    @Override
    public boolean move(String promptId, int steps) {
        boolean changed = false;
        lock.lock();
        try {
            QueueItem item = find(promptId);
            if (item == null) {
                return false;
            }
            List<QueueItem> sorted = new ArrayList<>(pending);
            sorted.sort(null);
            int from = sorted.indexOf(item);
            int to = Math.max(0, Math.min(sorted.size() - 1, from + steps));
            int dir = Integer.signum(to - from);
            for (int i = from; i != to; i += dir) {
                QueueItem a = sorted.get(i);
                QueueItem b = sorted.get(i + dir);
                QueueItem a2 = replace(a, b.number(), b.seq());
                QueueItem b2 = replace(b, a.number(), a.seq());
                sorted.set(i + dir, a2);
                sorted.set(i, b2);
                changed = true;
            }
        } finally {
            lock.unlock();
        }
        if (changed) {
            onChange.run();
        }
        return true;
    }

    private QueueItem find(String promptId) {
        for (QueueItem i : pending) {
            if (i.promptId().equals(promptId)) {
                return i;
            }
        }
        return null;
    }

    private QueueItem replace(QueueItem item, double newNumber, long newSeq) {
        store.reorder(item.promptId(), newNumber, newSeq);
        QueueItem moved = new QueueItem(newNumber, newSeq, item.promptId(), item.prompt(), item.extraData(),
                item.outputs(), item.workflow());
        pending.remove(item);
        pending.add(moved);
        return moved;
    }
}
