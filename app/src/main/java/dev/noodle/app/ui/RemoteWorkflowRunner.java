package dev.noodle.app.ui;

import com.fasterxml.jackson.databind.JsonNode;
import dev.noodle.app.server.RemoteRunner;
import dev.noodle.app.ui.vm.WorkflowRunner;
import dev.noodle.graph.exec.RunEvent;
import dev.noodle.graph.exec.RunListener;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.node.NodeRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Runs the editor's workflows on a remote ComfyUI-compatible server ({@code ./noodle --connect URL}) through
 * {@link RemoteRunner}, turning the server's websocket messages into the editor's {@link RunEvent}s.
 *
 * <p>Images the server saves are downloaded through {@code /view} and shown on their nodes. Cancelling asks the
 * server to interrupt. Thread-safe: each run uses its own {@link RemoteRunner}.
 */
public final class RemoteWorkflowRunner implements WorkflowRunner {
    /** Longest a remote run may take. */
    public static final Duration TIMEOUT = Duration.ofHours(2);

    private final URI server;
    private final NodeRegistry registry;

    /** A runner posting to {@code server} (e.g. {@code http://127.0.0.1:8188}). */
    public RemoteWorkflowRunner(URI server, NodeRegistry registry) {
        this.server = server;
        this.registry = registry;
    }

    @Override
    public RunResult run(Workflow wf, RunOptions options, RunListener listener, CancellationToken token) {
        String runId = options.runId();
        RemoteRunner remote = new RemoteRunner(server, registry);
        long start = System.nanoTime();
        int[] counts = new int[2]; // executed, cached
        listener.onEvent(new RunEvent.RunStarted(runId, List.of()));
        try {
            RemoteRunner.Outcome out = remote.run(wf, (type, data) -> {
                if (token.isCancelled()) {
                    interrupt(remote);
                }
                RunEvent e = translate(remote, runId, type, data, counts);
                if (e != null) {
                    listener.onEvent(e);
                }
            }, TIMEOUT);
            if (token.isCancelled()) {
                listener.onEvent(new RunEvent.RunCancelled(runId, null));
                return result(runId, RunResult.Status.CANCELLED, counts, null, "cancelled");
            }
            if (!out.success()) {
                String msg = "The server " + server + " reported: " + out.error();
                listener.onEvent(new RunEvent.NodeFailed(runId, null, null, msg, null));
                return result(runId, RunResult.Status.FAILED, counts, null, msg);
            }
            listener.onEvent(new RunEvent.RunFinished(runId, counts[0], counts[1], System.nanoTime() - start));
            return result(runId, RunResult.Status.SUCCESS, counts, null, null);
        } catch (RemoteRunner.RejectedException e) {
            String msg = "The server " + server + " refused the workflow (HTTP " + e.status() + "): " + e.body();
            listener.onEvent(new RunEvent.NodeFailed(runId, null, null, msg, e));
            return result(runId, RunResult.Status.FAILED, counts, null, msg);
        } catch (IOException | RuntimeException e) {
            String msg = "Could not run on " + server + ": " + e.getMessage()
                    + " (is the server running? start one with `./noodle serve`)";
            listener.onEvent(new RunEvent.NodeFailed(runId, null, null, msg, e));
            return result(runId, RunResult.Status.FAILED, counts, null, msg);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            interrupt(remote);
            listener.onEvent(new RunEvent.RunCancelled(runId, null));
            return result(runId, RunResult.Status.CANCELLED, counts, null, "cancelled");
        }
    }

    /** Maps one ComfyUI websocket message to an editor event, or null for messages the editor does not show. */
    static RunEvent translate(RemoteRunner remote, String runId, String type, JsonNode data, int[] counts) {
        String node = data.path("node").isTextual() ? data.path("node").asText() : null;
        switch (type) {
            case "execution_cached" -> {
                JsonNode nodes = data.path("nodes");
                counts[1] += nodes.size();
                // one event per message is enough for the editor; the rest are reported with the next message
                return nodes.isEmpty() ? null : new RunEvent.NodeCached(runId, nodes.get(0).asText());
            }
            case "executing" -> {
                if (node == null) {
                    return null;
                }
                counts[0]++;
                return new RunEvent.NodeStarted(runId, node, "");
            }
            case "progress" -> {
                return node == null ? null
                        : new RunEvent.NodeProgress(runId, node, data.path("value").asLong(), data.path("max").asLong(),
                                null);
            }
            case "executed" -> {
                List<Object> images = new ArrayList<>();
                for (JsonNode img : data.path("output").path("images")) {
                    RemoteRunner.ImageRef ref = new RemoteRunner.ImageRef(node, img.path("filename").asText(),
                            img.path("subfolder").asText(), img.path("type").asText("output"));
                    try {
                        var image = ImageIO.read(new ByteArrayInputStream(remote.fetch(ref)));
                        if (image != null) {
                            images.add(image);
                        }
                    } catch (IOException e) {
                        // the image stays on the server; the run itself succeeded
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return new RunEvent.NodeFinished(runId, node, 0, Map.of("images", images));
            }
            default -> {
                return null;
            }
        }
    }

    private static void interrupt(RemoteRunner remote) {
        try {
            remote.interrupt(null);
        } catch (IOException e) {
            // the server is gone; nothing left to stop
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static RunResult result(String runId, RunResult.Status status, int[] counts, String node, String msg) {
        return new RunResult(runId, status, List.of(), Map.of(), counts[0], counts[1], node, msg);
    }
}
