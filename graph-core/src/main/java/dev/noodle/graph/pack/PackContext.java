package dev.noodle.graph.pack;

/**
 * What the host offers a pack while it creates its nodes: host services by type. Noodle offers
 * {@code dev.noodle.nodes.host.NodeEnvironment} (the models, output, input and temp folders); services for a running
 * node (model manager, PNG writer, ...) come through {@code NodeContext.service(Class)} at run time instead.
 */
public interface PackContext {
    /**
     * The host service of this type (for Noodle's nodes: {@code dev.noodle.nodes.host.NodeEnvironment}, ...).
     *
     * @throws IllegalStateException naming the type when the host has no such service
     */
    <T> T service(Class<T> type);
}
