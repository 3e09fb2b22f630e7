package dev.noodle.graph.model;

/** Whether a node runs, is skipped (muted), or passes its inputs through (bypassed). */
public enum NodeMode {
    NORMAL,
    MUTED,
    BYPASSED
}
