package dev.noodle.nodes.host;

import dev.noodle.nodes.values.SharedRef;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * Models read from files and shared by the values that use them (control models, CLIP vision towers, style models,
 * IP-Adapters, GLIGEN): one load per file (by path, size and modified time, so a file changed on disk is read again),
 * freed when the last lease is released. Thread-safe.
 *
 * @param <T> the loaded model
 */
final class LeasedCache<T extends AutoCloseable> {
    /** A loaded model and the reference that keeps it loaded; release the reference when done. */
    record Lease<T>(T value, SharedRef ref) {}

    private static final class Entry<T> {
        final T value;
        int leases;

        Entry(T value) {
            this.value = value;
        }
    }

    private final Map<String, Entry<T>> entries = new HashMap<>();

    /**
     * A lease on the model in {@code file}, loading it when no live value holds it.
     *
     * @param onLoad called after each load (counts file reads)
     */
    synchronized Lease<T> lease(Path file, Function<Path, T> load, ToLongFunction<T> size, Runnable onLoad) {
        return lease(AddonFiles.key(file), () -> load.apply(file), size, onLoad);
    }

    /**
     * A lease on the model loaded from several files, under a key made of each file's {@link AddonFiles#key} (so a
     * change to any of them loads it again).
     */
    synchronized Lease<T> lease(String k, java.util.function.Supplier<T> load, ToLongFunction<T> size,
            Runnable onLoad) {
        Entry<T> e = entries.get(k);
        if (e == null) {
            e = new Entry<>(load.get());
            onLoad.run();
            entries.put(k, e);
        }
        e.leases++;
        Entry<T> entry = e;
        return new Lease<>(e.value, SharedRef.of(() -> release(k, entry), size.applyAsLong(e.value)));
    }

    private synchronized void release(String k, Entry<T> e) {
        if (--e.leases == 0 && entries.get(k) == e) {
            entries.remove(k);
            closeQuietly(e.value);
        }
    }

    /** Frees every model, leased or not (the host is closing). */
    synchronized void clear() {
        for (Entry<T> e : entries.values()) {
            closeQuietly(e.value);
        }
        entries.clear();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // freeing native memory does not fail in practice
        }
    }
}
