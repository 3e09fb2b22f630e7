package dev.noodle.nodes.library;

import dev.noodle.nodes.host.ModelKind;
import java.nio.file.Path;
import java.util.List;

/**
 * A downloaded, complete model file and where it came from, ready to be filed into the library. Immutable.
 *
 * @param file the file, under its final name in the download folder
 * @param url the link the user gave (without credentials)
 * @param pageUrl the model's page, or the link itself when there is no page
 * @param sha256 the file's SHA-256 (lower-case hex), computed while downloading
 * @param verified whether the site published a SHA-256 and it matched
 * @param fileName the file's name as published
 * @param baseModel the site's base model, or null
 * @param triggerWords trigger words from the page, possibly empty
 * @param notes the page's description, or null
 * @param modelType the site's word for the kind, or null
 * @param kindHint the folder the site's kind suggests, or null
 * @param site the site it came from
 */
public record DownloadedModel(Path file, String url, String pageUrl, String sha256, boolean verified,
        String fileName, String baseModel, List<String> triggerWords, String notes, String modelType,
        ModelKind kindHint, RemoteSite site) {
    public DownloadedModel {
        triggerWords = List.copyOf(triggerWords);
    }

    /** What the library records of this download's source; the base comes from the page's label when Noodle knows it. */
    public SourceInfo toSource() {
        return new SourceInfo(url, pageUrl, verified ? sha256 : null, triggerWords, notes,
                BaseModel.fromLabel(baseModel).orElse(null));
    }
}
