package dev.noodle.nodes.library;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.util.Locale;

/**
 * Small requests to the sites' APIs (JSON answers, HEAD probes) through the download settings' proxy and timeouts,
 * with the site's token sent to the site's own host only. Thread-safe.
 */
final class SiteApi {
    /** Largest API answer read; a model with hundreds of versions stays far below. */
    static final int MAX_JSON = 32 << 20;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient client;
    private final DownloadSettings settings;

    SiteApi(HttpClient client, DownloadSettings settings) {
        this.client = client;
        this.settings = settings;
    }

    DownloadSettings settings() {
        return settings;
    }

    /** The answer to GET {@code uri} as JSON; a refusal or a non-JSON answer is a one-line IOException. */
    JsonNode getJson(URI uri, String token, RemoteSite site, String page) throws IOException {
        URI at = uri;
        HttpResponse<InputStream> r = send(request(at, token).GET().header("Accept", "application/json").build(), at);
        // a renamed repository or model answers with a redirect on the same site: follow it, the token stays home
        for (int hop = 0; isRedirect(r.statusCode()) && hop < settings.maxRedirects(); hop++) {
            r.body().close();
            URI next = redirectTarget(at, r);
            if (next == null || !sameHost(next, uri)) {
                break;
            }
            at = next;
            r = send(request(at, token).GET().header("Accept", "application/json").build(), at);
        }
        String shown = ModelLinks.redact(at);
        try (InputStream body = r.body()) {
            int status = r.statusCode();
            if (status == 401 || status == 403) {
                throw new IOException("Refused (HTTP " + status + "): " + site.loginAdvice(page, token != null));
            }
            if (status == 407) {
                throw new IOException("The proxy asks for a login (HTTP 407) to reach " + shown + "; Noodle does not"
                        + " send proxy passwords: use a proxy that needs none");
            }
            if (status == 404) {
                throw new IOException(site.title() + " has nothing at " + shown + " (HTTP 404): check the link " + page);
            }
            if (status != 200) {
                throw new IOException(site.title() + " answered HTTP " + status + " for " + shown
                        + "; try again later");
            }
            byte[] bytes = body.readNBytes(MAX_JSON + 1);
            if (bytes.length > MAX_JSON) {
                throw new IOException(shown + " answered more than " + (MAX_JSON >> 20) + " MB; not an API answer");
            }
            try {
                JsonNode node = JSON.readTree(bytes);
                if (node == null || !(node.isObject() || node.isArray())) {
                    throw new IOException(shown + " did not answer with JSON; is " + site.title()
                            + " reachable (not a login page or proxy error)?");
                }
                return node;
            } catch (JacksonException e) {
                throw new IOException(shown + " did not answer with JSON (" + e.getOriginalMessage() + "); is "
                        + site.title() + " reachable (not a login page or proxy error)?");
            }
        }
    }

    /**
     * HEAD {@code uri}, following redirects within the same site (a renamed repository) but not to another host
     * (the storage a file redirects to), so the site's own headers are what is returned.
     */
    HttpResponse<Void> head(URI uri, String token) throws IOException {
        URI at = uri;
        for (int hop = 0; ; hop++) {
            HttpRequest req = request(at, token).method("HEAD", HttpRequest.BodyPublishers.noBody()).build();
            HttpResponse<Void> r;
            try {
                r = client.send(req, HttpResponse.BodyHandlers.discarding());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while asking " + at.getHost());
            } catch (IOException e) {
                throw explain(e, at);
            }
            URI next = isRedirect(r.statusCode()) ? redirectTarget(at, r) : null;
            if (next == null || !sameHost(next, uri) || hop >= settings.maxRedirects()
                    || HttpAnswers.isLoginPage(next)) {
                return r;
            }
            at = next;
        }
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private static URI redirectTarget(URI at, HttpResponse<?> r) {
        try {
            return r.headers().firstValue("Location").map(l -> at.resolve(l.strip())).orElse(null);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static boolean sameHost(URI a, URI b) {
        return a.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost())
                && ModelLinks.port(a) == ModelLinks.port(b);
    }

    private HttpRequest.Builder request(URI uri, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(settings.timeout()).header("User-Agent", "Noodle");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    private HttpResponse<InputStream> send(HttpRequest req, URI uri) throws IOException {
        try {
            return client.send(req, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while asking " + uri.getHost());
        } catch (IOException e) {
            throw explain(e, uri);
        }
    }

    private static IOException explain(IOException e, URI uri) {
        String host = uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "");
        if (e instanceof HttpTimeoutException) {
            return new IOException(host + " did not answer in time; try again later", e);
        }
        if (e instanceof ConnectException) {
            return new IOException("Could not connect to " + host + "; check the network or the proxy settings"
                    + " (https_proxy, no_proxy)", e);
        }
        if (e instanceof UnknownHostException) {
            return new IOException("The name " + uri.getHost() + " does not resolve: no network, or DNS is not"
                    + " working", e);
        }
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new IOException("Asking " + host + " failed (" + m + ")", e);
    }

    /** A text field, or null when absent, null or blank. */
    static String text(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        if (v == null || v.isNull() || !v.isValueNode()) {
            return null;
        }
        String s = v.asText().strip();
        return s.isEmpty() ? null : s;
    }

    /** 64 hex digits, lower-case, or null. */
    static String sha256(String s) {
        if (s == null) {
            return null;
        }
        String t = s.strip();
        if (t.startsWith("W/")) {
            t = t.substring(2);
        }
        t = t.replace("\"", "");
        if (t.startsWith("sha256:")) {
            t = t.substring(7);
        }
        return t.matches("[0-9a-fA-F]{64}") ? t.toLowerCase(Locale.ROOT) : null;
    }
}
