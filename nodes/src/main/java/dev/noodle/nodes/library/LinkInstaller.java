package dev.noodle.nodes.library;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Installs a model from a link: downloads it into the models root's staging folder ({@code .downloads}, which no
 * model list shows), then files it with {@link ModelLibrary#install} (moved, with its source). Stateless.
 */
public final class LinkInstaller {
    /** The staging folder name under the models root. */
    public static final String DOWNLOADS = ".downloads";

    private LinkInstaller() {}

    /** The staging folder of a models root, where {@code NAME.part} files live until complete. */
    public static Path downloadsFolder(Path modelsRoot) {
        return modelsRoot.resolve(DOWNLOADS);
    }

    /**
     * Downloads {@code link} and files it.
     *
     * @throws IOException when the download fails (one line: what and what to do)
     * @throws LibraryException when the file cannot be filed; the complete download is then kept in the staging
     *     folder and the message says where
     */
    public static InstallResult install(ModelDownloads downloads, ModelLibrary library, String link,
            DownloadProgress progress) throws IOException {
        return file(library, downloads.download(link, downloadsFolder(library.root()), progress));
    }

    /**
     * Files a finished download (moved out of the staging folder, with its source).
     *
     * @throws LibraryException when it cannot be filed; the download is then kept and the message says where
     */
    public static InstallResult file(ModelLibrary library, DownloadedModel d) {
        try {
            return library.install(d.file(), d.toSource(), true);
        } catch (LibraryException e) {
            throw new LibraryException(e.getMessage() + " (the download is kept as " + d.file() + ")", e);
        }
    }
}
