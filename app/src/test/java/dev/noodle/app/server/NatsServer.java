package dev.noodle.app.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * A real {@code nats-server} with JetStream for tests, on a free loopback port with its store in a test folder;
 * it can be stopped, killed and started again on the same port and store (a broker restart). When the binary is
 * missing the test is skipped, unless {@code NOODLE_REQUIRE_NATS=1} (set by CI, which installs it), then it fails.
 */
final class NatsServer implements AutoCloseable {
    private final Path store;
    private final Path log;
    private final int port;
    private Process process;

    private NatsServer(Path dir) throws IOException {
        this.store = dir.resolve("jetstream");
        this.log = dir.resolve("nats-server.log");
        try (ServerSocket s = new ServerSocket(0)) {
            this.port = s.getLocalPort();
        }
    }

    /** The nats-server binary, or a skipped (or, in CI, failed) test. */
    static String binary() {
        for (String c : List.of("/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server")) {
            if (Files.isExecutable(Path.of(c))) {
                return c;
            }
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "nats-server"))) {
                return Path.of(dir, "nats-server").toString();
            }
        }
        String msg = "nats-server is not installed (Debian: apt-get install nats-server)";
        if ("1".equals(System.getenv("NOODLE_REQUIRE_NATS"))) {
            throw new AssertionError(msg + "; NOODLE_REQUIRE_NATS=1 requires it");
        }
        Assumptions.abort(msg);
        return null;
    }

    static NatsServer start(Path dir) throws IOException, InterruptedException {
        NatsServer s = new NatsServer(dir);
        s.launch();
        return s;
    }

    int port() {
        return port;
    }

    String url() {
        return "nats://127.0.0.1:" + port;
    }

    void launch() throws IOException, InterruptedException {
        Files.createDirectories(store);
        process = new ProcessBuilder(binary(), "-js", "-a", "127.0.0.1", "-p", Integer.toString(port), "-sd",
                store.toString()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(
                        log.toFile())).start();
        long end = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                throw new IOException("nats-server exited: " + Files.readString(log));
            }
            try (Socket sock = new Socket()) {
                sock.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new IOException("nats-server did not listen on " + port + ": " + Files.readString(log));
    }

    /** Stops the server as an operator would (SIGTERM), waiting for it to exit. */
    void stop() throws InterruptedException {
        if (process != null) {
            process.destroy();
            process.waitFor();
        }
    }

    /** Stops and starts it again on the same port and store. */
    void restart() throws IOException, InterruptedException {
        stop();
        launch();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor();
        }
    }
}
