package dev.noodle.graph.model;

/** The value of one node input in a workflow: a literal or a link to another node's output. */
public sealed interface InputValue permits Literal, Link {}
