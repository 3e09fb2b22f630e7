package dev.noodle.app.server;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Consumer;
import io.nats.client.ErrorListener;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamOptions;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueManagement;
import io.nats.client.Nats;
import io.nats.client.ObjectStore;
import io.nats.client.ObjectStoreManagement;
import io.nats.client.Options;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.ObjectStoreConfiguration;
import io.nats.client.api.StorageType;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection to the NATS JetStream broker that a coordinator ({@code noodle serve --broker}) and its workers
 * ({@code noodle worker --broker}) share, and the JetStream buckets they keep the queue in:
 * <ul>
 * <li>{@value #QUEUE}: one key per queued or running prompt (its JSON, see {@link BrokerJob}); claims and moves are
 * compare-and-set writes on the key's revision, so exactly one worker wins a prompt;
 * <li>{@value #HISTORY}: one key per finished prompt, written with create-if-absent, so when two workers finish the
 * same prompt the first result is kept;
 * <li>{@value #WORKERS}: each worker's advertisement (what it runs, which models it holds), renewed every few seconds
 * and dropped by the broker when it stops being renewed;
 * <li>{@value #CONTROL}: the paused flag and the counter that numbers prompts;
 * <li>{@value #OUTPUTS}: an object store holding the images workers produced, for {@code /view} on any coordinator.
 * </ul>
 * Everything is kept on the broker's disk (file storage), so a broker restart loses nothing queued or finished; a
 * worker's advertisement also expires when it is not renewed.
 * Progress events travel on plain subjects ({@value #EVENTS}, {@value #PREVIEWS}); commands to workers (interrupt,
 * free memory) on {@value #COMMANDS}. The connection reconnects forever; listeners registered with
 * {@link #onReconnect} run after each reconnection.
 */
final class Broker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Broker.class);
    static final String QUEUE = "noodle_queue";
    static final String HISTORY = "noodle_history";
    static final String WORKERS = "noodle_workers";
    static final String CONTROL = "noodle_control";
    static final String OUTPUTS = "noodle_outputs";
    static final String EVENTS = "noodle.events";
    static final String PREVIEWS = "noodle.previews";
    static final String COMMANDS = "noodle.commands";
    /** How long the broker keeps a worker's advertisement that is not renewed. */
    static final Duration ADVERT_TTL = Duration.ofSeconds(30);
    /** JetStream's error code for a compare-and-set write whose expected revision is not the key's. */
    static final int WRONG_LAST_SEQUENCE = 10071;
    /** How often the link to the broker is checked, in milliseconds. */
    static final long CHECK_MS = 3000;
    /** Checks in a row the broker may leave unanswered before the connection is made again. */
    static final int MISSES = 2;

    private final String url;
    private final Connection nc;
    private final KeyValue queue;
    private final KeyValue history;
    private final KeyValue workers;
    private final KeyValue control;
    private final ObjectStore outputs;
    private final List<Runnable> reconnectListeners = new CopyOnWriteArrayList<>();

    private Broker(String url, Connection nc) throws IOException, JetStreamApiException, InterruptedException {
        this.url = url;
        this.nc = nc;
        KeyValueManagement kvm = nc.keyValueManagement();
        List<String> buckets = kvm.getBucketNames();
        for (String name : List.of(QUEUE, HISTORY, CONTROL, WORKERS)) {
            if (!buckets.contains(name)) {
                KeyValueConfiguration.Builder b = KeyValueConfiguration.builder().name(name).maxHistoryPerKey(1)
                        .storageType(StorageType.File);
                if (name.equals(WORKERS)) {
                    b.ttl(ADVERT_TTL);
                }
                try {
                    kvm.create(b.build());
                } catch (JetStreamApiException e) {
                    LOG.debug("bucket {} was created meanwhile: {}", name, e.getMessage());
                }
            }
        }
        ObjectStoreManagement osm = nc.objectStoreManagement();
        if (!osm.getBucketNames().contains(OUTPUTS)) {
            try {
                osm.create(ObjectStoreConfiguration.builder(OUTPUTS).storageType(StorageType.File).build());
            } catch (JetStreamApiException e) {
                LOG.debug("object store {} was created meanwhile: {}", OUTPUTS, e.getMessage());
            }
        }
        this.queue = nc.keyValue(QUEUE);
        this.history = nc.keyValue(HISTORY);
        this.workers = nc.keyValue(WORKERS);
        this.control = nc.keyValue(CONTROL);
        this.outputs = nc.objectStore(OUTPUTS);
    }

    /**
     * Connects to the broker at {@code url} ({@code nats://host:port}) and makes sure its buckets exist.
     *
     * @param clientName how this process shows in the broker's connection list
     * @throws QueueStoreException naming the broker and what to do when the address is wrong, nothing answers there,
     *         or the server runs without JetStream
     */
    static Broker connect(String url, String clientName) {
        String server = checkUrl(url);
        String address = shown(server); // messages and API answers never carry the broker's password
        Link link = new Link(address);
        Options options = new Options.Builder()
                .server(server)
                .connectionName(clientName)
                .connectionTimeout(Duration.ofSeconds(5))
                .maxReconnects(-1)
                .reconnectWait(Duration.ofMillis(500))
                .errorListener(new LinkErrors(server, address))
                .connectionListener(link)
                .build();
        Connection nc;
        try {
            nc = Nats.connect(options);
        } catch (IOException e) {
            String why = String.valueOf(e.getMessage()).replace(server, address);
            if (why.contains("Authorization Violation") || why.contains("Authentication")) {
                throw new QueueStoreException("the NATS broker at " + address + " refused the credentials ("
                        + why + "): give the user and password its configuration names in the address,"
                        + " nats://user:password@host:4222", e);
            }
            throw new QueueStoreException("cannot reach the NATS broker at " + address + " (" + why
                    + "): start it with `nats-server -js` or correct --broker", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QueueStoreException("interrupted while connecting to the NATS broker at " + address, e);
        }
        try {
            nc.jetStreamManagement().getAccountStatistics();
        } catch (IOException | JetStreamApiException e) {
            closeQuietly(nc);
            throw new QueueStoreException("the NATS server at " + address + " does not offer JetStream ("
                    + e.getMessage() + "): start it with `nats-server -js`", e);
        }
        try {
            Broker b = new Broker(address, nc);
            link.attach(b);
            return b;
        } catch (IOException | JetStreamApiException e) {
            closeQuietly(nc);
            throw new QueueStoreException("the NATS broker at " + address + " refused to set up Noodle's buckets ("
                    + e.getMessage() + ")", e);
        } catch (InterruptedException e) {
            closeQuietly(nc);
            Thread.currentThread().interrupt();
            throw new QueueStoreException("interrupted while setting up the NATS broker at " + address, e);
        }
    }

    /**
     * Follows the connection's state as the client library reports it (disconnected, reconnected), runs the
     * {@link #onReconnect} listeners after each reconnection, and checks every {@value #CHECK_MS} ms that the broker's
     * JetStream still answers this connection: when it has not answered {@value #MISSES} checks in a row while the
     * connection counts as up, the connection is dropped and made again (the listeners then read everything anew).
     */
    private static final class Link implements ConnectionListener {
        private final String address;
        private final ScheduledExecutorService thread =
                Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "noodle-broker-link");
                    t.setDaemon(true);
                    return t;
                });
        private volatile Broker broker;
        private final AtomicBoolean up = new AtomicBoolean(true);
        private int misses;

        Link(String address) {
            this.address = address;
        }

        void attach(Broker b) {
            broker = b;
            thread.scheduleWithFixedDelay(this::check, CHECK_MS, CHECK_MS, TimeUnit.MILLISECONDS);
        }

        @Override
        public void connectionEvent(Connection conn, Events type) {
            switch (type) {
                case DISCONNECTED -> {
                    if (up.getAndSet(false)) { // once per outage, not once per failed attempt
                        LOG.warn("lost the NATS broker at {}; reconnecting", address);
                    }
                }
                case RECONNECTED -> thread.execute(() -> {
                    up.set(true);
                    LOG.info("reconnected to the NATS broker at {}", address);
                    misses = 0;
                    Broker b = broker;
                    if (b != null) {
                        b.reconnectListeners.forEach(Runnable::run);
                    }
                });
                case CLOSED -> thread.shutdownNow();
                default -> LOG.debug("NATS connection event {}", type);
            }
        }

        private void check() {
            Broker b = broker;
            if (b == null || b.nc.getStatus() != Connection.Status.CONNECTED) {
                misses = 0;
                return;
            }
            try {
                b.nc.jetStreamManagement(JetStreamOptions.builder()
                        .requestTimeout(Duration.ofMillis(CHECK_MS)).build()).getAccountStatistics();
                misses = 0;
            } catch (IOException | JetStreamApiException | RuntimeException e) {
                misses++;
                LOG.debug("the NATS broker at {} did not answer a check ({}): {}", address, misses, e.getMessage());
                if (misses >= MISSES) {
                    misses = 0;
                    LOG.warn("the NATS broker at {} stopped answering this connection; connecting again", address);
                    try {
                        b.nc.forceReconnect();
                    } catch (IOException | RuntimeException ex) {
                        LOG.warn("could not reconnect to the NATS broker at {}: {}", address, ex.getMessage());
                    } catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        }
    }

    /** The client library's reports of errors on the connection, in the log instead of on standard error. */
    private record LinkErrors(String server, String address) implements ErrorListener {
        @Override
        public void errorOccurred(Connection conn, String error) {
            LOG.warn("the NATS broker at {} reported: {}", address, error);
        }

        @Override
        public void exceptionOccurred(Connection conn, Exception exp) {
            LOG.debug("NATS connection to {}: {}", address, String.valueOf(exp.getMessage()).replace(server, address));
        }

        @Override
        public void slowConsumerDetected(Connection conn, Consumer consumer) {
            LOG.warn("this process falls behind the NATS broker at {} (slow consumer)", address);
        }
    }

    /** The address as {@code nats://host:port}; refuses anything else with a message saying what is expected. */
    static String checkUrl(String url) {
        String u = url == null ? "" : url.strip();
        if (!u.contains("://")) {
            u = "nats://" + u;
        }
        try {
            URI uri = new URI(u);
            String scheme = uri.getScheme();
            if (!"nats".equals(scheme) && !"tls".equals(scheme)) {
                throw new QueueStoreException("--broker must be a NATS address such as nats://host:4222, not '"
                        + url + "'", null);
            }
            if (uri.getHost() == null || uri.getHost().isBlank()) {
                throw new QueueStoreException("--broker '" + url + "' is not host:port (a host name and a port"
                        + " number); give nats://host:4222", null);
            }
            int port = uri.getPort() < 0 ? 4222 : uri.getPort();
            if (port < 1 || port > 65535) {
                throw new QueueStoreException("--broker '" + url + "': port " + port + " is not between 1 and"
                        + " 65535; the broker's default port is 4222", null);
            }
            return scheme + "://" + (uri.getRawUserInfo() == null ? "" : uri.getRawUserInfo() + "@")
                    + uri.getHost() + ":" + port;
        } catch (URISyntaxException e) {
            throw new QueueStoreException("--broker '" + url + "' is not an address; give nats://host:4222", e);
        }
    }

    /**
     * The address as messages, logs and API answers show it: a password or token in it replaced by {@code ***}
     * ({@code nats://user:***@host:4222}).
     */
    static String shown(String address) {
        int scheme = address.indexOf("://");
        int at = address.lastIndexOf('@');
        if (scheme < 0 || at < scheme) {
            return address;
        }
        String info = address.substring(scheme + 3, at);
        int colon = info.indexOf(':');
        return address.substring(0, scheme + 3) + (colon < 0 ? "" : info.substring(0, colon + 1)) + "***"
                + address.substring(at);
    }

    /** Runs {@code r} after each reconnection to the broker (not after the first connection). */
    void onReconnect(Runnable r) {
        reconnectListeners.add(r);
    }

    String url() {
        return url;
    }

    Connection connection() {
        return nc;
    }

    KeyValue queue() {
        return queue;
    }

    KeyValue history() {
        return history;
    }

    KeyValue workers() {
        return workers;
    }

    KeyValue control() {
        return control;
    }

    ObjectStore outputs() {
        return outputs;
    }

    /** True when {@code e} is the broker refusing a compare-and-set write (someone else changed the key first). */
    static boolean lostRace(JetStreamApiException e) {
        return e.getApiErrorCode() == WRONG_LAST_SEQUENCE;
    }

    /** A failure talking to the broker as the one-line error the API and the CLI show. */
    QueueStoreException failure(String what, Exception e) {
        String why = e instanceof TimeoutException || e.getMessage() == null ? e.getClass().getSimpleName()
                : e.getMessage();
        return new QueueStoreException("the NATS broker at " + url + " did not " + what + " (" + why
                + "); is nats-server running? Nothing was changed", e);
    }

    @Override
    public void close() {
        closeQuietly(nc);
    }

    private static void closeQuietly(Connection nc) {
        try {
            nc.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
