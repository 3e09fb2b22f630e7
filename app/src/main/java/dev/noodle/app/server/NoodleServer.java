package dev.noodle.app.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import dev.noodle.graph.node.NodeDefinition;
import dev.noodle.nodes.host.ComputeDevice;
import dev.noodle.nodes.host.ModelKind;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import dev.noodle.nodes.host.NoodleRunner;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.config.SizeUnit;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HttpResponseException;
import io.javalin.router.JavalinDefaultRoutingApi;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * An HTTP + WebSocket server speaking ComfyUI's API ({@code /prompt}, {@code /queue}, {@code /history},
 * {@code /view}, {@code /upload/image}, {@code /upload/mask}, {@code /object_info}, {@code /ws}, ... — each also under
 * {@code /api/}),
 * running prompts on Noodle's node set. Built on Javalin 7 (Jetty 12).
 *
 * <p>Lifecycle: {@link #start(ServerOptions)} binds and starts the worker; {@link #close()} stops both and unloads
 * models. Thread-safe.
 */
public final class NoodleServer implements AutoCloseable {
    private final ServerOptions options;
    private final NoodleNodes nodes;
    private static final Logger LOG = LoggerFactory.getLogger(NoodleServer.class);
    private final ObjectMapper mapper = new ObjectMapper();
    private final ClientHub hub = new ClientHub(mapper);
    private final PromptQueue queue;
    /** This server's own worker; null on a coordinator of a broker-backed queue (its workers run the prompts). */
    private final PromptWorker worker;
    private final RunControl control;
    private final Broker broker;
    private final ModelInventory inventory;
    private final PromptHandlers prompts;
    private final FileHandlers files;
    private final FormHandlers forms;
    private final ObjectInfo objectInfo = new ObjectInfo(mapper);
    private final RequestGuard guard;
    private final Javalin app;

    private NoodleServer(ServerOptions options, NoodleNodes nodes, BrokerOptions brokerOptions) {
        this.options = options;
        this.nodes = nodes;
        NodeEnvironment env = nodes.environment();
        FileRoots roots = new FileRoots(env.outputDir(), env.inputDir(), env.tempDir());
        this.files = new FileHandlers(roots, mapper, options.maxUploadBytes());
        if (brokerOptions == null) {
            this.broker = null;
            this.inventory = null;
            this.queue = new EmbeddedPromptQueue(new H2QueueStore(options.stateDir(), mapper), mapper,
                    this::broadcastStatus);
            this.worker = new PromptWorker(queue, new NoodleRunner(nodes), nodes, hub, roots, mapper);
            this.control = worker;
        } else {
            this.broker = Broker.connect(brokerOptions.url(), "noodle coordinator");
            try {
                this.inventory = new ModelInventory(env.models(),
                        nodes.services().get(dev.noodle.nodes.interop.ModelHashCache.class), null);
                BrokerPromptQueue q = new BrokerPromptQueue(broker, mapper, this::broadcastStatus, null, inventory,
                        brokerOptions.maxDeliveries(), brokerOptions.affinityWaitMs());
                this.queue = q;
                this.worker = null;
                this.control = new BrokerCoordinator(broker, q, mapper);
                BrokerEvents.relay(broker.connection(), mapper, hub);
                if (!brokerOptions.sharedOutputs()) {
                    files.useRemote(new BrokerOutputs(broker, roots));
                }
            } catch (RuntimeException e) {
                broker.close();
                throw e;
            }
        }
        this.prompts = new PromptHandlers(mapper, nodes.registry(), queue, control);
        if (queue instanceof BrokerPromptQueue q) {
            prompts.acceptModelsHeldBy(q::heldByAWorker);
        }
        this.forms = new FormHandlers(mapper, nodes.registry(), options.workflowsDir(), prompts);
        this.guard = new RequestGuard(options.loopbackOnly());
        this.app = Javalin.create(this::configure);
    }

    /** Creates the node set over the options' folders and starts serving; the caller closes the server. */
    public static NoodleServer start(ServerOptions options) {
        return start(options, dev.noodle.nodes.host.LatentPreviews.Method.AUTO);
    }

    /** As {@link #start(ServerOptions)}, samplers previewing with {@code preview} (ComfyUI's --preview-method). */
    public static NoodleServer start(ServerOptions options, dev.noodle.nodes.host.LatentPreviews.Method preview) {
        return start(options, preview, null);
    }

    /**
     * As {@link #start(ServerOptions, dev.noodle.nodes.host.LatentPreviews.Method)}; with {@code broker} non-null
     * this server is a coordinator: the queue and history live on the NATS broker and {@code noodle worker}
     * processes run the prompts.
     */
    public static NoodleServer start(ServerOptions options, dev.noodle.nodes.host.LatentPreviews.Method preview,
            BrokerOptions broker) {
        NoodleNodes nodes = NoodleNodes.create(NodeEnvironment.of(options.modelsRoot(), options.outputDir()),
                options.customNodes());
        nodes.previews().setMethod(preview);
        nodes.startupWarnings().forEach(w -> System.err.println("noodle: warning: " + w));
        nodes.packs().notice().ifPresent(n -> System.err.println("noodle: " + n));
        NoodleServer server = null;
        try {
            server = new NoodleServer(options, nodes, broker);
            if (server.worker != null) {
                server.worker.start();
            }
            server.app.start(options.host(), options.port());
            return server;
        } catch (RuntimeException e) {
            if (server != null) {
                server.closeRunning();
            }
            nodes.close();
            throw e;
        }
    }

    /** The port actually bound (useful with port 0). */
    public int port() {
        return app.port();
    }

    /** The address bound. */
    public String host() {
        return options.host();
    }

    /** The base URL, e.g. {@code http://127.0.0.1:8188}. */
    public String url() {
        String h = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
        return "http://" + h + ":" + port();
    }

    /** Where the queue and the history are kept: the database file, or the broker. */
    public String historyFile() {
        return queue.storeLocation();
    }

    private void configure(JavalinConfig config) {
        config.startup.showJavalinBanner = false;
        config.startup.showOldJavalinVersionWarning = false;
        config.http.maxRequestSize = options.maxUploadBytes();
        config.jetty.multipartConfig.maxFileSize(options.maxUploadBytes(), SizeUnit.BYTES);
        config.jetty.multipartConfig.maxTotalRequestSize(options.maxUploadBytes() + (64 << 10), SizeUnit.BYTES);
        config.jetty.multipartConfig.maxInMemoryFileSize(1, SizeUnit.MB);
        config.router.ignoreTrailingSlashes = true;
        JavalinDefaultRoutingApi r = config.routes;
        r.before(this::checkRequest);
        r.wsBeforeUpgrade(this::checkRequest);
        r.exception(QueueStoreException.class, (e, ctx) -> {
            // the change was not saved, so it is not acknowledged: the client may retry
            LOG.error("{}", e.getMessage());
            ObjectNode err = mapper.createObjectNode();
            err.putObject("error").put("type", "queue_store_error").put("message", e.getMessage());
            Http.json(ctx, 503, err);
        });
        both(r::get, "/prompt", prompts::getPrompt);
        both(r::post, "/prompt", prompts::postPrompt);
        both(r::get, "/queue", prompts::getQueue);
        both(r::post, "/queue", prompts::postQueue);
        both(r::get, "/history", prompts::getHistory);
        both(r::get, "/history/{prompt_id}", prompts::getHistoryItem);
        both(r::post, "/history", prompts::postHistory);
        both(r::post, "/interrupt", prompts::postInterrupt);
        both(r::get, "/noodle/queue", prompts::queueState);
        both(r::post, "/noodle/queue/pause", prompts::pause);
        both(r::post, "/noodle/queue/resume", prompts::resume);
        both(r::post, "/noodle/queue/{prompt_id}/move", prompts::move);
        both(r::post, "/free", prompts::postFree);
        both(r::get, "/view", files::view);
        both(r::post, "/upload/image", files::upload);
        both(r::post, "/upload/mask", files::uploadMask);
        both(r::get, "/object_info", ctx -> Http.json(ctx, 200, objectInfo.all(nodes.registry())));
        both(r::get, "/object_info/{node_class}", this::objectInfoOne);
        both(r::get, "/models", this::modelFolders);
        both(r::get, "/models/{folder}", this::modelFiles);
        both(r::get, "/embeddings", this::embeddings);
        both(r::get, "/system_stats", this::systemStats);
        both(r::get, "/noodle/forms", forms::list);
        both(r::get, "/noodle/forms/{name}", forms::one);
        both(r::post, "/noodle/forms/{name}/run", forms::run);
        r.get("/", ctx -> Http.text(ctx, 200, "Noodle server: ComfyUI-compatible API at /prompt, /ws, /history"));
        for (String path : new String[] {"/ws", "/api/ws"}) {
            r.ws(path, ws -> {
                ws.onConnect(ctx -> {
                    String sid = Optional.ofNullable(ctx.queryParam("clientId")).filter(s -> !s.isBlank())
                            .orElseGet(() -> UUID.randomUUID().toString().replace("-", ""));
                    ctx.attribute("sid", sid);
                    ctx.enableAutomaticPings(15, TimeUnit.SECONDS);
                    hub.connect(sid, ctx, () -> greeting(sid));
                });
                ws.onClose(ctx -> hub.remove(ctx.attribute("sid"), ctx));
                ws.onError(ctx -> hub.remove(ctx.attribute("sid"), ctx));
            });
        }
    }

    /**
     * What a (re)connecting client is told first, as ComfyUI's websocket handler does: {@code status} with the
     * queue, then, when this client's prompt is running, {@code executing} for the node running now (H7: a client
     * that reconnects mid-run picks the run up again).
     */
    private List<Map.Entry<String, ObjectNode>> greeting(String sid) {
        List<Map.Entry<String, ObjectNode>> out = new ArrayList<>();
        ObjectNode d = mapper.createObjectNode();
        d.set("status", prompts.queueInfo());
        d.put("sid", sid);
        out.add(Map.entry("status", d));
        control.runningNodeFor(sid).ifPresent(running -> {
            ObjectNode e = mapper.createObjectNode();
            e.put("node", running.nodeId());
            e.put("display_node", running.nodeId());
            e.put("prompt_id", running.promptId());
            out.add(Map.entry("executing", e));
        });
        return out;
    }

    private static void both(BiConsumer<String, Handler> method, String path, Handler handler) {
        method.accept(path, handler);
        method.accept("/api" + path, handler);
    }

    private void checkRequest(Context ctx) {
        String why = guard.refusal(ctx.header("Origin"), ctx.header("Host"));
        if (why != null) {
            throw new HttpResponseException(403, why);
        }
    }

    private void broadcastStatus() {
        ObjectNode d = mapper.createObjectNode();
        d.set("status", prompts == null ? mapper.createObjectNode() : prompts.queueInfo());
        hub.send("status", d, null);
    }

    private void objectInfoOne(Context ctx) {
        ObjectNode out = mapper.createObjectNode();
        nodes.registry().find(ctx.pathParam("node_class"))
                .map(NodeDefinition::schema)
                .ifPresent(s -> out.set(s.type(), objectInfo.node(s, ObjectInfo.pythonModule(nodes.registry(),
                        s.type()))));
        Http.json(ctx, 200, out);
    }

    private void modelFolders(Context ctx) {
        ArrayNode a = mapper.createArrayNode();
        for (ModelKind k : ModelKind.values()) {
            a.add(k.folder());
        }
        Http.json(ctx, 200, a);
    }

    private void modelFiles(Context ctx) {
        String folder = ctx.pathParam("folder");
        for (ModelKind k : ModelKind.values()) {
            if (k.folder().equals(folder)) {
                ArrayNode a = mapper.createArrayNode();
                nodes.environment().models().list(k).forEach(a::add);
                Http.json(ctx, 200, a);
                return;
            }
        }
        Http.text(ctx, 404, "unknown model folder '" + folder + "'");
    }

    private void embeddings(Context ctx) {
        ArrayNode a = mapper.createArrayNode();
        for (String name : nodes.environment().models().list(ModelKind.EMBEDDINGS)) {
            int dot = name.lastIndexOf('.');
            a.add(dot > 0 ? name.substring(0, dot) : name);
        }
        Http.json(ctx, 200, a);
    }

    private void systemStats(Context ctx) {
        ObjectNode out = mapper.createObjectNode();
        ObjectNode sys = out.putObject("system");
        long total = 0;
        long free = 0;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            total = os.getTotalMemorySize();
            free = os.getFreeMemorySize();
        }
        sys.put("os", System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("win") ? "nt" : "posix");
        sys.put("ram_total", total);
        sys.put("ram_free", free);
        sys.put("comfyui_version", "noodle-0.1.0");
        sys.put("python_version", "Java " + Runtime.version());
        sys.put("pytorch_version", "DJL PyTorch");
        sys.put("embedded_python", false);
        sys.putArray("argv").add("noodle").add("serve");
        ArrayNode devices = out.putArray("devices");
        ComputeDevice device = nodes.device();
        ObjectNode dev = devices.addObject();
        dev.put("name", device.name());
        dev.put("type", device.type());
        dev.put("index", device.index());
        boolean gpu = device.gpu();
        dev.put("vram_total", gpu ? 0 : total);
        dev.put("vram_free", gpu ? 0 : free);
        dev.put("torch_vram_total", 0);
        dev.put("torch_vram_free", 0);
        Http.json(ctx, 200, out);
    }

    /** Stops accepting requests, stops the worker (cancelling a running prompt) and unloads models. */
    @Override
    public void close() {
        try {
            app.stop();
        } finally {
            try {
                closeRunning();
            } finally {
                nodes.close();
            }
        }
    }

    private void closeRunning() {
        try {
            if (worker != null) {
                queue.handBack();
                worker.close();
            }
        } finally {
            try {
                queue.close();
            } finally {
                if (inventory != null) {
                    inventory.close();
                }
                if (broker != null) {
                    broker.close();
                }
            }
        }
    }
}
