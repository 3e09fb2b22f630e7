package dev.noodle.nodes.library;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads pasted links into {@link ModelLink}s: Civitai model pages and download links, Hugging Face {@code /resolve/}
 * and {@code /blob/} links, or plain http(s) addresses. The sites are recognised by their public host names and by
 * the base addresses in {@link DownloadSettings} (which tests point at a local server). Stateless.
 */
public final class ModelLinks {
    private ModelLinks() {}

    /** True when {@code text} looks like a web address rather than a file path. */
    public static boolean isLink(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        return t.startsWith("http://") || t.startsWith("https://");
    }

    /**
     * Understands one link.
     *
     * @throws IllegalArgumentException with a one-line message naming the link when it is not an http(s) address or
     *     is a Civitai/Hugging Face address that names no model file
     */
    public static ModelLink parse(String text, DownloadSettings settings) {
        URI uri;
        try {
            uri = new URI(text.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + text + "' is not a web address (" + e.getReason() + ")");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new IllegalArgumentException("'" + redact(uri) + "' is not an http or https address");
        }
        String shown = redact(uri);
        List<String> segments = segments(uri);
        Map<String, String> query = query(uri);
        boolean civitai = sameSite(uri, settings.civitaiBase(), "civitai.com", "civitai.green");
        boolean huggingFace = sameSite(uri, settings.huggingFaceBase(), "huggingface.co", "hf.co");
        // a mirror may serve both sites from one address: Civitai's link shapes decide
        if (civitai && (!huggingFace || civitaiShaped(segments))) {
            return civitai(segments, query, shown);
        }
        if (huggingFace) {
            return huggingFace(segments, shown);
        }
        return new ModelLink.DirectUrl(uri, shown);
    }

    private static boolean civitaiShaped(List<String> s) {
        return s.size() >= 2 && (s.get(0).equals("models") || s.get(0).equals("api") && s.get(1).equals("download"));
    }

    private static ModelLink civitai(List<String> s, Map<String, String> query, String shown) {
        // /api/download/models/{versionId}
        if (s.size() >= 4 && s.get(0).equals("api") && s.get(1).equals("download") && s.get(2).equals("models")) {
            Map<String, String> choice = new LinkedHashMap<>();
            for (String k : List.of("type", "format", "size", "fp")) {
                if (query.containsKey(k)) {
                    choice.put(k, query.get(k));
                }
            }
            return new ModelLink.CivitaiDownload(id(s.get(3), "model version", shown), choice, shown);
        }
        // /models/{modelId}[/{slug}][?modelVersionId={v}]
        if (s.size() >= 2 && s.get(0).equals("models")) {
            long model = id(s.get(1), "model", shown);
            String v = query.get("modelversionid");
            return new ModelLink.CivitaiModelPage(model, v == null ? null : id(v, "model version", shown), shown);
        }
        throw new IllegalArgumentException("'" + shown + "' is a Civitai address but not a model page"
                + " (civitai.com/models/ID) or a download link (civitai.com/api/download/models/VERSION)");
    }

    private static ModelLink huggingFace(List<String> s, String shown) {
        int at = -1;
        for (int i = 1; i < s.size(); i++) {
            if (s.get(i).equals("resolve") || s.get(i).equals("blob")) {
                at = i;
                break;
            }
        }
        String type = "models";
        int start = 0;
        if (!s.isEmpty() && (s.get(0).equals("datasets") || s.get(0).equals("spaces"))) {
            type = s.get(0);
            start = 1;
        }
        int repoLength = at - start;
        if (at < 0 || repoLength < 1 || repoLength > 2 || s.size() < at + 3) {
            throw new IllegalArgumentException("'" + shown + "' is a Hugging Face address but not a file link; copy"
                    + " the file's download link (…/resolve/main/FILE) or its page (…/blob/main/FILE) from the"
                    + " repository's Files tab");
        }
        String repo = String.join("/", s.subList(start, at));
        String revision = s.get(at + 1);
        String path = String.join("/", s.subList(at + 2, s.size()));
        return new ModelLink.HuggingFaceFile(type, repo, revision, path, shown);
    }

    private static long id(String text, String what, String shown) {
        try {
            long id = Long.parseLong(text);
            if (id > 0) {
                return id;
            }
        } catch (NumberFormatException ignored) {
            // explained below
        }
        throw new IllegalArgumentException("'" + shown + "': '" + text + "' is not a Civitai " + what + " number");
    }

    /** The link's host is the site's public host (or a subdomain of it) or the configured base's host and port. */
    static boolean sameSite(URI uri, URI base, String... publicHosts) {
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        if (host.equalsIgnoreCase(base.getHost()) && port(uri) == port(base)) {
            return true;
        }
        for (String p : publicHosts) {
            if (host.equals(p) || host.endsWith("." + p)) {
                return true;
            }
        }
        return false;
    }

    static int port(URI uri) {
        if (uri.getPort() >= 0) {
            return uri.getPort();
        }
        return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    /** Path segments, each percent-decoded (so {@code refs%2Fpr%2F1} stays one segment). */
    static List<String> segments(URI uri) {
        List<String> out = new ArrayList<>();
        String raw = uri.getRawPath() == null ? "" : uri.getRawPath();
        for (String seg : raw.split("/")) {
            if (!seg.isEmpty()) {
                out.add(URLDecoder.decode(seg.replace("+", "%2B"), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    /** Query parameters with lower-case names; the first value of each wins. */
    static Map<String, String> query(URI uri) {
        Map<String, String> out = new LinkedHashMap<>();
        String raw = uri.getRawQuery();
        if (raw == null) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.putIfAbsent(k.toLowerCase(Locale.ROOT), v);
        }
        return out;
    }

    /**
     * The address without credentials: user info and any {@code token}, {@code api_key} or signature parameter are
     * dropped, so messages and records never carry a secret.
     */
    public static String redact(URI uri) {
        StringBuilder b = new StringBuilder();
        if (uri.getScheme() != null) {
            b.append(uri.getScheme()).append("://");
        }
        if (uri.getHost() != null) {
            b.append(uri.getHost());
            if (uri.getPort() >= 0) {
                b.append(':').append(uri.getPort());
            }
        }
        b.append(uri.getRawPath() == null ? "" : uri.getRawPath());
        String raw = uri.getRawQuery();
        if (raw != null) {
            List<String> kept = new ArrayList<>();
            for (String pair : raw.split("&")) {
                String k = pair.contains("=") ? pair.substring(0, pair.indexOf('=')) : pair;
                String lk = k.toLowerCase(Locale.ROOT);
                if (!(lk.equals("token") || lk.equals("api_key") || lk.equals("apikey") || lk.startsWith("x-amz-")
                        || lk.equals("signature") || lk.equals("key-pair-id") || lk.equals("policy"))) {
                    kept.add(pair);
                }
            }
            if (!kept.isEmpty()) {
                b.append('?').append(String.join("&", kept));
            }
        }
        return b.toString();
    }
}
