package dev.noodle.app.server;

import dev.noodle.nodes.host.CustomNodes;
import dev.noodle.nodes.host.LatentPreviews;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code noodle worker --broker URL}: runs prompts from a broker-backed queue until Ctrl+C, which hands the running
 * prompt back to the queue for another worker.
 */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = "Run prompts from the queue on a NATS JetStream broker (see `noodle serve --broker`).")
public final class WorkerCommand implements Callable<Integer> {
    @Option(names = "--broker", required = true, paramLabel = "URL",
            description = "The NATS JetStream broker the coordinator uses (nats://host:4222).")
    String broker;

    @Option(names = "--models", paramLabel = "DIR", description = "Models root (default: ./models).")
    Path models = Path.of("models");

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: ./output).")
    Path out = Path.of("output");

    @Option(names = "--name", paramLabel = "NAME",
            description = "This worker's name in the queue panel (default: host, process id and a random suffix).")
    String name;

    @Option(names = "--outputs", paramLabel = "MODE", description = "broker (images travel through the broker's"
            + " object store, default) or shared (--out is the output folder the coordinator serves, shared).")
    String outputs = "broker";

    @Option(names = "--max-deliveries", paramLabel = "N",
            description = "How many workers a prompt is given to before it ends as an error (default: 3).")
    int maxDeliveries = BrokerOptions.DEFAULT_MAX_DELIVERIES;

    @Option(names = "--affinity-wait", paramLabel = "SECONDS", description = "How long a prompt waits for a worker"
            + " that has its checkpoint loaded or its files before this worker takes it anyway (default: 30).")
    double affinityWait = BrokerOptions.DEFAULT_AFFINITY_WAIT_MS / 1000.0;

    @Option(names = "--disable-custom-nodes",
            description = "Start without the node packs in custom_nodes/ beside the models folder.")
    boolean disableCustomNodes;

    @Option(names = "--preview-method", paramLabel = "METHOD",
            description = "auto, latent2rgb, taesd or none, as `noodle serve` (default: auto).")
    String previewMethod = "auto";

    @Override
    public Integer call() throws InterruptedException {
        BrokerOptions options;
        LatentPreviews.Method preview;
        try {
            options = ServeCommand.brokerOptions(broker, outputs, maxDeliveries, affinityWait);
            preview = LatentPreviews.Method.parse(previewMethod);
        } catch (IllegalArgumentException | QueueStoreException e) {
            System.err.println("noodle: " + e.getMessage());
            return 2;
        }
        BrokerWorker worker;
        try {
            worker = BrokerWorker.start(options, models, out, CustomNodes.of(disableCustomNodes, models), preview,
                    name);
        } catch (QueueStoreException e) {
            System.err.println("noodle: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            worker.close();
            stopped.countDown();
        }, "noodle-worker-stop"));
        System.err.println("noodle: worker " + worker.id() + " taking prompts from " + worker.brokerUrl()
                + " (models " + models.toAbsolutePath().normalize() + "). Ctrl+C hands the running prompt back and"
                + " stops.");
        stopped.await();
        return 0;
    }
}
