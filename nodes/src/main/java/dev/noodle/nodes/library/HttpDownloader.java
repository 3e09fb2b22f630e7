package dev.noodle.nodes.library;

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
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

/**
 * Downloads one file over HTTP so that it can be trusted: bytes go to {@code NAME.part} beside the final name and
 * are hashed (SHA-256) as they arrive; a broken transfer resumes from the {@code .part} with an HTTP {@code Range}
 * request (a server that ignores the range restarts the file cleanly); the file is renamed to its final name only
 * once complete and, when a SHA-256 is published, matching it. Redirects are followed by hand, at most {@link
 * DownloadSettings#maxRedirects()}, dropping the {@code Authorization} header when the host changes; a redirect to a
 * login page or a web page where a model was expected is explained, never saved. Thread-safe: one instance may run
 * several downloads at once (of different files; the same {@code .part} is locked by its download).
 */
public final class HttpDownloader {
    private static final HexFormat HEX = HexFormat.of();

    private final DownloadSettings settings;
    private final HttpClient client;

    /** A downloader with these settings (proxy, redirects, timeouts, attempts). */
    public HttpDownloader(DownloadSettings settings) {
        this.settings = settings;
        this.client = HttpClient.newBuilder()
                .proxy(settings.proxy())
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(settings.timeout())
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    /**
     * What to fetch.
     *
     * @param uri the address
     * @param site the site it belongs to, for advice on refusals
     * @param page the page a person would open for this file (named in messages)
     * @param token bearer token sent to {@code uri}'s host only, or null
     * @param sha256 the published SHA-256 (hex, any case), or null when none is published
     * @param size the published size in bytes, or -1
     * @param fileName the file name to save under (made safe), or null to take it from the answer or address
     */
    public record Request(URI uri, RemoteSite site, String page, String token, String sha256, long size,
            String fileName) {
        @Override
        public String toString() {
            return "Request[" + ModelLinks.redact(uri) + ", " + fileName + ", sha256=" + sha256 + "]";
        }
    }

    /** A complete file under its final name; {@code verified} when a SHA-256 was published and matched. */
    public record Result(Path file, String sha256, long size, boolean verified) {}

    /**
     * Downloads {@code request} into {@code folder} (created if needed).
     *
     * @throws IOException with a one-line message naming the address and what to do: network failures (after the
     *     configured attempts, the {@code .part} kept for a later resume), refusals and login pages (nothing kept),
     *     a SHA-256 mismatch (the file deleted; both hashes named)
     */
    public Result download(Request request, Path folder, DownloadProgress progress) throws IOException {
        Files.createDirectories(folder);
        String name = request.fileName() != null ? SafeNames.fileName(request.fileName(), request.uri())
                : SafeNames.fileName(lastSegment(request.uri()), request.uri());
        Path done = folder.resolve(name);
        if (request.fileName() != null && request.sha256() != null && Files.isRegularFile(done)) {
            // an earlier download finished but was not filed: keep it when it is still the published file
            String have = hashOf(done);
            if (have.equalsIgnoreCase(request.sha256())) {
                progress.note("already downloaded: " + done);
                return new Result(done, have, Files.size(done), true);
            }
        }
        Path part = folder.resolve(name + ".part");
        Transfer t;
        try (FileChannel ch = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.READ);
                FileLock lock = lockOrExplain(ch, part)) {
            t = new Transfer(request, part, ch, progress);
            try {
                t.run();
                ch.force(true);
            } catch (IOException | RuntimeException e) {
                if (t.discard) {
                    ch.truncate(0);
                }
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            if (Files.exists(part) && Files.size(part) == 0) {
                Files.deleteIfExists(part);
            }
            throw e;
        }
        String finalName = t.dispositionName != null && request.fileName() == null
                ? SafeNames.fileName(t.dispositionName, request.uri()) : name;
        Path target = folder.resolve(finalName);
        moveAtomically(part, target);
        return new Result(target, t.sha256, t.done, request.sha256() != null);
    }

    private static String hashOf(Path file) throws IOException {
        MessageDigest d = sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 20];
            int n;
            while ((n = in.read(buf)) > 0) {
                d.update(buf, 0, n);
            }
        }
        return HEX.formatHex(d.digest());
    }

    private static FileLock lockOrExplain(FileChannel ch, Path part) throws IOException {
        try {
            FileLock lock = ch.tryLock();
            if (lock != null) {
                return lock;
            }
        } catch (OverlappingFileLockException e) {
            // the same process downloads it already
        }
        throw new IOException(part + " is being downloaded by another Noodle right now; wait for it to finish");
    }

    private static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static String lastSegment(URI uri) {
        var segs = ModelLinks.segments(uri);
        return segs.isEmpty() ? "" : segs.get(segs.size() - 1);
    }

    /** One download's state across attempts. */
    private final class Transfer {
        final Request request;
        final Path part;
        final FileChannel ch;
        final DownloadProgress progress;
        final String shown;
        MessageDigest digest;
        long done;
        long total = -1;
        String sha256;
        String dispositionName;
        boolean restartedFromZero;
        boolean resumedEver;
        boolean discard;
        /** A strong ETag or Last-Modified of the answer the .part's bytes came from, within this download. */
        String validator;
        URI validatorFrom;

        Transfer(Request request, Path part, FileChannel ch, DownloadProgress progress) {
            this.request = request;
            this.part = part;
            this.ch = ch;
            this.progress = progress;
            this.shown = ModelLinks.redact(request.uri());
        }

        void run() throws IOException {
            int attempt = 0;
            while (true) {
                attempt++;
                startFromPart();
                try {
                    if (fetch()) {
                        if (verify()) {
                            return;
                        }
                        attempt = 0; // a fresh start after a stale .part gets its own attempts
                        continue;
                    }
                } catch (Retryable e) {
                    if (attempt >= settings.attempts()) {
                        String next = done > 0 ? part.getFileName() + " is kept: run the same command again to"
                                + " resume" : "try again later (run the same command again)";
                        throw new IOException("Download of " + shown + " stopped at " + done + (total > 0 ? " of "
                                + total : "") + " bytes (" + e.getMessage() + "); " + next, e.getCause());
                    }
                    progress.note("interrupted at " + done + " bytes (" + e.getMessage() + "); trying again");
                    pause(attempt);
                }
            }
        }

        /** Hashes what the .part already holds, so the final hash covers the whole file. */
        void startFromPart() throws IOException {
            digest = sha256();
            long have = ch.size();
            if (have > 0) {
                progress.note("checking the " + have + " bytes downloaded before");
            }
            ch.position(0);
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            long read = 0;
            while (read < have) {
                buf.clear();
                int n = ch.read(buf);
                if (n < 0) {
                    break;
                }
                digest.update(buf.array(), 0, n);
                read += n;
            }
            done = read;
        }

        void restart() throws IOException {
            ch.truncate(0);
            ch.position(0);
            digest = sha256();
            done = 0;
        }

        /** One request; true when the body arrived whole. */
        boolean fetch() throws IOException {
            long from = done;
            HttpResponse<InputStream> response = send(from);
            int status = response.statusCode();
            try (InputStream body = response.body()) {
                if (status == 416) {
                    // the .part is as long as the file or longer: it belongs to another file; start over
                    progress.note("the partial file does not fit the server's file; starting over");
                    restart();
                    return false;
                }
                refuseUnlessOk(response);
                if (status == 200 && from > 0) {
                    progress.note("the server cannot resume; downloading from the start");
                    restart();
                } else if (status == 206) {
                    long start = HttpAnswers.contentRangeStart(response);
                    if (start < 0) {
                        throw new Retryable("the server's partial answer has no usable Content-Range", null);
                    }
                    if (start != from) {
                        progress.note("the server resumed at another place; downloading from the start");
                        restart();
                        return false;
                    }
                    if (from > 0) {
                        progress.note("resuming at " + from + " bytes");
                    }
                }
                total = HttpAnswers.totalSize(response, done);
                validatorFrom = response.uri();
                validator = response.headers().firstValue("ETag").filter(e -> !e.startsWith("W/"))
                        .or(() -> response.headers().firstValue("Last-Modified")).orElse(null);
                dispositionName = response.headers().firstValue("Content-Disposition")
                        .map(HttpAnswers::dispositionName).orElse(null);
                copy(body);
            }
            if (total >= 0 && done < total) {
                throw new Retryable("the server closed the connection early", null);
            }
            return true;
        }

        /** True when the file is accepted; false when a stale .part was dropped and the download starts over. */
        boolean verify() throws IOException {
            sha256 = HEX.formatHex(digest.digest());
            String expected = request.sha256();
            if (expected == null || expected.equalsIgnoreCase(sha256)) {
                return true;
            }
            if (!restartedFromZero && resumedEver) {
                // the resumed bytes came from another version of the file: one clean retry
                restartedFromZero = true;
                progress.note("the resumed file does not match its SHA-256; downloading it again from the start");
                restart();
                return false;
            }
            discard = true;
            throw new IOException("Refused " + shown + ": its SHA-256 is " + sha256 + " but " + request.page()
                    + " publishes " + expected.toLowerCase(Locale.ROOT) + "; the file was deleted. The upload may be"
                    + " damaged or replaced: try again later, or check the page");
        }

        HttpResponse<InputStream> send(long from) throws IOException {
            URI at = request.uri();
            boolean tokenSent = false;
            for (int hop = 0; ; hop++) {
                HttpRequest.Builder b = HttpRequest.newBuilder(at).timeout(settings.timeout()).GET()
                        .header("User-Agent", "Noodle")
                        .header("Accept-Encoding", "identity");
                if (request.token() != null && sameHost(at, request.uri())) {
                    b.header("Authorization", "Bearer " + request.token());
                    tokenSent = true;
                }
                if (from > 0) {
                    b.header("Range", "bytes=" + from + "-");
                    // the bytes came from this same answer earlier in this download: a changed file restarts
                    if (validator != null && sameHost(at, validatorFrom)) {
                        b.header("If-Range", validator);
                    }
                    resumedEver = true;
                }
                HttpResponse<InputStream> r = exchange(b.build(), at);
                int status = r.statusCode();
                if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
                    r.body().close();
                    Optional<String> location = r.headers().firstValue("Location");
                    if (location.isEmpty()) {
                        throw new IOException(shown + " redirects without saying where (HTTP " + status + ")");
                    }
                    URI next;
                    try {
                        next = at.resolve(location.get().strip());
                    } catch (IllegalArgumentException e) {
                        throw new IOException(shown + " redirects to an address that is not one ('"
                                + location.get() + "')");
                    }
                    if (HttpAnswers.isLoginPage(next)) {
                        throw new IOException("Not downloaded: " + request.site().loginAdvice(request.page(),
                                tokenSent));
                    }
                    if (hop >= settings.maxRedirects()) {
                        throw new IOException(shown + " redirects more than " + settings.maxRedirects()
                                + " times; giving up");
                    }
                    at = next;
                    continue;
                }
                if (status == 401 || status == 403) {
                    r.body().close();
                    throw new IOException("Not downloaded (HTTP " + status + "): " + request.site().loginAdvice(
                            request.page(), tokenSent));
                }
                return r;
            }
        }

        HttpResponse<InputStream> exchange(HttpRequest req, URI at) throws IOException {
            try {
                return client.send(req, HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("Download of " + shown + " was interrupted");
            } catch (HttpTimeoutException e) {
                throw new Retryable(at.getHost() + " did not answer within " + settings.timeout().toSeconds()
                        + " s", e);
            } catch (ConnectException e) {
                throw new IOException("Could not connect to " + at.getHost() + hostPort(at) + proxyNote(at)
                        + " (" + describe(e) + "); check the network or the proxy settings", e);
            } catch (UnknownHostException e) {
                throw new IOException("The name " + at.getHost() + " does not resolve: no network, or DNS is not"
                        + " working" + proxyNote(at), e);
            } catch (IOException e) {
                throw new Retryable(describe(e), e);
            }
        }

        String proxyNote(URI at) {
            var proxies = settings.proxy() == null ? java.util.List.<java.net.Proxy>of() : settings.proxy().select(at);
            for (var p : proxies) {
                if (p.type() != java.net.Proxy.Type.DIRECT) {
                    return " through the proxy " + (p.address() instanceof java.net.InetSocketAddress a
                            ? a.getHostString() + ":" + a.getPort() : String.valueOf(p.address()));
                }
            }
            return "";
        }

        void refuseUnlessOk(HttpResponse<InputStream> r) throws IOException {
            int status = r.statusCode();
            if (status == 200 || status == 206) {
                String type = r.headers().firstValue("Content-Type").orElse("").toLowerCase(Locale.ROOT);
                if (type.startsWith("text/html")) {
                    throw new IOException("Not downloaded: " + shown + " answered with a web page, not a model file"
                            + webPageAdvice());
                }
                return;
            }
            if (status == 404 || status == 410) {
                throw new IOException("Not found (HTTP " + status + "): " + shown + " does not exist (any more);"
                        + " check the link on " + request.page());
            }
            if (status == 407) {
                throw new IOException("The proxy" + proxyNote(r.uri()).replace(" through the proxy", "")
                        + " asks for a login (HTTP 407); Noodle does not send proxy passwords: use a proxy that"
                        + " needs none, or download " + request.page() + " in a browser and add the file");
            }
            if (status == 429 || status >= 500) {
                throw new Retryable("HTTP " + status + " from " + URI.create(shown).getHost(), null);
            }
            throw new IOException("Not downloaded: " + shown + " answered HTTP " + status);
        }

        String webPageAdvice() {
            return switch (request.site()) {
                case CIVITAI, HUGGING_FACE -> "; " + request.site().loginAdvice(request.page(),
                        request.token() != null);
                case OTHER -> "; use the file's direct download link";
            };
        }

        void copy(InputStream body) throws IOException {
            byte[] buf = new byte[1 << 16];
            ch.position(done);
            boolean sniffed = done > 0;
            progress.update(done, total);
            long lastReport = System.nanoTime();
            StallWatchdog dog = new StallWatchdog(body, settings.timeout().toNanos());
            try {
                while (true) {
                    int n;
                    try {
                        n = body.read(buf);
                    } catch (IOException e) {
                        throw new Retryable(dog.stalled() ? "no data for " + settings.timeout().toSeconds() + " s"
                                : describe(e), e);
                    }
                    if (n < 0) {
                        break;
                    }
                    dog.alive();
                    if (!sniffed) {
                        sniffed = true;
                        if (HttpAnswers.looksLikeWebPage(buf, n)) {
                            restart();
                            throw new IOException("Not downloaded: " + shown + " sent a web page, not a model file"
                                    + webPageAdvice());
                        }
                    }
                    ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                    try {
                        while (bb.hasRemaining()) {
                            ch.write(bb);
                        }
                    } catch (IOException e) {
                        throw new IOException("Could not write " + part + " (" + describe(e) + "): free space on"
                                + " that disk, then run the same command again to resume at " + done + " bytes", e);
                    }
                    digest.update(buf, 0, n);
                    done += n;
                    if (request.size() > 0 && done > request.size() + Math.max(1L << 20, request.size() / 100)) {
                        restart();
                        throw new IOException("Refused " + shown + ": it sends more than the " + request.size()
                                + " bytes " + request.page() + " publishes; nothing was kept");
                    }
                    long now = System.nanoTime();
                    if (now - lastReport > 100_000_000L) {
                        progress.update(done, total);
                        lastReport = now;
                    }
                }
            } finally {
                dog.stop();
            }
            if (dog.stalled()) {
                throw new Retryable("no data for " + settings.timeout().toSeconds() + " s", null);
            }
            progress.update(done, total);
        }
    }


    /** A failure worth another attempt (resuming from the .part). */
    private static final class Retryable extends IOException {
        Retryable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static void pause(int attempt) throws InterruptedIOException {
        try {
            Thread.sleep(Math.min(5_000L, 250L * attempt * attempt));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("download interrupted");
        }
    }



    private static boolean sameHost(URI a, URI b) {
        return a.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost())
                && ModelLinks.port(a) == ModelLinks.port(b);
    }

    private static String hostPort(URI uri) {
        return uri.getPort() >= 0 ? ":" + uri.getPort() : "";
    }





    private static String describe(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    private static MessageDigest sha256() throws IOException {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IOException("SHA-256 is not available in this Java runtime", e);
        }
    }

    /** The client, for small API requests of the site clients (same proxy and timeouts). */
    HttpClient client() {
        return client;
    }
}
