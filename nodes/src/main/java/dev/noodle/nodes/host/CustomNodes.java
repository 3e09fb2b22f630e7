package dev.noodle.nodes.host;

import java.nio.file.Path;

/**
 * Whether a front end loads third-party node packs, and from which folder: ComfyUI's layout, a {@code custom_nodes/}
 * folder beside the models folder. Packs are code the user chose to run, so they load only when a front end asks
 * (the CLI's {@code run}, {@code serve}, {@code nodes} and the editor, unless {@code --disable-custom-nodes}).
 *
 * @param folder the folder whose {@code *.jar} files are loaded, or null for none
 */
public record CustomNodes(Path folder) {
    /** The folder's name, as in ComfyUI. */
    public static final String FOLDER_NAME = "custom_nodes";

    /** Makes the folder absolute. */
    public CustomNodes {
        folder = folder == null ? null : folder.toAbsolutePath().normalize();
    }

    /** Loads no pack (only Noodle's own nodes). */
    public static CustomNodes disabled() {
        return new CustomNodes(null);
    }

    /** The {@code custom_nodes/} folder beside {@code modelsRoot} ({@code --models DIR}: DIR's parent's). */
    public static CustomNodes besideModels(Path modelsRoot) {
        Path models = modelsRoot.toAbsolutePath().normalize();
        Path parent = models.getParent() == null ? models : models.getParent();
        return new CustomNodes(parent.resolve(FOLDER_NAME));
    }

    /** {@link #disabled()} when {@code disable} ({@code --disable-custom-nodes}), else {@link #besideModels}. */
    public static CustomNodes of(boolean disable, Path modelsRoot) {
        return disable ? disabled() : besideModels(modelsRoot);
    }

    /** True when packs are loaded. */
    public boolean enabled() {
        return folder != null;
    }
}
