package dev.noodle.nodes.library;

/**
 * A file that is no model Noodle knows, or cannot be read; {@code reason} is one line naming the file and what to do.
 */
public record Unidentified(String reason) implements IdentifyResult {}
