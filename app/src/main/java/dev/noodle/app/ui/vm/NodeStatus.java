package dev.noodle.app.ui.vm;

/** Where a node stands in the current run, shown as a pseudo-class on its card. */
public enum NodeStatus {
    IDLE,
    QUEUED,
    RUNNING,
    CACHED,
    DONE,
    FAILED,
    INVALID
}
