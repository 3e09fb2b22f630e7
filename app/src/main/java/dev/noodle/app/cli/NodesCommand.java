package dev.noodle.app.cli;

import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.pack.PackInfo;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.nodes.host.CustomNodes;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NodePacks;
import dev.noodle.nodes.host.NoodleNodes;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code noodle nodes}: lists the node packs (Noodle's own, then those loaded from {@code custom_nodes/}) with their
 * version, where they came from and their node types (type, display name, category). Refused packs are warnings on
 * stderr; the exit code is 0 either way.
 */
@Command(name = "nodes", mixinStandardHelpOptions = true,
        description = "List the node packs and their node types (Noodle's own and those in custom_nodes/).")
public final class NodesCommand implements Callable<Integer> {
    @Option(names = "--models", paramLabel = "DIR",
            description = "Models root (default: ./models); custom node packs are read from custom_nodes/ beside it.")
    Path models = Path.of("models");

    @Option(names = "--disable-custom-nodes", description = "List only Noodle's own nodes.")
    boolean disableCustomNodes;

    @Override
    public Integer call() {
        NodeEnvironment env;
        try {
            env = NodeEnvironment.of(models, Path.of("output"));
        } catch (java.io.UncheckedIOException e) {
            System.err.println("noodle: " + e.getMessage());
            return 2;
        }
        NodeRegistry registry = NoodleNodes.standardRegistry(env);
        try (NodePacks packs = NodePacks.load(CustomNodes.of(disableCustomNodes, env.models().root()), registry,
                env)) {
            packs.problems().forEach(w -> System.err.println("noodle: warning: " + w));
            print(registry, System.out);
            packs.notice().ifPresent(n -> System.err.println("noodle: " + n));
        }
        return 0;
    }

    /** Writes each pack's heading line and one aligned line per node type. */
    static void print(NodeRegistry registry, PrintStream out) {
        for (PackInfo pack : registry.packs()) {
            String from = pack.custom() ? NodePacks.shown(pack.source()) : "built in";
            out.println(pack.label() + " (" + from + "): " + pack.nodeTypes().size() + " node type"
                    + (pack.nodeTypes().size() == 1 ? "" : "s"));
            List<NodeSchema> schemas = new ArrayList<>();
            pack.nodeTypes().forEach(t -> registry.find(t).ifPresent(d -> schemas.add(d.schema())));
            int typeWidth = schemas.stream().mapToInt(s -> s.type().length()).max().orElse(0);
            int nameWidth = schemas.stream().mapToInt(s -> s.displayName().length()).max().orElse(0);
            for (NodeSchema s : schemas) {
                out.println(("  %-" + typeWidth + "s  %-" + nameWidth + "s  %s").formatted(s.type(), s.displayName(),
                        s.category()).stripTrailing());
            }
        }
    }
}
