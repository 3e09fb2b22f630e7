package dev.noodle.graph.node;

/** Severity of a message a node reports while running. */
public enum MessageLevel {
    INFO,
    WARNING,
    ERROR
}
