package dev.noodle.app.server;

/**
 * How a coordinator ({@code noodle serve --broker}) or a worker ({@code noodle worker --broker}) uses the broker.
 *
 * @param url the NATS address, {@code nats://host:4222}
 * @param sharedOutputs true when every machine writes into one shared output folder ({@code --outputs shared});
 *     false to move produced files through the broker's object store
 * @param maxDeliveries how many workers a prompt is given to before it ends as an error (a prompt that kills
 *     every worker that runs it)
 * @param affinityWaitMs how long a queued prompt waits for a worker that has its checkpoint loaded or its files
 *     before any worker takes it
 */
public record BrokerOptions(String url, boolean sharedOutputs, int maxDeliveries, long affinityWaitMs) {
    public static final int DEFAULT_MAX_DELIVERIES = 3;
    public static final long DEFAULT_AFFINITY_WAIT_MS = 30_000;

    public BrokerOptions {
        url = Broker.checkUrl(url);
        if (maxDeliveries < 1) {
            throw new IllegalArgumentException("--max-deliveries must be at least 1, not " + maxDeliveries);
        }
        if (affinityWaitMs < 0) {
            throw new IllegalArgumentException("--affinity-wait cannot be negative");
        }
    }

    /** Parses {@code --outputs}: {@code broker} (default) or {@code shared}. */
    public static boolean sharedOutputs(String mode) {
        return switch (mode == null ? "broker" : mode) {
            case "broker" -> false;
            case "shared" -> true;
            default -> throw new IllegalArgumentException("--outputs must be 'broker' (files travel through the"
                    + " broker) or 'shared' (every machine's --out is the same shared folder), not '" + mode + "'");
        };
    }
}
