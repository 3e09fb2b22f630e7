package dev.noodle.nodes.library;

import java.util.List;

/**
 * What the caller knows about where a file came from, for {@link ModelLibrary#install}; every field may be null or
 * empty. A download passes the URL it fetched and the SHA-256 the site publishes; a drop on the editor passes nothing.
 *
 * @param url the URL the file was downloaded from
 * @param pageUrl the model's page (Civitai model/version page, Hugging Face repository)
 * @param expectedSha256 the SHA-256 the source publishes; a file with another hash is refused
 * @param triggerWords trigger words from the model page
 * @param notes free text kept with the file (the page's description)
 * @param base the base model the page names (used where the file does not tell, and for Pony)
 */
public record SourceInfo(String url, String pageUrl, String expectedSha256, List<String> triggerWords, String notes,
        BaseModel base) {
    public SourceInfo {
        url = url == null ? "" : url.strip();
        pageUrl = pageUrl == null ? "" : pageUrl.strip();
        expectedSha256 = expectedSha256 == null ? "" : expectedSha256.strip().toLowerCase(java.util.Locale.ROOT);
        triggerWords = triggerWords == null ? List.of() : List.copyOf(triggerWords);
        notes = notes == null ? "" : notes;
    }

    /** Nothing known about the source. */
    public static SourceInfo none() {
        return new SourceInfo(null, null, null, null, null, null);
    }

    /** Only the download URL. */
    public static SourceInfo fromUrl(String url) {
        return new SourceInfo(url, null, null, null, null, null);
    }
}
