package dev.noodle.app.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay between a client and a broker for tests that can go silent: {@link #silenceOpenLinks} stops passing
 * bytes on the links open now while keeping their sockets open — as a network that drops packets does, or a broker
 * that hangs — and links opened afterwards pass bytes again.
 */
final class SilentLink implements AutoCloseable {
    private final ServerSocket listener;
    private final int target;
    private final List<Pipe> pipes = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    SilentLink(int targetPort) throws IOException {
        this.target = targetPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::accept, "silent-link-accept");
        accept.setDaemon(true);
        accept.start();
    }

    String url() {
        return "nats://127.0.0.1:" + listener.getLocalPort();
    }

    /** How many client connections have come through. */
    int connections() {
        return pipes.size() / 2;
    }

    void silenceOpenLinks() {
        pipes.forEach(p -> p.silent = true);
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(InetAddress.getLoopbackAddress(), target);
                pipe(client, server);
                pipe(server, client);
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("silent link: " + e.getMessage());
                }
            }
        }
    }

    private void pipe(Socket from, Socket to) {
        Pipe p = new Pipe(from, to);
        pipes.add(p);
        Thread t = new Thread(p, "silent-link-pipe");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        listener.close();
        for (Pipe p : pipes) {
            p.from.close();
            p.to.close();
        }
    }

    private static final class Pipe implements Runnable {
        final Socket from;
        final Socket to;
        volatile boolean silent;

        Pipe(Socket from, Socket to) {
            this.from = from;
            this.to = to;
        }

        @Override
        public void run() {
            byte[] buf = new byte[65536];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (!silent) { // a silenced link swallows what it reads and stays open
                        out.write(buf, 0, n);
                        out.flush();
                    }
                }
            } catch (IOException e) {
                // the other side closed
            }
        }
    }
}
