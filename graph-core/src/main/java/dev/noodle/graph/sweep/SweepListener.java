package dev.noodle.graph.sweep;

import dev.noodle.graph.exec.RunEvent;

/**
 * Receives a sweep's progress on the running thread: per cell started, its run's events, finished. Must be quick
 * (hand off to a UI thread); a listener that throws is ignored.
 */
public interface SweepListener {
    /** Cell number {@code ordinal} (from 1) of {@code total} is about to run. */
    default void cellStarted(SweepCell cell, int ordinal, int total) {}

    /** An event of the current cell's run (node cached, started, progress, finished, failed). */
    default void event(SweepCell cell, RunEvent event) {}

    /** Cell number {@code ordinal} of {@code total} has run (successfully or not). */
    default void cellFinished(SweepCellResult result, int ordinal, int total) {}

    /** A listener that ignores everything. */
    static SweepListener none() {
        return new SweepListener() {};
    }
}
