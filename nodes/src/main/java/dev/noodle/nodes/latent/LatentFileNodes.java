package dev.noodle.nodes.latent;

import dev.noodle.engine.io.LatentFile;
import dev.noodle.graph.node.MessageLevel;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.graph.spec.StringInput;
import dev.noodle.nodes.host.ImageFiles;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NodeSupport;
import dev.noodle.nodes.host.WorkflowTexts;
import dev.noodle.nodes.loaders.LoaderNodes;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.LatentValue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * SaveLatent and LoadLatent: latents kept as ComfyUI's {@code .latent} files ({@link LatentFile}), saved into the
 * output folder with SaveImage's {@code prefix_00001_} counters and loaded from the input folder.
 */
public final class LatentFileNodes {
    private LatentFileNodes() {}

    /**
     * Writes the latent as the next free {@code prefix_NNNNN_.latent} under the output folder, with the run's
     * {@code prompt} (empty when the run has none) and {@code workflow} as metadata, as ComfyUI's SaveLatent.
     */
    public static Path save(NodeContext ctx, Path outputDir, String prefix, LatentValue latent) throws IOException {
        ImageFiles.SaveTarget t = ImageFiles.splitPrefix(outputDir, prefix);
        Files.createDirectories(t.folder());
        Map<String, String> meta = WorkflowTexts.forSavedFile(ctx, "the latent file");
        Path file;
        synchronized (LatentFileNodes.class) { // counters must not collide between concurrent saves
            int counter = ImageFiles.nextCounter(t.folder(), t.name());
            file = t.folder().resolve(String.format("%s_%05d_.latent", t.name(), counter));
            HeapTensor s = latent.samples();
            LatentFile.write(file, s.shape(), s.data(), meta);
        }
        return file;
    }

    /** SaveLatent: the latent as a {@code .latent} file in the output folder. */
    public static final class SaveLatent extends Node {
        static final SocketInput<LatentValue> SAMPLES = SocketInput.of("samples", PortType.LATENT, LatentValue.class);
        static final StringInput FILENAME_PREFIX = StringInput.of("filename_prefix", "latents/ComfyUI");

        private final NodeEnvironment env;

        public SaveLatent(NodeEnvironment env) {
            super(NodeSupport.schema("SaveLatent", "SaveLatent", "_for_testing",
                            "Saves the latent as a .latent file in the output folder (latents/ComfyUI_00001_.latent,"
                                    + " counting up); copy it to the input folder to load it with LoadLatent.")
                    .input(SAMPLES)
                    .input(FILENAME_PREFIX)
                    .outputNode(true));
            this.env = env;
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) throws IOException {
            LatentValue l = ctx.inputs().get(SAMPLES);
            LatentOps.requireLatent("SaveLatent", "samples", l);
            Path file = save(ctx, env.outputDir(), ctx.inputs().get(FILENAME_PREFIX), l);
            ctx.message(MessageLevel.INFO, "saved " + env.outputDir().relativize(file));
            return new NodeOutputs(List.of(), Map.of("latents", List.of(file)));
        }
    }

    /**
     * LoadLatent: a {@code .latent} file from the input folder. The {@code latent} input is an instance constant:
     * its options are this environment's input folder.
     */
    public static final class LoadLatent extends Node {
        private final NodeEnvironment env;
        private final ComboInput latent;

        public LoadLatent(NodeEnvironment env) {
            this(env, ComboInput.dynamic("latent", () -> files(env)));
        }

        private LoadLatent(NodeEnvironment env, ComboInput latent) {
            super(NodeSupport.schema("LoadLatent", "LoadLatent", "_for_testing",
                            "Loads a .latent file (as SaveLatent writes them, in ComfyUI's format) from the input"
                                    + " folder.")
                    .input(latent)
                    .output(PortType.LATENT, "LATENT"));
            this.env = env;
            this.latent = latent;
        }

        /** The {@code .latent} files directly in the input folder, sorted, as ComfyUI lists them. */
        static List<String> files(NodeEnvironment env) {
            List<String> names = new ArrayList<>();
            Path dir = env.inputDir();
            if (Files.isDirectory(dir)) {
                try (var s = Files.list(dir)) {
                    s.filter(Files::isRegularFile).map(p -> p.getFileName().toString())
                            .filter(n -> n.endsWith(".latent")).sorted().forEach(names::add);
                } catch (IOException e) {
                    // an unreadable folder lists nothing
                }
            }
            return names;
        }

        private Path file(NodeInputs in) {
            String name = in.get(latent);
            Path p = env.inputDir().resolve(name).normalize();
            if (!p.startsWith(env.inputDir().normalize()) || Path.of(name).isAbsolute()) {
                throw new IllegalArgumentException("LoadLatent: '" + name + "' is outside the input folder "
                        + env.inputDir());
            }
            return p;
        }

        @Override
        public Optional<String> changeFingerprint(NodeInputs inputs) {
            return LoaderNodes.fileFingerprint(file(inputs));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            Path p = file(ctx.inputs());
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException("LoadLatent: the latent file '" + p.getFileName() + "' is not in"
                        + " the input folder " + env.inputDir() + "; put the .latent file there (SaveLatent writes"
                        + " them to the output folder)");
            }
            LatentFile.Latent l = LatentFile.read(p);
            if (l.oldFormat()) {
                ctx.message(MessageLevel.INFO, "this .latent file has ComfyUI's first format (scaled by 0.18215);"
                        + " it was rescaled as ComfyUI does");
            }
            return NodeOutputs.of(LatentValue.of(new HeapTensor(l.shape(), l.data())));
        }
    }
}
