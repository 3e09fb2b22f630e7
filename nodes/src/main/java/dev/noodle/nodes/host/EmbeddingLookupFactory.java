package dev.noodle.nodes.host;

import dev.noodle.engine.text.EmbeddingLookup;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.nodes.values.ClipValue;

/** Finds textual-inversion embeddings (models/embeddings) usable by a given text encoder. */
public interface EmbeddingLookupFactory {
    /** A lookup for {@code embedding:name} in prompts encoded by {@code clip}; warnings go to the node. */
    EmbeddingLookup forClip(ClipValue clip, NodeContext ctx);
}
