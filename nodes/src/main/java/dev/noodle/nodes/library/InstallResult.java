package dev.noodle.nodes.library;

import java.nio.file.Path;

/**
 * What {@link ModelLibrary#install} did with one file.
 *
 * @param entry the library's row for the file, as recorded
 * @param identification what the file was identified as (before sidecars and source refined the base)
 * @param destination where the file now is
 * @param shownPath the destination as shown to people, from the models folder on ({@code models/loras/x.safetensors})
 * @param alreadyPresent true when the same file (same SHA-256) already was at the destination, so nothing was copied
 */
public record InstallResult(ModelEntry entry, Identification identification, Path destination, String shownPath,
        boolean alreadyPresent) {
    /** One line for people: "filed x.safetensors as LoRA for SDXL in models/loras/x.safetensors (sha256 …)". */
    public String summary() {
        String what = entry.describe();
        String where = shownPath;
        return (alreadyPresent ? "already filed " : "filed ") + destination.getFileName() + " as " + what + " in "
                + where + " (sha256 " + entry.sha256() + ")";
    }
}
