package dev.noodle.app.server;

import dev.noodle.nodes.host.CustomNodes;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code noodle serve}: runs the ComfyUI-compatible HTTP + WebSocket server until Ctrl+C. Binds to loopback unless
 * {@code --listen} is given (then warns: the API has no authentication).
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve ComfyUI's HTTP + WebSocket API (POST /prompt, /ws, /history, /view, ...).")
public final class ServeCommand implements Callable<Integer> {
    @Option(names = "--port", paramLabel = "PORT", description = "TCP port (default: 8188).")
    int port = ServerOptions.DEFAULT_PORT;

    @Option(names = "--models", paramLabel = "DIR", description = "Models root (default: ./models).")
    Path models = Path.of("models");

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: ./output).")
    Path out = Path.of("output");

    @Option(names = "--state", paramLabel = "DIR",
            description = "Where the queue and history database is kept (default: the output folder's parent).")
    Path state;

    @Option(names = "--workflows", paramLabel = "DIR",
            description = "Folder of workflow files whose forms are served by name at /noodle/forms (default: the"
                    + " workflows folder beside the output folder).")
    Path workflows;

    @Option(names = "--listen", arity = "0..1", paramLabel = "ADDR", fallbackValue = "0.0.0.0",
            description = "Accept connections from other machines (default address 0.0.0.0). Without it the"
                    + " server only listens on 127.0.0.1.")
    String listen;

    @Option(names = "--max-upload-mb", paramLabel = "MB", description = "Largest upload accepted (default: 32).")
    long maxUploadMb = ServerOptions.DEFAULT_MAX_UPLOAD >> 20;

    @Option(names = "--disable-custom-nodes",
            description = "Start without the node packs in custom_nodes/ beside the models folder.")
    boolean disableCustomNodes;

    @Option(names = "--preview-method", paramLabel = "METHOD", description = "How samplers preview while they run, as ComfyUI's --preview-method: auto (TAESD when"
                    + " models/vae_approx holds the model family's decoder, else approximate colours), latent2rgb,"
                    + " taesd or none (default: auto).")
    String previewMethod = "auto";

    @Option(names = "--debug", description = "Print stack traces for errors.")
    boolean debug;

    @Option(names = "--broker", paramLabel = "URL", description = "Coordinate workers through a NATS JetStream"
            + " broker (nats://host:4222): the queue and history live there, `noodle worker --broker URL` processes"
            + " run the prompts. Without it this server keeps its queue in --state and runs prompts itself.")
    String broker;

    @Option(names = "--outputs", paramLabel = "MODE", description = "With --broker: how produced images reach this"
            + " server: broker (through the broker's object store, default) or shared (every machine's --out is"
            + " the same shared folder).")
    String outputs = "broker";

    @Option(names = "--max-deliveries", paramLabel = "N", description = "With --broker: how many workers a prompt is"
            + " given to before it ends as an error (default: 3).")
    int maxDeliveries = BrokerOptions.DEFAULT_MAX_DELIVERIES;

    @Option(names = "--affinity-wait", paramLabel = "SECONDS", description = "With --broker: how long a prompt waits"
            + " for a worker that has its checkpoint loaded or its files before any worker takes it (default: 30).")
    double affinityWait = BrokerOptions.DEFAULT_AFFINITY_WAIT_MS / 1000.0;

    /** The broker options these arguments ask for, or null without --broker. */
    static BrokerOptions brokerOptions(String broker, String outputs, int maxDeliveries, double affinityWait) {
        if (broker == null) {
            return null;
        }
        return new BrokerOptions(broker, BrokerOptions.sharedOutputs(outputs), maxDeliveries,
                Math.round(affinityWait * 1000));
    }

    /** The server options these arguments ask for: loopback unless {@code --listen}. */
    ServerOptions options() {
        String host = listen == null ? ServerOptions.LOOPBACK : listen;
        return new ServerOptions(host, port, models, out, state, maxUploadMb << 20,
                CustomNodes.of(disableCustomNodes, models), workflows);
    }

    /**
     * The warning printed before serving on anything but loopback (bad-inputs H4): who can reach the API and that it
     * has no authentication; empty on a loopback bind.
     */
    static Optional<String> exposureWarning(ServerOptions options) {
        if (options.loopbackOnly()) {
            return Optional.empty();
        }
        String host = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
        return Optional.of("noodle: WARNING: listening on " + host + ":" + options.port() + ": anyone who"
                + " can reach this machine can queue prompts, read outputs and upload files. There is no"
                + " authentication; use it only on a trusted network.");
    }

    @Override
    public Integer call() throws InterruptedException {
        ServerOptions options = options();
        dev.noodle.nodes.host.LatentPreviews.Method preview;
        try {
            preview = dev.noodle.nodes.host.LatentPreviews.Method.parse(previewMethod);
        } catch (IllegalArgumentException e) {
            System.err.println("noodle: " + e.getMessage());
            return 2;
        }
        BrokerOptions brokerOptions;
        try {
            brokerOptions = brokerOptions(broker, outputs, maxDeliveries, affinityWait);
        } catch (IllegalArgumentException | QueueStoreException e) {
            System.err.println("noodle: " + e.getMessage());
            return 2;
        }
        exposureWarning(options).ifPresent(System.err::println);
        CountDownLatch stopped = new CountDownLatch(1);
        NoodleServer server;
        try {
            server = NoodleServer.start(options, preview, brokerOptions);
        } catch (QueueStoreException e) {
            System.err.println("noodle: " + e.getMessage());
            return 1;
        }
        Thread hook = new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "noodle-serve-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        System.err.println("noodle: serving ComfyUI's API at " + server.url() + " (models " + options.modelsRoot()
                + ", output " + options.outputDir() + ", queue and history " + server.historyFile() + "). Ctrl+C stops.");
        stopped.await();
        return 0;
    }
}
