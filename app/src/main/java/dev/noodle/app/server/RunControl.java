package dev.noodle.app.server;

import java.util.Optional;

/**
 * What the HTTP handlers ask of whatever runs prompts: this server's own {@link PromptWorker}, or, on a coordinator
 * of a broker-backed queue, the workers reached through the broker.
 */
interface RunControl {
    /** The node running now in a prompt of one client. */
    record RunningNode(String promptId, String nodeId) {}

    /**
     * Cancels the running prompt {@code promptId} (every running prompt when null); whether one was asked to stop.
     */
    boolean interrupt(String promptId);

    /** Asks the workers to drop cached results and unload models between prompts (ComfyUI's {@code /free}). */
    void requestFree(boolean unload, boolean free);

    /** The node executing now when a running prompt was submitted by client {@code sid}; empty otherwise. */
    Optional<RunningNode> runningNodeFor(String sid);

    /** {@code GET /noodle/queue}'s {@code workers}: who runs prompts and what each is doing. */
    com.fasterxml.jackson.databind.node.ArrayNode workers(com.fasterxml.jackson.databind.ObjectMapper mapper);
}
