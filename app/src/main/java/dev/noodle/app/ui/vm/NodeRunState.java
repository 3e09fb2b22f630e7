package dev.noodle.app.ui.vm;

import dev.noodle.graph.node.MessageLevel;
import java.util.List;

/**
 * What a node card shows about the latest run: status, progress, timing, message and images.
 *
 * @param status the node's state
 * @param progress 0..1 while running with known progress, negative when indeterminate
 * @param nanos execution time when done
 * @param message failure, validation or warning text (empty when none)
 * @param images image descriptors from the node's ui "images" ({@link java.nio.file.Path} or
 *     {@link java.awt.image.BufferedImage})
 * @param preview latest sampler preview image (a {@link java.awt.image.BufferedImage}) or null
 * @param step the step reached while running (e.g. the sampler's i of N), 0 when unknown
 * @param steps the number of steps while running, 0 when unknown
 * @param messageLevel how the message is shown: a note (info), a warning, or an error
 */
public record NodeRunState(
        NodeStatus status,
        double progress,
        long nanos,
        String message,
        List<Object> images,
        Object preview,
        long step,
        long steps,
        MessageLevel messageLevel) {

    /** The state of a node that has not run. */
    public static final NodeRunState IDLE = new NodeRunState(NodeStatus.IDLE, -1, 0, "", List.of(), null);

    public NodeRunState {
        message = message == null ? "" : message;
        images = List.copyOf(images);
        messageLevel = messageLevel == null ? levelOf(status) : messageLevel;
    }

    /** A state without step counts; its message is an error for a failed or invalid node, else a note. */
    public NodeRunState(
            NodeStatus status, double progress, long nanos, String message, List<Object> images, Object preview) {
        this(status, progress, nanos, message, images, preview, 0, 0, null);
    }

    private static MessageLevel levelOf(NodeStatus status) {
        return status == NodeStatus.FAILED || status == NodeStatus.INVALID ? MessageLevel.ERROR : MessageLevel.INFO;
    }

    /** A copy showing {@code text} at {@code level}, all else kept. */
    public NodeRunState withMessage(String text, MessageLevel level) {
        return new NodeRunState(status, progress, nanos, text, images, preview, step, steps, level);
    }

    /** A copy showing {@code shown} as its images, all else kept. */
    public NodeRunState withImages(List<Object> shown) {
        return new NodeRunState(status, progress, nanos, message, shown, preview, step, steps, messageLevel);
    }

    /** A copy with another status, keeping images so a finished card keeps showing its last output. */
    public NodeRunState with(NodeStatus s) {
        return new NodeRunState(s, -1, 0, "", images, null);
    }

    /** Short text for the card header, e.g. "step 3/20", "running 40%", "done 1.2 s", "cached". */
    public String label() {
        return switch (status) {
            case IDLE -> "";
            case QUEUED -> "queued";
            case RUNNING -> steps > 0 ? "step " + step + "/" + steps
                    : progress >= 0 ? "running " + Math.round(progress * 100) + "%" : "running";
            case CACHED -> "cached";
            case DONE -> String.format(java.util.Locale.ROOT, "done %.2f s", nanos / 1e9);
            case FAILED -> "failed";
            case INVALID -> "invalid";
        };
    }
}
