package dev.noodle.nodes.library;

import java.net.URI;
import java.util.Map;

/**
 * What a pasted model link points at, once understood: a Civitai model or version page, a Civitai download link, a
 * file in a Hugging Face repository, or any other http(s) address. Immutable; built by {@link ModelLinks#parse}.
 */
public sealed interface ModelLink {
    /** The link as the user gave it, with any credential in it removed, for messages and the library record. */
    String shown();

    /**
     * A Civitai model page, {@code /models/{modelId}[/{slug}][?modelVersionId={versionId}]}; {@code versionId} is
     * null when the page names no version (the newest version is meant).
     */
    record CivitaiModelPage(long modelId, Long versionId, String shown) implements ModelLink {}

    /**
     * A Civitai download link, {@code /api/download/models/{versionId}}, with its file choice (query parameters
     * {@code type}, {@code format}, {@code size}, {@code fp}) kept, lower-case keys.
     */
    record CivitaiDownload(long versionId, Map<String, String> fileChoice, String shown) implements ModelLink {
        public CivitaiDownload {
            fileChoice = Map.copyOf(fileChoice);
        }
    }

    /**
     * A file in a Hugging Face repository, from a {@code /resolve/} or {@code /blob/} link; {@code repoType} is
     * {@code "models"}, {@code "datasets"} or {@code "spaces"}, {@code repo} is {@code owner/name} (or a bare legacy
     * name), {@code revision} a branch, tag or commit, {@code path} the file's path in the repository.
     */
    record HuggingFaceFile(String repoType, String repo, String revision, String path, String shown)
            implements ModelLink {
        /** The file's name without its folders. */
        public String fileName() {
            return path.substring(path.lastIndexOf('/') + 1);
        }
    }

    /** Any other http or https address, downloaded as it is. */
    record DirectUrl(URI uri, String shown) implements ModelLink {}
}
