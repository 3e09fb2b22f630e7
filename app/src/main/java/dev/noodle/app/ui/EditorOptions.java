package dev.noodle.app.ui;

import java.nio.file.Path;

/**
 * What the editor opens with: a workflow file (nullable), the models and output folders, and the theme.
 *
 * @param workflow workflow file to open at start, or null for a new empty workflow
 * @param modelsDir folder holding checkpoints and other models
 * @param outputDir folder where output images are written
 * @param dark true to start with the dark theme
 * @param server a ComfyUI-compatible server to run workflows on ({@code --connect}), or null to run locally
 * @param customNodes true to load the node packs in {@code custom_nodes/} beside the models folder (the command line
 *     does unless {@code --disable-custom-nodes})
 * @param componentsDir the component library folder ({@code --components}), or null for {@code components/} beside
 *     the models folder
 */
public record EditorOptions(Path workflow, Path modelsDir, Path outputDir, boolean dark, java.net.URI server,
        boolean customNodes, Path componentsDir) {
    /** Options with the component library beside the models folder. */
    public EditorOptions(Path workflow, Path modelsDir, Path outputDir, boolean dark, java.net.URI server,
            boolean customNodes) {
        this(workflow, modelsDir, outputDir, dark, server, customNodes, null);
    }

    /** Options running workflows locally, without custom node packs. */
    public EditorOptions(Path workflow, Path modelsDir, Path outputDir, boolean dark) {
        this(workflow, modelsDir, outputDir, dark, null, false);
    }

    /** Options without custom node packs. */
    public EditorOptions(Path workflow, Path modelsDir, Path outputDir, boolean dark, java.net.URI server) {
        this(workflow, modelsDir, outputDir, dark, server, false);
    }

    /** The output folder as runs use it: {@link #outputDir()}, else {@code output} in the working folder. */
    public Path effectiveOutputDir() {
        return (outputDir != null ? outputDir : Path.of("output")).toAbsolutePath().normalize();
    }

    /** The input folder LoadImage reads: {@code input} beside the output folder, as the nodes' environment has it. */
    public Path inputDir() {
        Path out = effectiveOutputDir();
        return (out.getParent() == null ? out : out.getParent()).resolve("input");
    }

    /** The temp folder PreviewImage writes: {@code temp} beside the output folder. */
    public Path tempDir() {
        Path out = effectiveOutputDir();
        return (out.getParent() == null ? out : out.getParent()).resolve("temp");
    }

    /** The component library: {@link #componentsDir()}, else {@code components/} beside the models folder. */
    public dev.noodle.graph.library.ComponentLibrary componentLibrary() {
        if (componentsDir != null) {
            return new dev.noodle.graph.library.ComponentLibrary(componentsDir);
        }
        return dev.noodle.graph.library.ComponentLibrary.besideModels(modelsDir != null ? modelsDir : Path.of("models"));
    }
}
