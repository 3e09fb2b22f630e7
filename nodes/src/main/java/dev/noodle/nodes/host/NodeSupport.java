package dev.noodle.nodes.host;

import ai.djl.ndarray.NDManager;
import dev.noodle.engine.model.ModelManager;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.RunCancelledException;
import dev.noodle.graph.spec.NodeSchema;
import java.util.function.BooleanSupplier;

/** Small helpers shared by the node adapters. Stateless. */
public final class NodeSupport {
    private NodeSupport() {}

    /** A native scope on the engine's device for one node execution; close it when the node is done. */
    public static NDManager scope(NodeContext ctx) {
        return NDManager.newBaseManager(ctx.service(ModelManager.class).target().device());
    }

    /** The run's cancel flag as the engine's cancel check. */
    public static BooleanSupplier cancelled(NodeContext ctx) {
        return () -> ctx.cancellation().isCancelled();
    }

    /** Throws the executor's cancellation exception. */
    public static RunCancelledException cancelledException() {
        return new RunCancelledException("cancelled by the user");
    }

    /** A schema builder with category and description filled in. */
    public static NodeSchema.Builder schema(String type, String display, String category, String description) {
        return NodeSchema.builder(type).display(display).category(category).description(description);
    }
}
