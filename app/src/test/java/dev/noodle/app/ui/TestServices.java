package dev.noodle.app.ui;

import dev.noodle.graph.exec.ServiceLookup;

/** Services for fake nodes: none are needed, so any lookup is a test bug. */
final class TestServices implements ServiceLookup {
    @Override
    public <T> T get(Class<T> type) {
        throw new IllegalStateException("fake nodes use no services, asked for " + type.getName());
    }
}
