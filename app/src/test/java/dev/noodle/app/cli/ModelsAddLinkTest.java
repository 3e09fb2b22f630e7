package dev.noodle.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.noodle.nodes.host.DemoAddons;
import dev.noodle.nodes.interop.ModelHashes;
import dev.noodle.nodes.library.ModelEntry;
import dev.noodle.nodes.library.ModelLibrary;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code noodle models add URL} against a Civitai-shaped server on the loopback (real HTTP, pointed at with the
 * {@code noodle.civitai.url} property): the file is downloaded, filed in its folder with its page recorded; a model
 * that needs a login is explained in one line and nothing is saved.
 */
class ModelsAddLinkTest {
    @TempDir
    Path dir;

    HttpServer server;
    byte[] lora;
    String base;

    @BeforeEach
    void start() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(Stream.of("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY")
                .allMatch(v -> System.getenv(v) == null), "the loopback server must be reached directly");
        Path upstream = dir.resolve("upstream");
        DemoAddons.ensure(upstream);
        lora = Files.readAllBytes(upstream.resolve("loras").resolve(DemoAddons.LORA));
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        base = "http://127.0.0.1:" + server.getAddress().getPort();
        server.createContext("/", this::answer);
        server.start();
        System.setProperty("noodle.civitai.url", base);
    }

    @AfterEach
    void stop() {
        System.clearProperty("noodle.civitai.url");
        if (server != null) {
            server.stop(0);
        }
    }

    private String version(long id) {
        String sha = sha256Hex(lora).toUpperCase(Locale.ROOT);
        return "{\"id\":" + id + ",\"modelId\":40,\"name\":\"v1\",\"baseModel\":\"SD 1.5\","
                + "\"trainedWords\":[\"tiny detail\"],\"model\":{\"name\":\"Tiny\",\"type\":\"LORA\"},"
                + "\"files\":[{\"name\":\"tinyDetail.safetensors\",\"type\":\"Model\",\"primary\":true,"
                + "\"sizeKB\":" + lora.length / 1024.0 + ",\"hashes\":{\"SHA256\":\"" + sha + "\"},"
                + "\"downloadUrl\":\"" + base + "/api/download/models/" + id + "\"}]}";
    }

    private void answer(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            switch (path) {
                case "/api/v1/model-versions/400", "/api/v1/model-versions/401" ->
                        send(ex, 200, "application/json", version(Long.parseLong(path.substring("/api/v1/model-versions/".length()))));
                case "/api/v1/models/40" -> send(ex, 200, "application/json",
                        "{\"id\":40,\"name\":\"Tiny\",\"type\":\"LORA\",\"description\":\"<p>Tiny details.</p>\"}");
                case "/api/download/models/400" -> redirect(ex, base + "/storage/tinyDetail.safetensors?sig=1");
                case "/api/download/models/401" -> redirect(ex, "/login?returnUrl=%2Fmodels%2F40&reason=download-auth");
                case "/storage/tinyDetail.safetensors" -> {
                    ex.getResponseHeaders().add("Content-Type", "application/octet-stream");
                    ex.sendResponseHeaders(200, lora.length);
                    ex.getResponseBody().write(lora);
                }
                case "/login" -> send(ex, 200, "text/html", "<!DOCTYPE html><html>Log in</html>");
                default -> send(ex, 404, "text/plain", "no");
            }
        }
    }

    private static void redirect(HttpExchange ex, String to) throws IOException {
        ex.getResponseHeaders().add("Location", to);
        ex.sendResponseHeaders(302, -1);
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", type);
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }

    private static String sha256Hex(byte[] b) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aCivitaiLinkIsDownloadedFiledAndRecorded() throws IOException {
        Path models = dir.resolve("models");
        String link = base + "/models/40/tiny-detail?modelVersionId=400";
        ConvertCommandTest.Result r = ConvertCommandTest.run("models", "add", "--models", models.toString(), link);
        assertEquals(0, r.code(), r.err());
        Path filed = models.resolve("loras/tinyDetail.safetensors");
        assertEquals("filed tinyDetail.safetensors as LoRA for SD 1.x in models/loras/tinyDetail.safetensors (sha256 "
                + ModelHashes.sha256(filed) + ")", r.out().strip());
        assertTrue(r.err().startsWith("downloading " + link), r.err());
        assertTrue(r.err().contains("100% "), "progress is shown: " + r.err());
        try (ModelLibrary lib = ModelLibrary.open(models)) {
            ModelEntry e = lib.find("loras/tinyDetail.safetensors").orElseThrow();
            assertEquals(link, e.sourceUrl());
            assertEquals(base + "/models/40?modelVersionId=400", e.pageUrl());
            assertTrue(e.triggerWords().contains("tiny detail"), e.triggerWords().toString());
            assertTrue(e.notes().contains("Tiny details."), e.notes());
        }
        assertEquals(List.of(), list(models.resolve(".downloads")));
    }

    @Test
    void aLoginRedirectIsOneLineAndSavesNothing() throws IOException {
        Path models = dir.resolve("models");
        ConvertCommandTest.Result r = ConvertCommandTest.run("models", "add", "--models", models.toString(),
                base + "/api/download/models/401");
        assertEquals(1, r.code());
        List<String> errors = r.err().lines().filter(l -> l.startsWith("noodle: ")).toList();
        assertEquals(1, errors.size(), r.err());
        assertTrue(errors.get(0).contains("needs a Civitai API key") && errors.get(0).contains("CIVITAI_TOKEN"),
                r.err());
        assertFalse(r.err().contains("Exception"), r.err());
        assertEquals(List.of(), list(models.resolve(".downloads")));
        assertFalse(Files.exists(models.resolve("loras")));
    }

    private static List<Path> list(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(folder)) {
            return s.toList();
        }
    }
}
