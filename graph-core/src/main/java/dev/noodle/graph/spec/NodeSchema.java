package dev.noodle.graph.spec;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The typed declaration of a node type: its inputs (ComfyUI order, required first), outputs and flags.
 *
 * <p>Immutable and thread-safe.
 *
 * @param outputNode true for nodes that produce a result for the user (save/preview); runs start from these
 * @param alwaysRun true for non-deterministic nodes whose results are never cached
 */
public record NodeSchema(
        String type,
        String displayName,
        String category,
        String description,
        List<InputSpec> inputs,
        List<OutputSpec> outputs,
        boolean outputNode,
        boolean alwaysRun) {

    /** Copies the lists and checks input names are unique. */
    public NodeSchema {
        Objects.requireNonNull(type, "type");
        displayName = displayName == null ? type : displayName;
        category = category == null ? "" : category;
        description = description == null ? "" : description;
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        Set<String> names = new HashSet<>();
        for (InputSpec in : inputs) {
            if (!names.add(in.name())) {
                throw new IllegalArgumentException("node type " + type + ": duplicate input '" + in.name() + "'");
            }
        }
    }

    /** Starts a builder for the node type {@code type}. */
    public static Builder builder(String type) {
        return new Builder(type);
    }

    /** Returns the input declared with this name. */
    public Optional<InputSpec> input(String name) {
        for (InputSpec in : inputs) {
            if (in.name().equals(name)) {
                return Optional.of(in);
            }
        }
        return Optional.empty();
    }

    /** Builds a {@link NodeSchema}; not thread-safe. */
    public static final class Builder {
        private final String type;
        private String displayName;
        private String category = "";
        private String description = "";
        private final List<InputSpec> inputs = new ArrayList<>();
        private final List<OutputSpec> outputs = new ArrayList<>();
        private boolean outputNode;
        private boolean alwaysRun;

        private Builder(String type) {
            this.type = Objects.requireNonNull(type, "type");
        }

        /** Sets the display name. */
        public Builder display(String name) {
            this.displayName = name;
            return this;
        }

        /** Sets the menu category, e.g. "sampling". */
        public Builder category(String value) {
            this.category = value;
            return this;
        }

        /** Sets the description. */
        public Builder description(String value) {
            this.description = value;
            return this;
        }

        /** Appends an input. */
        public Builder input(InputSpec spec) {
            inputs.add(spec);
            return this;
        }

        /** Appends a combo over an enum (the schema holds its plain combo). */
        public Builder input(EnumInput<?> spec) {
            return input(spec.spec());
        }

        /** Appends an output. */
        public Builder output(PortType portType, String name) {
            outputs.add(new OutputSpec(portType, name));
            return this;
        }

        /** Appends an output named after its type. */
        public Builder output(PortType portType) {
            return output(portType, portType.name());
        }

        /** Marks this as an output node. */
        public Builder outputNode(boolean value) {
            this.outputNode = value;
            return this;
        }

        /** Marks this node as never cached. */
        public Builder alwaysRun(boolean value) {
            this.alwaysRun = value;
            return this;
        }

        /** Builds the schema; required inputs are moved before optional ones, keeping their order. */
        public NodeSchema build() {
            List<InputSpec> ordered = new ArrayList<>(inputs.size());
            for (InputSpec in : inputs) {
                if (!in.optional()) {
                    ordered.add(in);
                }
            }
            for (InputSpec in : inputs) {
                if (in.optional()) {
                    ordered.add(in);
                }
            }
            return new NodeSchema(
                    type, displayName, category, description, ordered, outputs, outputNode, alwaysRun);
        }
    }
}
