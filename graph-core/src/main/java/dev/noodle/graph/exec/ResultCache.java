package dev.noodle.graph.exec;

import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.node.ReleasableValue;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Node results by input signature, least-recently-used first out, bounded by the native memory of its values.
 *
 * <p>The budget counts each distinct {@link ReleasableValue} once, however many entries hold it. A value is released
 * when no entry and no hold references it any more. Runs {@linkplain #hold hold} the outputs they still use so
 * that eviction never frees a value a running workflow needs. Thread-safe (all methods synchronized).
 */
public final class ResultCache {
    private final long maxBytes;
    private final LinkedHashMap<String, NodeOutputs> entries = new LinkedHashMap<>(16, 0.75f, true);
    private final IdentityHashMap<ReleasableValue, int[]> refs = new IdentityHashMap<>(); // [entryRefs, holds]
    private long bytes;
    private long hits;
    private long misses;
    private long evictions;
    private long released;

    /** Creates a cache whose values may hold at most {@code maxBytes} of native memory. */
    public ResultCache(long maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must be >= 0, got " + maxBytes);
        }
        this.maxBytes = maxBytes;
    }

    /** The cached outputs for a signature (marking it recently used), or null. */
    public synchronized NodeOutputs get(String signature) {
        NodeOutputs out = entries.get(signature);
        if (out == null) {
            misses++;
        } else {
            hits++;
        }
        return out;
    }

    /** Like {@link #get} and, on a hit, {@linkplain #hold holds} the outputs for the caller. */
    public synchronized NodeOutputs acquire(String signature) {
        NodeOutputs out = get(signature);
        if (out != null) {
            hold(out);
        }
        return out;
    }

    /** Whether a signature is cached (does not count as a use). */
    public synchronized boolean contains(String signature) {
        return entries.containsKey(signature);
    }

    /** Stores outputs, then evicts least-recently-used entries until the budget holds. */
    public synchronized void put(String signature, NodeOutputs outputs) {
        NodeOutputs previous = entries.put(signature, outputs);
        addRefs(outputs, 0);
        if (previous != null) {
            dropRefs(previous, 0);
        }
        evictToBudget();
    }

    /** Keeps these outputs' values alive (not released by eviction) until {@link #unhold}. */
    public synchronized void hold(NodeOutputs outputs) {
        addRefs(outputs, 1);
    }

    /** Ends one {@link #hold}; values no entry holds any more are released. */
    public synchronized void unhold(NodeOutputs outputs) {
        dropRefs(outputs, 1);
    }

    /** Removes every entry, releasing values not held by a run. */
    public synchronized void clear() {
        Iterator<NodeOutputs> it = entries.values().iterator();
        while (it.hasNext()) {
            NodeOutputs out = it.next();
            it.remove();
            dropRefs(out, 0);
        }
    }

    /** A snapshot of the counters. */
    public synchronized CacheStats stats() {
        return new CacheStats(entries.size(), bytes, maxBytes, hits, misses, evictions, released);
    }

    private void evictToBudget() {
        Iterator<Map.Entry<String, NodeOutputs>> it = entries.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            NodeOutputs out = it.next().getValue();
            it.remove();
            evictions++;
            dropRefs(out, 0);
        }
    }

    private void addRefs(NodeOutputs outputs, int slot) {
        for (ReleasableValue v : releasables(outputs)) {
            int[] count = refs.computeIfAbsent(v, k -> new int[2]);
            if (slot == 0 && count[0] == 0) {
                bytes += v.sizeBytes();
            }
            count[slot]++;
        }
    }

    private void dropRefs(NodeOutputs outputs, int slot) {
        for (ReleasableValue v : releasables(outputs)) {
            int[] count = refs.get(v);
            if (count == null || count[slot] == 0) {
                continue;
            }
            count[slot]--;
            if (slot == 0 && count[0] == 0) {
                bytes -= v.sizeBytes();
            }
            if (count[0] == 0 && count[1] == 0) {
                refs.remove(v);
                released++;
                v.release();
            }
        }
    }

    /** The distinct releasable values of one outputs object (a node may return the same value twice). */
    private static Iterable<ReleasableValue> releasables(NodeOutputs outputs) {
        IdentityHashMap<ReleasableValue, Boolean> seen = new IdentityHashMap<>();
        for (Object o : outputs.values()) {
            if (o instanceof ReleasableValue r) {
                seen.put(r, Boolean.TRUE);
            }
        }
        return seen.keySet();
    }
}
