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

    /**
     * The names this lookup knows (AUTOMATIC1111 finds embeddings by their file name anywhere in a prompt); empty
     * when the lookup cannot list them.
     */
    default java.util.Set<String> names() {
        return java.util.Set.of();
    }
}
