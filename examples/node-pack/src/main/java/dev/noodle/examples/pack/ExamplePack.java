package dev.noodle.examples.pack;

import dev.noodle.graph.node.NodeDefinition;
import dev.noodle.graph.pack.NodePack;
import dev.noodle.graph.pack.PackContext;
import java.util.List;

/**
 * The example node pack: what a third-party pack looks like, and the template to copy.
 *
 * <p>Noodle finds this class through {@code META-INF/services/dev.noodle.graph.pack.NodePack} (one line: this class's
 * name) when the pack's jar is in the {@code custom_nodes/} folder beside the models folder. It needs a public
 * no-argument constructor; {@link #nodes(PackContext)} is called once at start. Node type names must be new: a pack
 * that redefines one of Noodle's types (or another pack's) is refused, so prefix yours (here "Example").
 */
public final class ExamplePack implements NodePack {
    /** Created by {@link java.util.ServiceLoader}. */
    public ExamplePack() {}

    @Override
    public String name() {
        return "example-pack";
    }

    @Override
    public String version() {
        return "1.0.0";
    }

    @Override
    public List<NodeDefinition> nodes(PackContext context) {
        // context.service(NodeEnvironment.class) gives the model and output folders to nodes that read or write files
        return List.of(new InvertImage(), new ImageBrightness());
    }
}
