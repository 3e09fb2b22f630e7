package dev.noodle.engine.text;

/**
 * Resolves a textual-inversion embedding name (from {@code embedding:name} in a prompt) to its vectors. Each row is
 * one token position of width equal to the text model's width. Implementations must be thread-safe.
 */
@FunctionalInterface
public interface EmbeddingLookup {
    /** A lookup that knows no embeddings. */
    EmbeddingLookup NONE = name -> null;

    /** The vectors {@code [N][width]} for {@code name}, or null when no such embedding exists. */
    float[][] find(String name);
}
