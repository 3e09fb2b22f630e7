package dev.noodle.graph.library;

import dev.noodle.graph.model.ComponentRef;
import dev.noodle.graph.model.Subgraph;
import dev.noodle.graph.model.SubgraphInput;
import dev.noodle.graph.model.SubgraphOutput;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One version of a library component: a subgraph definition with a stable library id, a version, a name, a
 * description, and the definitions its body nests (each with its own component reference when it came from the
 * library).
 *
 * <p>Immutable. The root definition's {@link Subgraph#component()} is {@code (id, version)}.
 *
 * @param id the stable library id (the same for every version)
 * @param version the version, 1 for the first publish and one more for each publish after it
 * @param name the name shown in the library and on host cards
 * @param description what it does ("" when none)
 * @param rootId the id of the root definition in {@code definitions}
 * @param definitions the root definition and every definition it nests, by id
 */
public record Component(
        String id, int version, String name, String description, String rootId, Map<String, Subgraph> definitions) {
    /** Checks the fields and that the root is among the definitions. */
    public Component {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(rootId, "rootId");
        description = description == null ? "" : description;
        if (version < 1) {
            throw new IllegalArgumentException("component version must be 1 or more, not " + version);
        }
        definitions = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(definitions));
        if (!definitions.containsKey(rootId)) {
            throw new IllegalArgumentException("component \"" + name + "\" has no definition " + rootId);
        }
    }

    /** The root definition. */
    public Subgraph root() {
        return definitions.get(rootId);
    }

    /** The reference a workflow keeps to this version. */
    public ComponentRef ref() {
        return new ComponentRef(id, version);
    }

    /** The typed interface inputs. */
    public List<SubgraphInput> inputs() {
        return root().inputs();
    }

    /** The typed interface outputs. */
    public List<SubgraphOutput> outputs() {
        return root().outputs();
    }

    /** The interface as one line: {@code latent: LATENT, strength: FLOAT → image: IMAGE}. */
    public String interfaceLine() {
        StringBuilder sb = new StringBuilder();
        for (SubgraphInput in : inputs()) {
            sb.append(sb.isEmpty() ? "" : ", ").append(in.displayName()).append(": ").append(in.type());
        }
        sb.append(" → ");
        boolean first = true;
        for (SubgraphOutput out : outputs()) {
            sb.append(first ? "" : ", ").append(out.displayName()).append(": ").append(out.type());
            first = false;
        }
        return sb.toString().strip();
    }
}
