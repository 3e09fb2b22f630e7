package dev.noodle.graph.node;

import dev.noodle.graph.spec.NodeSchema;

/**
 * The base of a node type: one typed declaration (the schema, built once from the node's input constants) plus a
 * stateless {@link #execute(NodeContext)}.
 *
 * <pre>{@code
 * public final class RepeatLatentBatch extends Node {
 *     static final SocketInput<LatentValue> SAMPLES = SocketInput.of("samples", PortType.LATENT, LatentValue.class);
 *     static final IntInput AMOUNT = IntInput.of("amount", 1, 1, 64);
 *
 *     public RepeatLatentBatch() {
 *         super(NodeSchema.builder("RepeatLatentBatch").category("latent").input(SAMPLES).input(AMOUNT)
 *                 .output(PortType.LATENT));
 *     }
 *
 *     public NodeOutputs execute(NodeContext ctx) {
 *         NodeInputs in = ctx.inputs();
 *         return NodeOutputs.of(in.get(SAMPLES).repeat(in.getInt(AMOUNT)));
 *     }
 * }
 * }</pre>
 *
 * <p>Subclasses hold no weights, caches or UI and must be thread-safe (one instance serves every run).
 */
public abstract class Node implements NodeDefinition {
    private final NodeSchema schema;

    /** A node with this declaration (built here). */
    protected Node(NodeSchema.Builder schema) {
        this(schema.build());
    }

    /** A node with this declaration. */
    protected Node(NodeSchema schema) {
        this.schema = java.util.Objects.requireNonNull(schema, "schema");
    }

    @Override
    public final NodeSchema schema() {
        return schema;
    }
}
