package dev.noodle.graph.edit;

/** Which side of a subgraph's interface a port is on. */
public enum PortSide {
    /** An interface input (what hosts receive). */
    INPUT,
    /** An interface output (what hosts deliver). */
    OUTPUT
}
