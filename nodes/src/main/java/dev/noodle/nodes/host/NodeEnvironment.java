package dev.noodle.nodes.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Where nodes find models and put files: the models root (ComfyUI layout) plus the folders of an
 * {@code extra_model_paths.yaml}, the output folder (SaveImage), the input folder (LoadImage) and a temp folder
 * (PreviewImage).
 */
public record NodeEnvironment(ModelFolders models, Path outputDir, Path inputDir, Path tempDir) {
    /**
     * Models root and output folder; input and temp folders sit beside the output folder as in ComfyUI. An
     * {@code extra_model_paths.yaml} beside the models folder is read when there is one (what it skipped is in
     * {@code models().extra().warnings()}).
     */
    public static NodeEnvironment of(Path modelsRoot, Path outputDir) {
        return of(modelsRoot, outputDir, null);
    }

    /**
     * As {@link #of(Path, Path)}, reading {@code extraModelPaths} instead of the file beside the models folder when it
     * is not null.
     *
     * @throws UncheckedIOException naming the file when the given file cannot be read
     */
    public static NodeEnvironment of(Path modelsRoot, Path outputDir, Path extraModelPaths) {
        Path out = outputDir.toAbsolutePath().normalize();
        Path parent = out.getParent() == null ? out : out.getParent();
        Path yaml = extraModelPaths != null ? extraModelPaths : ExtraModelPaths.besideModels(modelsRoot);
        ExtraModelPaths extra = ExtraModelPaths.none();
        if (yaml != null) {
            try {
                extra = ExtraModelPaths.load(yaml);
            } catch (java.nio.file.NoSuchFileException e) {
                throw new UncheckedIOException("the extra model paths file " + yaml + " does not exist", e);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the extra model paths file " + yaml + ": "
                        + e.getMessage(), e);
            }
        }
        return new NodeEnvironment(new ModelFolders(modelsRoot, extra), out, parent.resolve("input"),
                parent.resolve("temp"));
    }
}
