package dev.noodle.nodes.library;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Civitai- and Hugging Face-shaped sites on the loopback for tests: one server answers the sites' API and download
 * addresses (redirecting downloads to signed storage addresses, or to {@code /login} when a version needs a key it
 * was not given), a second server is the storage that serves the bytes with HTTP ranges and can drop connections.
 * Every request is recorded with its headers.
 */
final class FakeModelSites implements AutoCloseable {
    static final String GOOD_KEY = "civitai-key-123";
    static final String HF_KEY = "hf_key_456";

    private static final ObjectMapper JSON = new ObjectMapper();

    record Seen(String server, String method, String target, Headers headers) {
        String header(String name) {
            return headers.getFirst(name);
        }
    }

    private final java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newCachedThreadPool();
    final HttpServer site;
    final HttpServer storage;
    final List<Seen> requests = new CopyOnWriteArrayList<>();
    /** Stored files by name. */
    final Map<String, byte[]> files = new ConcurrentHashMap<>();
    /** Civitai API answers by version id and model id. */
    final Map<Long, ObjectNode> versions = new ConcurrentHashMap<>();
    final Map<Long, ObjectNode> models = new ConcurrentHashMap<>();
    /** Version ids whose download needs an API key. */
    final java.util.Set<Long> needsKey = ConcurrentHashMap.newKeySet();
    /** Hugging Face files by repo-relative path "owner/name/rev/path"; gated repositories. */
    final Map<String, String> hfFiles = new ConcurrentHashMap<>();
    final java.util.Set<String> hfGated = ConcurrentHashMap.newKeySet();
    /** Renamed Hugging Face repositories: old name to new name (the site answers 307 with a relative address). */
    final Map<String, String> hfRenamed = new ConcurrentHashMap<>();
    /** Files whose SHA-256 is published in the HEAD headers (else only in the tree API). */
    final java.util.Set<String> hfHeadHash = ConcurrentHashMap.newKeySet();
    /** Storage behaviour: drop the next N answers after this many bytes. */
    final AtomicInteger dropNext = new AtomicInteger();
    volatile int dropAfter = 1000;
    volatile boolean ignoreRanges;
    /** Storage behaviour: the next N answers send {@link #dropAfter} bytes, then nothing for this many ms. */
    final AtomicInteger stallNext = new AtomicInteger();
    volatile long stallMillis = 3000;
    /** Storage behaviour: answer the next N requests with 503 Service Unavailable. */
    final AtomicInteger busyNext = new AtomicInteger();
    /** Runs when an answer is dropped (to change the file between attempts). */
    volatile Runnable onDrop = () -> {};
    /** Storage answers with this content type (models are application/octet-stream). */
    volatile String storageType = "application/octet-stream";

    FakeModelSites() throws IOException {
        site = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        storage = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        site.createContext("/", ex -> handle("site", ex, this::site));
        storage.createContext("/", ex -> handle("storage", ex, this::storage));
        site.setExecutor(pool);
        storage.setExecutor(pool);
        site.start();
        storage.start();
    }

    URI siteBase() {
        return URI.create("http://127.0.0.1:" + site.getAddress().getPort());
    }

    URI storageBase() {
        return URI.create("http://127.0.0.1:" + storage.getAddress().getPort());
    }

    List<Seen> seen(String server, String pathPrefix) {
        return requests.stream().filter(r -> r.server.equals(server) && URI.create(r.target).getPath()
                .startsWith(pathPrefix)).toList();
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** A Civitai model with one version and its files; the first file is primary. Returns the version record. */
    ObjectNode civitaiModel(long modelId, long versionId, String type, String baseModel, List<String> words,
            String description, Map<String, byte[]> versionFiles) {
        ObjectNode v = JSON.createObjectNode();
        v.put("id", versionId).put("modelId", modelId).put("name", "v1.0").put("baseModel", baseModel);
        v.putNull("description");
        ArrayNode tw = v.putArray("trainedWords");
        words.forEach(tw::add);
        v.putObject("model").put("name", "Model " + modelId).put("type", type);
        ArrayNode fs = v.putArray("files");
        boolean first = true;
        for (var e : versionFiles.entrySet()) {
            files.put(e.getKey(), e.getValue());
            ObjectNode f = fs.addObject();
            f.put("id", e.getKey().hashCode()).put("name", e.getKey()).put("type", "Model")
                    .put("sizeKB", e.getValue().length / 1024.0).put("primary", first);
            f.putObject("metadata").put("format", e.getKey().endsWith(".safetensors") ? "SafeTensor"
                    : "PickleTensor").put("size", "pruned").put("fp", "fp16");
            f.putObject("hashes").put("SHA256", sha256(e.getValue()).toUpperCase(java.util.Locale.ROOT))
                    .put("AutoV2", sha256(e.getValue()).substring(0, 10).toUpperCase(java.util.Locale.ROOT));
            String query = first ? "" : "?type=Model&format=PickleTensor";
            f.put("downloadUrl", siteBase() + "/api/download/models/" + versionId + query);
            first = false;
        }
        v.put("downloadUrl", siteBase() + "/api/download/models/" + versionId);
        versions.put(versionId, v);
        ObjectNode m = JSON.createObjectNode();
        m.put("id", modelId).put("name", "Model " + modelId).put("type", type).put("description", description);
        ArrayNode mv = m.putArray("modelVersions");
        ObjectNode copy = v.deepCopy();
        copy.remove("model");
        mv.add(copy);
        ObjectNode old = models.get(modelId);
        if (old != null) {
            old.withArray("modelVersions").forEach(mv::add);
        }
        models.put(modelId, m);
        return v;
    }

    /** A Hugging Face file in a repository, stored under its file name. */
    void hfFile(String repo, String revision, String path, byte[] bytes, boolean hashInHead) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        files.put(name, bytes);
        hfFiles.put(repo + "/" + revision + "/" + path, name);
        if (hashInHead) {
            hfHeadHash.add(repo + "/" + revision + "/" + path);
        }
    }

    private interface Handler {
        void handle(HttpExchange ex) throws IOException;
    }

    private void handle(String server, HttpExchange ex, Handler h) {
        requests.add(new Seen(server, ex.getRequestMethod(), ex.getRequestURI().toString(), ex.getRequestHeaders()));
        try (ex) {
            h.handle(ex);
        } catch (IOException | RuntimeException e) {
            // a dropped connection ends here on purpose
        }
    }

    private static final Pattern VERSION = Pattern.compile("/api/v1/model-versions/(\\d+)");
    private static final Pattern MODEL = Pattern.compile("/api/v1/models/(\\d+)");
    private static final Pattern DOWNLOAD = Pattern.compile("/api/download/models/(\\d+)");
    private static final Pattern HF_RESOLVE = Pattern.compile("/([^/]+/[^/]+)/resolve/([^/]+)/(.+)");
    private static final Pattern HF_TREE = Pattern.compile("/api/models/([^/]+/[^/]+)/tree/([^/]+)(/.*)?");

    private void site(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        for (var e : hfRenamed.entrySet()) {
            for (String prefix : List.of("/" + e.getKey() + "/", "/api/models/" + e.getKey() + "/")) {
                if (path.startsWith(prefix)) {
                    String moved = prefix.replace(e.getKey(), e.getValue()) + path.substring(prefix.length());
                    ex.getResponseHeaders().add("Location", moved);
                    ex.sendResponseHeaders(307, -1);
                    return;
                }
            }
        }
        Matcher m;
        if ((m = VERSION.matcher(path)).matches()) {
            json(ex, versions.get(Long.parseLong(m.group(1))));
        } else if ((m = MODEL.matcher(path)).matches()) {
            json(ex, models.get(Long.parseLong(m.group(1))));
        } else if ((m = DOWNLOAD.matcher(path)).matches()) {
            long id = Long.parseLong(m.group(1));
            ObjectNode v = versions.get(id);
            if (v == null) {
                send(ex, 404, "text/plain", "no such version".getBytes(StandardCharsets.UTF_8));
                return;
            }
            if (needsKey.contains(id) && !("Bearer " + GOOD_KEY).equals(ex.getRequestHeaders()
                    .getFirst("Authorization"))) {
                redirect(ex, "/login?returnUrl=%2Fmodels%2F" + id + "&reason=download-auth");
                return;
            }
            String query = ex.getRequestURI().getQuery();
            String name = null;
            for (var f : v.withArray("files")) {
                boolean pickle = f.path("metadata").path("format").asText().equals("PickleTensor");
                if (query != null && query.contains("format=PickleTensor") == pickle || query == null
                        && f.path("primary").asBoolean()) {
                    name = f.path("name").asText();
                    break;
                }
            }
            redirect(ex, storageBase() + "/files/" + name + "?X-Amz-Signature=abc&X-Amz-Expires=60");
        } else if (path.equals("/login")) {
            send(ex, 200, "text/html; charset=utf-8",
                    "<!DOCTYPE html><html><body>Sign in</body></html>".getBytes(StandardCharsets.UTF_8));
        } else if ((m = HF_TREE.matcher(path)).matches()) {
            String prefix = m.group(1) + "/" + m.group(2) + "/";
            String dir = m.group(3) == null ? "" : m.group(3).substring(1) + "/";
            ArrayNode list = JSON.createArrayNode();
            for (var e : hfFiles.entrySet()) {
                if (e.getKey().startsWith(prefix + dir)) {
                    String p = e.getKey().substring(prefix.length());
                    byte[] b = files.get(e.getValue());
                    ObjectNode entry = list.addObject().put("type", "file").put("path", p)
                            .put("oid", sha256(b).substring(0, 40)).put("size", b.length);
                    entry.putObject("lfs").put("oid", sha256(b)).put("size", b.length).put("pointerSize", 134);
                }
            }
            json(ex, list);
        } else if ((m = HF_RESOLVE.matcher(path)).matches()) {
            String key = m.group(1) + "/" + m.group(2) + "/" + m.group(3);
            if (hfGated.contains(m.group(1)) && !("Bearer " + HF_KEY).equals(ex.getRequestHeaders()
                    .getFirst("Authorization"))) {
                send(ex, 401, "application/json",
                        "{\"error\":\"Access to this model is restricted.\"}".getBytes(StandardCharsets.UTF_8));
                return;
            }
            String name = hfFiles.get(key);
            if (name == null) {
                send(ex, 404, "application/json", "{\"error\":\"Entry not found\"}".getBytes(StandardCharsets.UTF_8));
                return;
            }
            byte[] b = files.get(name);
            if (hfHeadHash.contains(key)) {
                ex.getResponseHeaders().add("X-Linked-Etag", "\"" + sha256(b) + "\"");
                ex.getResponseHeaders().add("X-Linked-Size", Long.toString(b.length));
            }
            ex.getResponseHeaders().add("ETag", "\"" + sha256(b).substring(0, 40) + "\"");
            redirect(ex, storageBase() + "/files/" + name + "?X-Amz-Signature=hf");
        } else {
            send(ex, 404, "text/plain", "not here".getBytes(StandardCharsets.UTF_8));
        }
    }

    private void storage(HttpExchange ex) throws IOException {
        if (busyNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            send(ex, 503, "text/plain", "busy".getBytes(StandardCharsets.UTF_8));
            return;
        }
        String path = ex.getRequestURI().getPath();
        byte[] b = path.startsWith("/files/") ? files.get(path.substring(7)) : null;
        if (b == null) {
            send(ex, 404, "text/plain", "no such object".getBytes(StandardCharsets.UTF_8));
            return;
        }
        long from = 0;
        String range = ex.getRequestHeaders().getFirst("Range");
        String etag = "\"" + sha256(b).substring(0, 16) + "\"";
        String ifRange = ex.getRequestHeaders().getFirst("If-Range");
        if (range != null && !ignoreRanges && (ifRange == null || ifRange.equals(etag))) {
            Matcher m = Pattern.compile("bytes=(\\d+)-").matcher(range);
            if (m.find()) {
                from = Long.parseLong(m.group(1));
            }
            if (from >= b.length) {
                ex.getResponseHeaders().add("Content-Range", "bytes */" + b.length);
                ex.sendResponseHeaders(416, -1);
                return;
            }
        }
        ex.getResponseHeaders().add("Content-Type", storageType);
        ex.getResponseHeaders().add("Accept-Ranges", "bytes");
        ex.getResponseHeaders().add("ETag", etag);
        int status = 200;
        if (from > 0) {
            status = 206;
            ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (b.length - 1) + "/" + b.length);
        }
        long length = b.length - from;
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, length);
        OutputStream out = ex.getResponseBody();
        if (stallNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0 && length > dropAfter) {
            out.write(b, (int) from, dropAfter);
            out.flush();
            try {
                Thread.sleep(stallMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new IOException("stalled on purpose");
        }
        if (dropNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0 && length > dropAfter) {
            out.write(b, (int) from, dropAfter);
            out.flush();
            onDrop.run();
            // the exchange closes with bytes missing: the server drops the connection, as a broken network does
            throw new IOException("dropped on purpose");
        }
        out.write(b, (int) from, (int) length);
    }

    private static void redirect(HttpExchange ex, String location) throws IOException {
        ex.getResponseHeaders().add("Location", location);
        ex.sendResponseHeaders(302, -1);
    }

    private static void json(HttpExchange ex, Object node) throws IOException {
        if (node == null) {
            send(ex, 404, "application/json", "{\"error\":\"No model with id\"}".getBytes(StandardCharsets.UTF_8));
            return;
        }
        send(ex, 200, "application/json", JSON.writeValueAsBytes(node));
    }

    static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().add("Content-Type", type);
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, body.length);
        ex.getResponseBody().write(body);
    }

    @Override
    public void close() {
        site.stop(0);
        storage.stop(0);
        pool.shutdownNow();
    }
}
