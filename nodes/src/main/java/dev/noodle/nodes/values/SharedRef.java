package dev.noodle.nodes.values;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A reference-counted hold on something that must be freed once (a model lease, patched weights): each wire value
 * that uses it holds its own reference ({@link #retain()}), and the resource is freed when the last reference is
 * released. Releasing one reference twice counts once. Thread-safe.
 */
public final class SharedRef implements ModelValue.Hold, AutoCloseable {
    private final Runnable onLast;
    private final long sizeBytes;
    private final AtomicInteger count;
    private final AtomicBoolean released = new AtomicBoolean();

    private SharedRef(Runnable onLast, long sizeBytes, AtomicInteger count) {
        this.onLast = onLast;
        this.sizeBytes = sizeBytes;
        this.count = count;
    }

    /** The first reference to a resource of {@code sizeBytes} freed by {@code onLast}. */
    public static SharedRef of(Runnable onLast, long sizeBytes) {
        return new SharedRef(onLast, sizeBytes, new AtomicInteger(1));
    }

    /** A first reference that closes {@code resources} in order when the last reference goes. */
    public static SharedRef closing(long sizeBytes, AutoCloseable... resources) {
        return of(() -> {
            for (AutoCloseable r : resources) {
                if (r == null) {
                    continue;
                }
                try {
                    r.close();
                } catch (Exception ignored) {
                    // freeing native memory does not fail in practice
                }
            }
        }, sizeBytes);
    }

    /** Another reference to an owned resource for a derived value: a new reference when it is shared, else null. */
    public static AutoCloseable retainOwned(AutoCloseable owned) {
        return owned instanceof SharedRef s ? s.retain() : null;
    }

    @Override
    public SharedRef retain() {
        if (count.getAndIncrement() <= 0) {
            count.decrementAndGet();
            throw new IllegalStateException("the shared resource was already freed");
        }
        return new SharedRef(onLast, sizeBytes, count);
    }

    @Override
    public void release() {
        if (released.compareAndSet(false, true) && count.decrementAndGet() == 0) {
            onLast.run();
        }
    }

    @Override
    public void close() {
        release();
    }

    @Override
    public long sizeBytes() {
        return sizeBytes;
    }
}
