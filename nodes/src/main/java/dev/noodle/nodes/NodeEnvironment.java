package dev.noodle.nodes;

import java.nio.file.Path;

/**
 * Where nodes find models and put files: the models root (ComfyUI layout), the output folder (SaveImage), the
 * input folder (LoadImage) and a temp folder (PreviewImage).
 */
public record NodeEnvironment(ModelFolders models, Path outputDir, Path inputDir, Path tempDir) {
    /** Models root and output folder; input and temp folders sit beside the output folder as in ComfyUI. */
    public static NodeEnvironment of(Path modelsRoot, Path outputDir) {
        Path out = outputDir.toAbsolutePath().normalize();
        Path parent = out.getParent() == null ? out : out.getParent();
        return new NodeEnvironment(new ModelFolders(modelsRoot), out, parent.resolve("input"), parent.resolve("temp"));
    }
}
