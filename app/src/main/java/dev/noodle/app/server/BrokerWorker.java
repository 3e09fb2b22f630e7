package dev.noodle.app.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noodle.nodes.host.CustomNodes;
import dev.noodle.nodes.host.LatentPreviews;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import dev.noodle.nodes.host.NoodleRunner;
import dev.noodle.nodes.interop.ModelHashCache;
import io.nats.client.Dispatcher;
import io.nats.client.JetStreamApiException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker process ({@code noodle worker --broker URL}): takes prompts from the broker's queue, runs them with the
 * normal executor (its cache carries over from prompt to prompt, so a checkpoint stays loaded), streams progress to
 * the coordinators, puts the images in the broker's object store (unless outputs are shared), records the result,
 * and renews its advertisement every second — the heartbeat by which a prompt of a worker that died is given to
 * another. Stopping it (Ctrl+C, SIGTERM) hands its running prompt back to the queue.
 */
public final class BrokerWorker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BrokerWorker.class);
    private final String id;
    private final String host;
    private final NoodleNodes nodes;
    private final Broker broker;
    private final ObjectMapper mapper = new ObjectMapper();
    private final ModelInventory inventory;
    private final BrokerPromptQueue queue;
    private final BrokerEvents events;
    private final PromptWorker worker;
    private final Dispatcher commands;
    private final ScheduledExecutorService heartbeat;
    private final long startedAt = System.currentTimeMillis();
    private volatile String state = "idle";

    private BrokerWorker(BrokerOptions options, NoodleNodes nodes, Broker broker, String name) {
        this.nodes = nodes;
        this.broker = broker;
        this.host = PromptWorker.hostName();
        this.id = name != null ? safeId(name) : safeId(host + "-" + ProcessHandle.current().pid() + "-"
                + UUID.randomUUID().toString().substring(0, 6));
        NodeEnvironment env = nodes.environment();
        FileRoots roots = new FileRoots(env.outputDir(), env.inputDir(), env.tempDir());
        this.inventory = new ModelInventory(env.models(),
                nodes.services().get(ModelHashCache.class), nodes::loadedCheckpoints);
        this.queue = new BrokerPromptQueue(broker, mapper, () -> { }, id, inventory, options.maxDeliveries(),
                options.affinityWaitMs());
        if (!options.sharedOutputs()) {
            queue.publishOutputsWith(new BrokerOutputs(broker, roots));
        }
        this.events = new BrokerEvents(broker.connection(), mapper);
        this.worker = new PromptWorker(queue, new NoodleRunner(nodes), nodes, events, roots, mapper);
        this.commands = broker.connection().createDispatcher(msg -> {
            try {
                JsonNode c = mapper.readTree(msg.getData());
                switch (c.path("op").asText()) {
                    case "interrupt" -> worker.interrupt(c.hasNonNull("prompt_id") ? c.get("prompt_id").asText()
                            : null);
                    case "free" -> worker.requestFree(c.path("unload_models").asBoolean(false),
                            c.path("free_memory").asBoolean(false));
                    default -> LOG.debug("unknown command {}", c);
                }
            } catch (IOException | RuntimeException e) {
                LOG.debug("ignoring an unreadable command: {}", e.getMessage());
            }
        });
        commands.subscribe(Broker.COMMANDS);
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "noodle-worker-heartbeat");
            t.setDaemon(true);
            return t;
        });
    }

    /** Keys of the workers bucket allow letters, digits, '-', '_' and '='. */
    static String safeId(String s) {
        String id = s.replaceAll("[^A-Za-z0-9_=-]", "-");
        return id.isEmpty() ? "worker" : id.length() > 100 ? id.substring(0, 100) : id;
    }

    /**
     * Starts a worker over the given folders.
     *
     * @param name this worker's id (default: host, process id and a random suffix)
     * @throws QueueStoreException when the broker cannot be reached or used
     */
    public static BrokerWorker start(BrokerOptions options, Path models, Path out, CustomNodes custom,
            LatentPreviews.Method preview, String name) {
        Broker broker = Broker.connect(options.url(), "noodle worker " + (name == null ? "" : name));
        NoodleNodes nodes = null;
        try {
            nodes = NoodleNodes.create(NodeEnvironment.of(models, out), custom);
            nodes.previews().setMethod(preview);
            nodes.startupWarnings().forEach(w -> System.err.println("noodle: warning: " + w));
            BrokerWorker w = new BrokerWorker(options, nodes, broker, name);
            w.advertise();
            w.heartbeat.scheduleWithFixedDelay(w::advertise, 1, 1, TimeUnit.SECONDS);
            w.worker.start();
            return w;
        } catch (RuntimeException e) {
            if (nodes != null) {
                nodes.close();
            }
            broker.close();
            throw e;
        }
    }

    public String id() {
        return id;
    }

    /** The broker's address. */
    public String brokerUrl() {
        return broker.url();
    }

    private void advertise() {
        try {
            BrokerJob mine = null;
            for (BrokerJob j : queue.running()) {
                if (id.equals(j.worker())) {
                    mine = j;
                }
            }
            String prompt = mine == null ? null : mine.id();
            String client = mine == null ? null : mine.clientId();
            String now = "stopped".equals(state) ? state : prompt != null ? "running" : "idle";
            if (prompt == null) {
                events.idle();
            }
            WorkerAdvert a = new WorkerAdvert(id, host, ProcessHandle.current().pid(), now, prompt, client,
                    prompt == null ? null : events.node(), events.progressValue(), events.progressMax(),
                    queue.finishedHere(), inventory.files(), inventory.loaded(), nodes.device().name(), startedAt);
            broker.workers().put(id, a.toBytes(mapper));
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            LOG.debug("advertisement not renewed: {}", e.getMessage());
        }
    }

    /** Stops taking prompts, hands the running one back to the queue, and disconnects. */
    @Override
    public void close() {
        queue.handBack();
        worker.close();
        heartbeat.shutdownNow();
        state = "stopped";
        advertise();
        try {
            broker.workers().delete(id);
        } catch (IOException | JetStreamApiException e) {
            LOG.debug("advertisement not removed: {}", e.getMessage());
        }
        queue.close();
        inventory.close();
        broker.close();
        nodes.close();
    }
}
