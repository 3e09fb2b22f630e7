package dev.noodle.graph.exec;

/** A snapshot of {@link ResultCache} counters. */
public record CacheStats(
        int entries, long bytes, long maxBytes, long hits, long misses, long evictions, long released) {}
