package dev.noodle.graph.testing;

import dev.noodle.graph.node.ReleasableValue;
import java.util.concurrent.atomic.AtomicInteger;

/** A fake native value: records how often it was released. */
public final class FakeValue implements ReleasableValue {
    private final String label;
    private final long size;
    private final AtomicInteger releases = new AtomicInteger();

    public FakeValue(String label, long size) {
        this.label = label;
        this.size = size;
    }

    public String label() {
        return label;
    }

    @Override
    public long sizeBytes() {
        return size;
    }

    @Override
    public void release() {
        releases.incrementAndGet();
    }

    public int releases() {
        return releases.get();
    }

    public boolean released() {
        return releases.get() > 0;
    }

    @Override
    public String toString() {
        return label;
    }
}
