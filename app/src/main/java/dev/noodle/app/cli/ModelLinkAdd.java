package dev.noodle.app.cli;

import dev.noodle.nodes.library.DownloadSettings;
import dev.noodle.nodes.library.DownloadedModel;
import dev.noodle.nodes.library.InstallResult;
import dev.noodle.nodes.library.LibraryException;
import dev.noodle.nodes.library.LinkInstaller;
import dev.noodle.nodes.library.ModelDownloads;
import dev.noodle.nodes.library.ModelLibrary;
import dev.noodle.nodes.library.ModelLinks;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The links among {@code noodle models add} arguments: downloaded first (progress on standard error), before the
 * library is opened, so a long download does not keep the library busy for other Noodle processes; then filed like
 * files. Tokens come from {@code CIVITAI_TOKEN} / {@code HF_TOKEN}, proxies from the usual variables ({@link
 * DownloadSettings#fromEnvironment()}). Used from one thread.
 */
final class ModelLinkAdd {
    private final Map<String, DownloadedModel> fetched = new LinkedHashMap<>();
    private final List<String> failedLinks = new ArrayList<>();

    private ModelLinkAdd() {}

    /** Downloads every link among {@code items} into the staging folder of {@code models}; failures are printed. */
    static ModelLinkAdd fetch(List<String> items, Path models, PrintStream err) {
        ModelLinkAdd links = new ModelLinkAdd();
        ModelDownloads downloads = null;
        for (String item : items) {
            if (!ModelLinks.isLink(item)) {
                continue;
            }
            DownloadConsole console = new DownloadConsole(err, System.console() != null);
            try {
                if (downloads == null) {
                    downloads = new ModelDownloads(DownloadSettings.fromEnvironment());
                }
                Path staging = LinkInstaller.downloadsFolder(models.toAbsolutePath().normalize());
                err.println("downloading " + shown(item) + " into " + staging);
                links.fetched.put(item, downloads.download(item, staging, console));
            } catch (IOException | IllegalArgumentException e) {
                console.finish();
                err.println("noodle: " + e.getMessage());
                links.failedLinks.add(item);
            } finally {
                console.finish();
            }
        }
        return links;
    }

    /** How many links could not be downloaded (already reported). */
    int failed() {
        return failedLinks.size();
    }

    /** The items left to file: files, and the links that were downloaded. */
    List<String> remaining(List<String> items) {
        return items.stream().filter(i -> !failedLinks.contains(i)).toList();
    }

    /**
     * Files one item: a downloaded link with its source, or a file.
     *
     * @throws LibraryException naming what could not be filed
     */
    InstallResult install(ModelLibrary library, String item, boolean move) {
        DownloadedModel d = fetched.get(item);
        return d != null ? LinkInstaller.file(library, d) : library.install(Path.of(item), null, move);
    }

    private static String shown(String link) {
        try {
            return ModelLinks.redact(URI.create(link.strip()));
        } catch (IllegalArgumentException e) {
            return "the link";
        }
    }
}
