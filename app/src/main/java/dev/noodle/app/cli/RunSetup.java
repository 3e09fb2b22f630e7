package dev.noodle.app.cli;

import dev.noodle.nodes.host.CustomNodes;
import dev.noodle.nodes.host.NodePacks;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What {@code run} and {@code sweep} set up before they read a workflow: the file checked, the folders, and the node
 * set (Noodle's nodes and the custom packs), with every problem printed as one line on stderr.
 *
 * @param env the folders
 * @param registry the node types
 * @param packs the loaded node packs (close when done)
 */
record RunSetup(NodeEnvironment env, NodeRegistry registry, NodePacks packs) {
    /** Sets up for {@code file}; null (after printing why) when the command should exit with status 2. */
    static RunSetup open(Path file, Path models, Path out, Path extraModelPaths, boolean disableCustomNodes) {
        if (Files.isDirectory(file)) {
            System.err.println(WorkflowLoader.folderMessage(file));
            return null;
        }
        if (!Files.isRegularFile(file)) {
            System.err.println("noodle: " + file + ": no such workflow file; check the path");
            return null;
        }
        NodeEnvironment env;
        try {
            env = NodeEnvironment.of(models, out, extraModelPaths);
        } catch (java.io.UncheckedIOException e) {
            System.err.println("noodle: " + e.getMessage());
            return null;
        }
        env.models().extra().warnings().forEach(w -> System.err.println("noodle: warning: " + w));
        // The file is read and validated before the engine starts (seconds), so a mistake is reported at once; the
        // node set is built once, for that and for the run.
        CustomNodes custom = CustomNodes.of(disableCustomNodes, env.models().root());
        NodeRegistry registry = NoodleNodes.standardRegistry(env);
        NodePacks packs = NodePacks.load(custom, registry, env);
        packs.problems().forEach(w -> System.err.println("noodle: warning: " + w));
        packs.notice().ifPresent(n -> System.err.println("noodle: " + n));
        return new RunSetup(env, registry, packs);
    }
}
