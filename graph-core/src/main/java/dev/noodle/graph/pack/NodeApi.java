package dev.noodle.graph.pack;

/**
 * The version of the node API that packs compile against: {@link dev.noodle.graph.pack.NodePack},
 * {@link dev.noodle.graph.node.Node}, {@link dev.noodle.graph.node.NodeContext},
 * {@link dev.noodle.graph.node.NodeInputs}, the input specs of {@code dev.noodle.graph.spec}, and the values on wires in
 * {@code dev.noodle.nodes.values}.
 *
 * <p>Increased when a pack written for the previous version could break; the host loads packs whose
 * {@link NodePack#apiVersion()} is at most its own.
 */
public final class NodeApi {
    /** The current node API version. */
    public static final int VERSION = 2;

    private NodeApi() {}
}
