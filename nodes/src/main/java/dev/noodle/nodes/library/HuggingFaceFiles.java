package dev.noodle.nodes.library;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Finds the download address and the published SHA-256 of a Hugging Face file: {@code /blob/} links become
 * {@code /resolve/} links; the SHA-256 of a Git LFS file is the {@code X-Linked-Etag} (or {@code ETag}) of a HEAD on
 * the resolve address, else the {@code lfs.oid} in {@code /api/{models|datasets|spaces}/{repo}/tree/{revision}}. A
 * small file kept in Git has no published SHA-256. Thread-safe.
 */
public final class HuggingFaceFiles {
    private final SiteApi api;

    HuggingFaceFiles(SiteApi api) {
        this.api = api;
    }

    /** The file behind a Hugging Face link. */
    public RemoteFile resolve(ModelLink.HuggingFaceFile f) throws IOException {
        String prefix = f.repoType().equals("models") ? "" : f.repoType() + "/";
        URI resolve = base("/" + prefix + path(f.repo()) + "/resolve/" + seg(f.revision()) + "/" + path(f.path()));
        String page = base("/" + prefix + path(f.repo()) + "/blob/" + seg(f.revision()) + "/" + path(f.path()))
                .toString();
        String token = api.settings().huggingFaceToken();
        HttpResponse<Void> head = api.head(resolve, token);
        int status = head.statusCode();
        if (status == 401 || status == 403) {
            throw new IOException("Refused (HTTP " + status + "): " + RemoteSite.HUGGING_FACE.loginAdvice(page,
                    token != null));
        }
        if (status == 404) {
            throw new IOException("Hugging Face has no file " + f.path() + " at revision " + f.revision() + " of "
                    + f.repo() + " (HTTP 404): check the link " + f.shown());
        }
        if (status >= 300 && status < 400) {
            String location = head.headers().firstValue("Location").orElse("");
            if (!location.isEmpty() && HttpAnswers.isLoginPage(head.uri().resolve(location))) {
                throw new IOException("Not downloaded: " + RemoteSite.HUGGING_FACE.loginAdvice(page, token != null));
            }
        }
        String sha = SiteApi.sha256(head.headers().firstValue("X-Linked-Etag").orElse(null));
        if (sha == null) {
            sha = SiteApi.sha256(head.headers().firstValue("ETag").orElse(null));
        }
        long size = HttpAnswers.parseOr(head.headers().firstValue("X-Linked-Size").orElse(""), -1);
        if (sha == null) {
            JsonNode entry = treeEntry(f, page, token);
            if (entry != null) {
                sha = SiteApi.sha256(SiteApi.text(entry.path("lfs"), "oid"));
                size = entry.path("size").asLong(size);
            }
        }
        return new RemoteFile(resolve, RemoteSite.HUGGING_FACE, page, sha, size, f.fileName(), f.repo(),
                f.revision(), null, null, List.of(), null);
    }

    private JsonNode treeEntry(ModelLink.HuggingFaceFile f, String page, String token) throws IOException {
        int slash = f.path().lastIndexOf('/');
        String dir = slash < 0 ? "" : "/" + path(f.path().substring(0, slash));
        URI tree = base("/api/" + f.repoType() + "/" + path(f.repo()) + "/tree/" + seg(f.revision()) + dir);
        JsonNode list = api.getJson(tree, token, RemoteSite.HUGGING_FACE, page);
        for (JsonNode e : list) {
            if (f.path().equals(SiteApi.text(e, "path"))) {
                return e;
            }
        }
        return null;
    }

    private URI base(String path) {
        String b = api.settings().huggingFaceBase().toString();
        return URI.create((b.endsWith("/") ? b.substring(0, b.length() - 1) : b) + path);
    }

    /** Each segment of a slash path percent-encoded. */
    private static String path(String p) {
        StringBuilder b = new StringBuilder();
        for (String s : p.split("/")) {
            if (!b.isEmpty()) {
                b.append('/');
            }
            b.append(seg(s));
        }
        return b.toString();
    }

    private static String seg(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
