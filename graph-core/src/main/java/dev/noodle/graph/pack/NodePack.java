package dev.noodle.graph.pack;

import dev.noodle.graph.node.NodeDefinition;
import java.util.List;

/**
 * A set of node types shipped together, found with {@link java.util.ServiceLoader}: Noodle's own nodes register
 * through this interface, and so does a third-party pack, as a jar dropped into the {@code custom_nodes/} folder beside
 * the models folder.
 *
 * <p>A pack jar lists its implementation in {@code META-INF/services/dev.noodle.graph.pack.NodePack} and compiles
 * against Noodle's {@code graph-core} and {@code nodes} modules without bundling them (Maven scope {@code provided});
 * {@code examples/node-pack} in Noodle's repository is the template to copy. The host calls
 * {@link #nodes(PackContext)} once at start; every node type it returns must have a type name no other pack (nor a
 * built-in node) uses, or the whole pack is refused. A pack that throws while loading, or whose node throws while
 * running, fails alone and is named in the error.
 *
 * <p>Versioned: a pack states the {@link NodeApi#VERSION} it was compiled against in {@link #apiVersion()}; the host
 * refuses packs written for a newer API than its own.
 *
 * <p>Packs are code the user chose to run: they run with the same rights as Noodle itself. Implementations need a
 * public no-argument constructor and must be thread-safe once {@link #nodes(PackContext)} has returned.
 */
public interface NodePack {
    /**
     * The pack's name, shown in the editor, {@code ./noodle nodes} and {@code /object_info} (e.g. "example-pack"):
     * letters, digits, '.', '-' and '_', starting with a letter or digit, unique among the loaded packs.
     */
    String name();

    /** The pack's own version (e.g. "1.0.0"). */
    String version();

    /** The node API version the pack was written for; defaults to the version it was compiled against. */
    default int apiVersion() {
        return NodeApi.VERSION;
    }

    /**
     * The pack's node types, created with what the host provides (model folders, output folders, ...). Called once;
     * an exception here refuses the pack (the rest of Noodle starts without it).
     */
    List<NodeDefinition> nodes(PackContext context) throws Exception;
}
