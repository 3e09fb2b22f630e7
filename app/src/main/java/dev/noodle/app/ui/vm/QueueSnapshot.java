package dev.noodle.app.ui.vm;

import java.util.List;

/**
 * The queue as the panel shows it, read at one moment.
 *
 * @param backend what holds the queue ("embedded", "nats://…", "ComfyUI", "this editor")
 * @param paused whether queued prompts wait until resumed
 * @param canPause whether this queue can be paused (a Noodle server can; a ComfyUI server and the editor cannot)
 * @param canMove whether queued prompts can be reordered
 * @param running the prompts running now
 * @param pending the prompts waiting, in the order they will run
 * @param workers who runs them and what each is doing
 */
public record QueueSnapshot(String backend, boolean paused, boolean canPause, boolean canMove, List<Prompt> running,
        List<Prompt> pending, List<Worker> workers) {
    public QueueSnapshot {
        running = List.copyOf(running);
        pending = List.copyOf(pending);
        workers = List.copyOf(workers);
    }

    /**
     * One prompt.
     *
     * @param id the prompt id
     * @param number its priority number as the server gives it (lower runs first), or "" when there is none
     * @param summary what it makes, in a few words (checkpoint, prompt text, node count)
     */
    public record Prompt(String id, String number, String summary) {}

    /**
     * One worker.
     *
     * @param state idle, running or loading
     * @param promptId the prompt it runs, or null
     * @param node the node it runs now, or null
     * @param value the node's progress (a sampler's step), or -1 when it reports none
     * @param max the steps of that progress, or -1
     * @param loaded the model files it holds loaded
     * @param done how many prompts it has finished
     * @param seenMsAgo how long ago it last reported, in milliseconds
     */
    public record Worker(String id, String host, String state, String promptId, String node, long value, long max,
            List<String> loaded, long done, long seenMsAgo) {
        public Worker {
            loaded = List.copyOf(loaded);
        }
    }
}
