package dev.noodle.nodes.library;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Downloads a model from a pasted link: understands the link ({@link ModelLinks}), asks the site what the file is
 * ({@link CivitaiApi}, {@link HuggingFaceFiles}), fetches it resumably and verified ({@link HttpDownloader}) and
 * returns the complete file with its source, for the library to file. Thread-safe.
 */
public final class ModelDownloads {
    private final DownloadSettings settings;
    private final HttpDownloader downloader;
    private final CivitaiApi civitai;
    private final HuggingFaceFiles huggingFace;

    /** Downloads with these settings. */
    public ModelDownloads(DownloadSettings settings) {
        this.settings = settings;
        this.downloader = new HttpDownloader(settings);
        SiteApi api = new SiteApi(downloader.client(), settings);
        this.civitai = new CivitaiApi(api);
        this.huggingFace = new HuggingFaceFiles(api);
    }

    /** The settings in use. */
    public DownloadSettings settings() {
        return settings;
    }

    /** What the link names, as its site describes it, without downloading the file. */
    public RemoteFile describe(String link) throws IOException {
        ModelLink parsed;
        try {
            parsed = ModelLinks.parse(link, settings);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        return describe(parsed);
    }

    private RemoteFile describe(ModelLink link) throws IOException {
        return switch (link) {
            case ModelLink.CivitaiModelPage p -> civitai.resolve(p);
            case ModelLink.CivitaiDownload d -> civitai.resolve(d);
            case ModelLink.HuggingFaceFile f -> huggingFace.resolve(f);
            case ModelLink.DirectUrl u -> new RemoteFile(u.uri(), RemoteSite.OTHER, u.shown(), null, -1, null,
                    null, null, null, null, List.of(), null);
        };
    }

    private static String pastedCivitaiKey(ModelLink parsed, String link) {
        if (!(parsed instanceof ModelLink.CivitaiDownload || parsed instanceof ModelLink.CivitaiModelPage)) {
            return null;
        }
        String key = ModelLinks.query(java.net.URI.create(link.strip())).get("token");
        return key == null || key.isBlank() ? null : key;
    }

    /**
     * Downloads the file a link names into {@code folder} (a staging folder such as {@code models/.downloads}):
     * partial data lives in {@code NAME.part} there until the file is complete and verified.
     *
     * @throws IOException with a one-line message saying what went wrong and what to do
     */
    public DownloadedModel download(String link, Path folder, DownloadProgress progress) throws IOException {
        ModelLink parsed;
        try {
            parsed = ModelLinks.parse(link, settings);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        String pastedKey = pastedCivitaiKey(parsed, link);
        if (pastedKey != null && settings.civitaiToken() == null) {
            // a Civitai link with ?token=KEY, as the site's guide shows: the key travels as a header from here on
            return new ModelDownloads(settings.withTokens(pastedKey, settings.huggingFaceToken()))
                    .download(link, folder, progress);
        }
        RemoteFile remote = describe(parsed);
        String token = switch (remote.site()) {
            case CIVITAI -> settings.civitaiToken();
            case HUGGING_FACE -> settings.huggingFaceToken();
            case OTHER -> null;
        };
        HttpDownloader.Result r = downloader.download(new HttpDownloader.Request(remote.download(), remote.site(),
                remote.pageUrl(), token, remote.sha256(), remote.size(), remote.fileName()), folder, progress);
        return new DownloadedModel(r.file(), parsed.shown(), remote.pageUrl(), r.sha256(), r.verified(),
                r.file().getFileName().toString(), remote.baseModel(), remote.triggerWords(), remote.notes(),
                remote.modelType(), remote.kindHint(), remote.site());
    }
}
