package dev.noodle.app.cli;

import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.nodes.host.ModelKind;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.interop.ModelHashCache;
import dev.noodle.nodes.interop.WorkflowSources;
import dev.noodle.nodes.library.ModelLibrary;
import dev.noodle.nodes.library.WorkflowModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads any workflow file the CLI accepts: Noodle JSON, a ComfyUI API prompt or UI workflow, or a PNG made by
 * Noodle, ComfyUI or AUTOMATIC1111 (its embedded workflow, or its infotext as an equivalent graph).
 */
final class WorkflowLoader {
    private WorkflowLoader() {}

    /** Loads the file; IOExceptions carry a user-facing message naming the file. Starts no engine. */
    static Workflow load(Path file, NodeRegistry registry, NodeEnvironment env) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException(folderMessage(file));
        }
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file + ": no such workflow file; check the path");
        }
        return new WorkflowSources(registry, env.models().list(ModelKind.CHECKPOINTS)).open(file);
    }

    /**
     * Finds the models {@code wf} recorded in the folders (by SHA-256, then by name; see {@link WorkflowModels}),
     * printing on stderr each model found under another name and each file with another hash; returns the workflow
     * using the local names.
     *
     * @throws IOException listing, one line each, every model found nowhere with its SHA-256, source and how to get it
     */
    static Workflow findModels(Path file, Workflow wf, NodeEnvironment env) throws IOException {
        WorkflowModels.Resolution found = WorkflowModels.resolve(wf, env.models(),
                new ModelHashCache(ModelLibrary.hashStore(env.models().root())));
        found.notices().forEach(n -> System.err.println("noodle: " + n));
        found.warnings().forEach(w -> System.err.println("noodle: warning: " + w));
        if (!found.missing().isEmpty()) {
            StringBuilder sb = new StringBuilder().append(found.missing().size()).append(" model(s) used by ")
                    .append(file).append(" are in no models folder (looked by SHA-256 and by name); nothing was run:");
            for (WorkflowModels.Missing m : found.missing()) {
                sb.append(System.lineSeparator()).append("missing: ").append(m.describe())
                        .append(System.lineSeparator()).append("  ").append(m.hint());
            }
            throw new IOException(sb.toString());
        }
        return found.workflow();
    }

    /** What to say when a folder was given where a workflow file belongs: that it is one, and its workflow files. */
    static String folderMessage(Path dir) {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().matches("(?i).*\\.(json|png)$"))
                    .sorted().toList();
        } catch (IOException e) {
            files = List.of();
        }
        StringBuilder sb = new StringBuilder("noodle: ").append(dir).append(" is a folder; give one workflow file");
        if (files.isEmpty()) {
            return sb.append(" (this folder holds no .json or .png files)").toString();
        }
        sb.append(", e.g. noodle run ").append(files.get(0)).append(". The workflow files in it:");
        files.forEach(f -> sb.append(System.lineSeparator()).append("  ").append(f));
        return sb.toString();
    }
}
