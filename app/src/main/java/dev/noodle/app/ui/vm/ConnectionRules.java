package dev.noodle.app.ui.vm;

import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.NodeDefinition;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.OutputSpec;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/** Decides whether a wire may be drawn, and if not, says why in words a beginner understands. */
public final class ConnectionRules {
    private ConnectionRules() {}

    /**
     * Checks a wire from output {@code outIndex} of {@code fromId} to input {@code input} of {@code toId}.
     *
     * @return empty when the wire is allowed, otherwise the reason it is refused
     */
    public static Optional<String> refusal(
            Workflow wf, NodeRegistry registry, String fromId, int outIndex, String toId, String input) {
        return refusal(wf, type -> registry.find(type).map(NodeDefinition::schema), fromId, outIndex, toId, input);
    }

    /** As {@link #refusal(Workflow, NodeRegistry, String, int, String, String)}, with schemas from a lookup. */
    public static Optional<String> refusal(Workflow wf, java.util.function.Function<String, Optional<NodeSchema>> schemas,
            String fromId, int outIndex, String toId, String input) {
        NodeInstance from = wf.node(fromId);
        NodeInstance to = wf.node(toId);
        if (from == null || to == null) {
            return Optional.of("That node no longer exists.");
        }
        if (fromId.equals(toId)) {
            return Optional.of("A node cannot feed its own input.");
        }
        NodeSchema fromSchema = schemas.apply(from.type()).orElse(null);
        NodeSchema toSchema = schemas.apply(to.type()).orElse(null);
        if (fromSchema == null || toSchema == null) {
            return Optional.of("Unknown node type: " + (fromSchema == null ? from.type() : to.type()) + ".");
        }
        if (outIndex < 0 || outIndex >= fromSchema.outputs().size()) {
            return Optional.of(fromSchema.displayName() + " has no output #" + outIndex + ".");
        }
        OutputSpec out = fromSchema.outputs().get(outIndex);
        Optional<InputSpec> spec = toSchema.input(input);
        if (spec.isEmpty() || !(spec.get() instanceof SocketInput socket)) {
            return Optional.of(toSchema.displayName() + " has no socket named '" + input + "'.");
        }
        if (!socket.type().accepts(out.type())) {
            return Optional.of(
                    "Can't connect "
                            + out.type().name()
                            + " to "
                            + socket.type().name()
                            + ": '"
                            + input
                            + "' on "
                            + toSchema.displayName()
                            + " expects "
                            + socket.type().name()
                            + ", but "
                            + fromSchema.displayName()
                            + " gives "
                            + out.type().name()
                            + ". "
                            + PortTypeInfo.hint(out.type(), socket.type()));
        }
        if (dependsOn(wf, fromId, toId)) {
            return Optional.of(
                    "That wire would make a loop: "
                            + fromSchema.displayName()
                            + " already depends on "
                            + toSchema.displayName()
                            + ".");
        }
        return Optional.empty();
    }

    /** True when {@code nodeId} (transitively) takes input from {@code ancestorId}. */
    static boolean dependsOn(Workflow wf, String nodeId, String ancestorId) {
        Deque<String> todo = new ArrayDeque<>();
        Set<String> seen = new HashSet<>();
        todo.push(nodeId);
        while (!todo.isEmpty()) {
            String id = todo.pop();
            if (id.equals(ancestorId)) {
                return true;
            }
            if (!seen.add(id)) {
                continue;
            }
            NodeInstance n = wf.node(id);
            if (n == null) {
                continue;
            }
            for (InputValue v : n.inputs().values()) {
                if (v instanceof Link link) {
                    todo.push(link.nodeId());
                }
            }
        }
        return false;
    }

    /**
     * The type on the fixed end of a dropped wire (an output's type, or an input socket's type), if that end still
     * exists and is a socket.
     */
    public static Optional<PortType> typeAt(Workflow wf, NodeRegistry registry, PendingWire wire) {
        return typeAt(wf, type -> registry.find(type).map(NodeDefinition::schema), wire);
    }

    /** As {@link #typeAt(Workflow, NodeRegistry, PendingWire)}, with schemas from a lookup. */
    public static Optional<PortType> typeAt(Workflow wf, java.util.function.Function<String, Optional<NodeSchema>> schemas,
            PendingWire wire) {
        NodeInstance n = wf.node(wire.nodeId());
        NodeSchema schema = n == null ? null : schemas.apply(n.type()).orElse(null);
        if (schema == null) {
            return Optional.empty();
        }
        if (wire.isOutput()) {
            return wire.outputIndex() >= 0 && wire.outputIndex() < schema.outputs().size()
                    ? Optional.of(schema.outputs().get(wire.outputIndex()).type())
                    : Optional.empty();
        }
        return schema.input(wire.inputName())
                .filter(SocketInput.class::isInstance)
                .map(i -> ((SocketInput) i).type());
    }

    /** The first socket input of {@code schema} that accepts {@code type}, if any. */
    public static Optional<String> firstInputTaking(NodeSchema schema, PortType type) {
        for (InputSpec in : schema.inputs()) {
            if (in instanceof SocketInput s && s.type().accepts(type)) {
                return Optional.of(s.name());
            }
        }
        return Optional.empty();
    }

    /** The index of the first output of {@code schema} that a socket of type {@code socketType} accepts, or -1. */
    public static int firstOutputFor(NodeSchema schema, PortType socketType) {
        for (int i = 0; i < schema.outputs().size(); i++) {
            if (socketType.accepts(schema.outputs().get(i).type())) {
                return i;
            }
        }
        return -1;
    }
}
