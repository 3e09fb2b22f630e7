package dev.noodle.graph.model;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A subgraph definition: an interface (inputs, outputs) and a body of inner nodes; any node whose type is the
 * definition's id is a host of it.
 *
 * <p>Inner nodes link to the interface's inputs as {@code Link(INPUT_NODE, portIndex)}, as ComfyUI's boundary node
 * {@code -10} does; outputs name the inner output they deliver. Definitions live once per workflow
 * ({@link Workflow#subgraphs()}), nested ones too, and may be used by several hosts. Immutable.
 *
 * @param id the definition id, also the type name of its hosts (ComfyUI writes a UUID)
 * @param name the name shown on host cards and in paths ("KSampler inside "Upscale pass" inside node 83")
 * @param description what it does, or null
 * @param body the inner nodes and their layout (no subgraph definitions of its own)
 * @param component the library component this copy came from, or null
 * @param extra unknown JSON fields, written back
 */
public record Subgraph(
        String id,
        String name,
        String description,
        List<SubgraphInput> inputs,
        List<SubgraphOutput> outputs,
        Workflow body,
        ComponentRef component,
        Map<String, Object> extra) {
    /** The pseudo node id inner links use for the interface's inputs. */
    public static final String INPUT_NODE = "-10";
    /** The pseudo node id of the interface's outputs (ComfyUI's {@code -20}). */
    public static final String OUTPUT_NODE = "-20";

    /** Copies the lists; the id, name and body are required. */
    public Subgraph {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(body, "body");
        inputs = inputs == null ? List.of() : List.copyOf(inputs);
        outputs = outputs == null ? List.of() : List.copyOf(outputs);
        extra = Maps.copy(extra);
    }

    /** The index of the input with this name, or -1. */
    public int inputIndex(String inputName) {
        for (int i = 0; i < inputs.size(); i++) {
            if (inputs.get(i).name().equals(inputName)) {
                return i;
            }
        }
        return -1;
    }

    /** The input with this name. */
    public Optional<SubgraphInput> input(String inputName) {
        int i = inputIndex(inputName);
        return i < 0 ? Optional.empty() : Optional.of(inputs.get(i));
    }

    /** A copy with this body. */
    public Subgraph withBody(Workflow newBody) {
        return new Subgraph(id, name, description, inputs, outputs, newBody, component, extra);
    }

    /** A copy with this interface. */
    public Subgraph withInterface(List<SubgraphInput> newInputs, List<SubgraphOutput> newOutputs) {
        return new Subgraph(id, name, description, newInputs, newOutputs, body, component, extra);
    }

    /** A copy with this name and description. */
    public Subgraph withName(String newName, String newDescription) {
        return new Subgraph(id, newName, newDescription, inputs, outputs, body, component, extra);
    }

    /** A copy with this component reference (null: not linked to a library). */
    public Subgraph withComponent(ComponentRef ref) {
        return new Subgraph(id, name, description, inputs, outputs, body, ref, extra);
    }

    /** A copy with this id (hosts must be retyped by the caller). */
    public Subgraph withId(String newId) {
        return new Subgraph(newId, name, description, inputs, outputs, body, component, extra);
    }
}
