package dev.noodle.nodes.library;

import java.net.ProxySelector;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

/**
 * How model downloads reach the sites: their base addresses, the access tokens, the proxy and the retry limits.
 * Immutable; {@link #toString()} never shows a token.
 *
 * @param civitaiBase Civitai's address (https://civitai.com; a local server in tests)
 * @param huggingFaceBase Hugging Face's address (https://huggingface.co, or {@code HF_ENDPOINT})
 * @param civitaiToken Civitai API key for downloads that need a login, or null
 * @param huggingFaceToken Hugging Face access token for gated or private repositories, or null
 * @param proxy where connections go
 * @param attempts how many times one download is tried, resuming each time, before it gives up (at least 1)
 * @param maxRedirects how many redirects one request may follow
 * @param timeout how long to wait for a connection and for each answer's headers
 */
public record DownloadSettings(URI civitaiBase, URI huggingFaceBase, String civitaiToken, String huggingFaceToken,
        ProxySelector proxy, int attempts, int maxRedirects, Duration timeout) {
    /** The public sites. */
    public static final URI CIVITAI = URI.create("https://civitai.com");

    public static final URI HUGGING_FACE = URI.create("https://huggingface.co");

    public DownloadSettings {
        if (attempts < 1 || maxRedirects < 0) {
            throw new IllegalArgumentException("attempts must be at least 1 and maxRedirects not negative");
        }
        civitaiToken = blankToNull(civitaiToken);
        huggingFaceToken = blankToNull(huggingFaceToken);
    }

    /**
     * Settings from the environment: {@code CIVITAI_TOKEN} (or {@code CIVITAI_API_KEY}), {@code HF_TOKEN} (or
     * {@code HUGGING_FACE_HUB_TOKEN}), {@code HF_ENDPOINT}, the proxy variables of {@link ProxySettings}, and the
     * system properties {@code noodle.civitai.url} / {@code noodle.huggingface.url} to point at a mirror.
     */
    public static DownloadSettings fromEnvironment(Map<String, String> env, Properties props) {
        URI civitai = URI.create(props.getProperty("noodle.civitai.url", CIVITAI.toString()));
        String hfEnv = env.get("HF_ENDPOINT");
        URI hf = URI.create(props.getProperty("noodle.huggingface.url",
                hfEnv == null || hfEnv.isBlank() ? HUGGING_FACE.toString() : hfEnv.strip()));
        String civitaiToken = env.getOrDefault("CIVITAI_TOKEN", env.get("CIVITAI_API_KEY"));
        String hfToken = env.getOrDefault("HF_TOKEN", env.get("HUGGING_FACE_HUB_TOKEN"));
        return new DownloadSettings(civitai, hf, civitaiToken, hfToken, ProxySettings.selector(env, props), 4, 10,
                Duration.ofSeconds(30));
    }

    /** Settings for the current process. */
    public static DownloadSettings fromEnvironment() {
        return fromEnvironment(System.getenv(), System.getProperties());
    }

    /** The same settings with other site addresses (tests serve both sites from one local server). */
    public DownloadSettings withBases(URI civitai, URI huggingFace) {
        return new DownloadSettings(civitai, huggingFace, civitaiToken, huggingFaceToken, proxy, attempts,
                maxRedirects, timeout);
    }

    /** The same settings with other tokens. */
    public DownloadSettings withTokens(String civitai, String huggingFace) {
        return new DownloadSettings(civitaiBase, huggingFaceBase, civitai, huggingFace, proxy, attempts,
                maxRedirects, timeout);
    }

    /** The same settings with another number of attempts per download. */
    public DownloadSettings withAttempts(int n) {
        return new DownloadSettings(civitaiBase, huggingFaceBase, civitaiToken, huggingFaceToken, proxy, n,
                maxRedirects, timeout);
    }

    /** The same settings with another proxy selector. */
    public DownloadSettings withProxy(ProxySelector selector) {
        return new DownloadSettings(civitaiBase, huggingFaceBase, civitaiToken, huggingFaceToken, selector,
                attempts, maxRedirects, timeout);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    @Override
    public String toString() {
        return "DownloadSettings[civitai=" + civitaiBase + ", huggingFace=" + huggingFaceBase + ", civitaiToken="
                + (civitaiToken == null ? "none" : "set") + ", huggingFaceToken="
                + (huggingFaceToken == null ? "none" : "set") + ", proxy=" + proxy + ", attempts=" + attempts
                + ", maxRedirects=" + maxRedirects + ", timeout=" + timeout + "]";
    }
}
