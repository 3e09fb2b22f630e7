package dev.noodle.app.server;

import static dev.noodle.app.server.ServerFixture.MAPPER;
import static dev.noodle.app.server.ServerFixture.get;
import static dev.noodle.app.server.ServerFixture.getJson;
import static dev.noodle.app.server.ServerFixture.postJson;
import static dev.noodle.app.server.ServerFixture.submission;
import static dev.noodle.app.server.ServerFixture.txt2img;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./noodle serve} as a separate process, driven the way ComfyUI's example scripts drive ComfyUI: queue a prompt
 * with a client id, follow {@code /ws} until {@code executing} with node null, then fetch {@code /history} and
 * {@code /view}. By default it listens on the loopback address only (read from the kernel's socket table; no packet
 * is sent to any other address).
 */
class ServeProcessTest {
    @TempDir
    Path dir;

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The local addresses listening on {@code port}, from /proc/net/tcp and tcp6 (hex "0100007F" = 127.0.0.1). */
    private static List<String> listeners(int port) throws IOException {
        String hexPort = String.format(Locale.ROOT, ":%04X", port);
        List<String> out = new java.util.ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path p = Path.of(table);
            if (!Files.isReadable(p)) {
                continue;
            }
            for (String line : Files.readAllLines(p)) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 3 && f[1].endsWith(hexPort) && f[3].equals("0A")) { // 0A = LISTEN
                    out.add(f[1].substring(0, f[1].indexOf(':')));
                }
            }
        }
        return out;
    }

    @Test
    void theLauncherSetsTheAllocatorUpForLargeTensorsAndTheDoctorSaysSo() throws Exception {
        Path launcher = Path.of("..", "noodle").toAbsolutePath().normalize();
        assumeTrue(Files.isExecutable(launcher) && Files.isDirectory(Path.of("/proc/net")), "needs ./noodle and Linux");
        ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "doctor").redirectErrorStream(true);
        pb.environment().remove("GLIBC_TUNABLES");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        // README, "SDXL at the CPU's peak": tensors of 16 MB or more mapped one by one, on transparent huge pages
        assertTrue(out.contains("allocator: tensors of 16,384 KiB or more mapped one by one and given back when freed,"
                + " on transparent huge pages (GLIBC_TUNABLES=glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold="
                + "16777216)"), out);
        pb.environment().put("GLIBC_TUNABLES", "");
        Process q = pb.start();
        String mine = new String(q.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, q.waitFor(), mine);
        assertTrue(mine.contains("allocator: glibc defaults (GLIBC_TUNABLES set empty)"), "a user's own setting is"
                + " kept: " + mine);
    }

    @Test
    void aComfyClientDrivesNoodleServeAndItListensOnLoopbackOnly() throws Exception {
        Path launcher = Path.of("..", "noodle").toAbsolutePath().normalize();
        assumeTrue(Files.isExecutable(launcher) && Files.isDirectory(Path.of("/proc/net")), "needs ./noodle and Linux");
        int port = freePort();
        Path log = dir.resolve("serve.log");
        Process p = new ProcessBuilder(launcher.toString(), "serve", "--port", Integer.toString(port), "--models",
                dir.resolve("models").toString(), "--out", dir.resolve("output").toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        String base = "http://127.0.0.1:" + port;
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        try {
            long deadline = System.nanoTime() + 180_000_000_000L; // the launcher may build first
            while (true) {
                try {
                    if (get(http, base + "/system_stats").statusCode() == 200) {
                        break;
                    }
                } catch (IOException notYet) {
                    // not listening yet
                }
                assertTrue(p.isAlive(), "noodle serve exited: " + Files.readString(log));
                assertTrue(System.nanoTime() < deadline, "noodle serve did not start: " + Files.readString(log));
                Thread.sleep(250);
            }
            List<String> bound = listeners(port);
            // 127.0.0.1 in /proc/net/tcp, or the same as an IPv4-mapped address in tcp6; never 0.0.0.0 or ::
            assertTrue(!bound.isEmpty() && bound.stream().allMatch(a -> a.equals("0100007F")
                    || a.equals("0000000000000000FFFF00000100007F")), "bound to 127.0.0.1 only: " + bound);

            String clientId = UUID.randomUUID().toString();
            try (WsProbe ws = new WsProbe(http, "http://127.0.0.1:" + port, clientId)) {
                assertEquals("status", ws.next(30).path("type").asText());
                HttpResponse<String> r = postJson(http, base + "/prompt", submission(txt2img(11, 2, "proc"), clientId));
                assertEquals(200, r.statusCode(), r.body());
                String promptId = MAPPER.readTree(r.body()).path("prompt_id").asText();
                List<JsonNode> msgs = ws.untilDone(promptId, 180); // until executing with node null
                assertTrue(msgs.stream().anyMatch(m -> m.path("type").asText().equals("execution_success")),
                        msgs.toString());
                JsonNode img = getJson(http, base + "/history/" + promptId).path(promptId).path("outputs").path("9")
                        .path("images").get(0);
                HttpResponse<byte[]> view = get(http, base + "/view?filename=" + img.path("filename").asText()
                        + "&subfolder=&type=output");
                assertEquals(200, view.statusCode());
                assertEquals("image/png", view.headers().firstValue("Content-Type").orElse(""));
            }
            assertTrue(Files.readString(log).contains("serving ComfyUI's API at http://127.0.0.1:" + port),
                    Files.readString(log));
        } finally {
            p.destroy(); // SIGTERM: the shutdown hook closes the server
            if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }
}
