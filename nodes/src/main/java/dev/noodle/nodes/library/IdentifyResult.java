package dev.noodle.nodes.library;

/** What {@link ModelIdentifier} made of a file: an {@link Identification}, or {@link Unidentified} with the reason. */
public sealed interface IdentifyResult permits Identification, Unidentified {}
