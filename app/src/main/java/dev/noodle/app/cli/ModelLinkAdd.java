package dev.noodle.app.cli;

import dev.noodle.nodes.library.DownloadSettings;
import dev.noodle.nodes.library.InstallResult;
import dev.noodle.nodes.library.LibraryException;
import dev.noodle.nodes.library.LinkInstaller;
import dev.noodle.nodes.library.ModelDownloads;
import dev.noodle.nodes.library.ModelLibrary;
import dev.noodle.nodes.library.ModelLinks;
import java.io.IOException;
import java.io.PrintStream;

/**
 * {@code noodle models add URL}: downloads a Civitai or Hugging Face link (or any http(s) address) with progress on
 * standard error, then files it. Tokens come from {@code CIVITAI_TOKEN} / {@code HF_TOKEN}, proxies from the usual
 * variables ({@link DownloadSettings#fromEnvironment()}).
 */
final class ModelLinkAdd {
    private ModelLinkAdd() {}

    /** True when the argument is a link rather than a file. */
    static boolean isLink(String item) {
        return ModelLinks.isLink(item);
    }

    /**
     * Downloads and files {@code link}.
     *
     * @throws LibraryException with one line saying what failed and what to do
     */
    static InstallResult install(ModelLibrary library, String link, PrintStream progressOut, boolean tty) {
        DownloadSettings settings;
        try {
            settings = DownloadSettings.fromEnvironment();
        } catch (IllegalArgumentException e) {
            throw new LibraryException(e.getMessage(), e);
        }
        DownloadConsole console = new DownloadConsole(progressOut, tty);
        try {
            progressOut.println("downloading " + shown(link) + " into "
                    + LinkInstaller.downloadsFolder(library.root()));
            return LinkInstaller.install(new ModelDownloads(settings), library, link, console);
        } catch (IOException e) {
            throw new LibraryException(e.getMessage(), e);
        } finally {
            console.finish();
        }
    }

    private static String shown(String link) {
        try {
            return ModelLinks.redact(java.net.URI.create(link.strip()));
        } catch (IllegalArgumentException e) {
            return "the link";
        }
    }
}
