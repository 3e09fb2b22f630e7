package dev.noodle.app.ui.vm;

import dev.noodle.graph.exec.RunEvent;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.node.MessageLevel;
import dev.noodle.graph.validate.ValidationCode;
import dev.noodle.graph.validate.ValidationError;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.collections.ObservableMap;

/**
 * Run state for the views: per-node status, the queue, the gallery, and validation errors.
 *
 * <p>Fed by {@link RunController} through one FX-thread adapter; not thread-safe, call from the FX thread (or one
 * test thread).
 */
public final class RunViewModel {
    /** Most images kept in the gallery; older ones drop off. */
    public static final int GALLERY_LIMIT = 200;

    private final ObservableMap<String, NodeRunState> states = FXCollections.observableHashMap();
    private final ObservableMap<String, NodeRunState> statesView = FXCollections.unmodifiableObservableMap(states);
    private final ObservableList<QueueEntry> queue = FXCollections.observableArrayList();
    private final ObservableList<QueueEntry> queueView = FXCollections.unmodifiableObservableList(queue);
    private final ObservableList<Object> gallery = FXCollections.observableArrayList();
    private final ObservableList<Object> galleryView = FXCollections.unmodifiableObservableList(gallery);
    private final ObservableMap<String, List<ValidationError>> errors = FXCollections.observableHashMap();
    private final ObservableMap<String, List<ValidationError>> errorsView =
            FXCollections.unmodifiableObservableMap(errors);
    private final ObservableMap<String, List<OutputPreviews.Preview>> outputs = FXCollections.observableHashMap();
    private final ObservableMap<String, List<OutputPreviews.Preview>> outputsView =
            FXCollections.unmodifiableObservableMap(outputs);
    private final ReadOnlyBooleanWrapper running = new ReadOnlyBooleanWrapper(this, "running");
    private final ReadOnlyStringWrapper status = new ReadOnlyStringWrapper(this, "status", "Ready");
    private int active;

    /** Records a run waiting in the queue. */
    public void queued(String runId, String name) {
        queue.add(new QueueEntry(runId, name, "queued", ""));
        active++;
        running.set(true);
    }

    /**
     * Shows validation problems on every offending node; nothing ran. A dependency cycle marks every node on it
     * (bad-inputs W1), not only the one the error is reported on, so the whole loop stands out on the canvas.
     */
    public void invalid(List<ValidationError> problems) {
        errors.clear();
        Map<String, List<ValidationError>> byNode = new HashMap<>();
        for (ValidationError e : problems) {
            for (String key : nodesOf(e)) {
                byNode.computeIfAbsent(key, k -> new ArrayList<>()).add(e);
                // a subgraph's host lists the problems of every node inside it
                for (int i = key.lastIndexOf(':'); i > 0; i = key.lastIndexOf(':', i - 1)) {
                    byNode.computeIfAbsent(key.substring(0, i), k -> new ArrayList<>()).add(e);
                }
            }
        }
        errors.putAll(byNode);
        for (Map.Entry<String, List<ValidationError>> e : byNode.entrySet()) {
            String text = String.join("\n", e.getValue().stream().map(v -> problemLine(v, e.getKey())).toList());
            states.put(e.getKey(), new NodeRunState(NodeStatus.INVALID, -1, 0, text, images(e.getKey()), null));
        }
        status.set(problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + " to fix before running: "
                + problems.get(0).toLine());
    }

    /** One problem as a card shows it; on a host, it says which inner node it is about. */
    private static String problemLine(ValidationError v, String cardId) {
        String line = v.input() == null ? v.message() : v.input() + ": " + v.message();
        Object path = v.details().get("path");
        return cardId.equals(v.nodeId()) || path == null ? line : path + " — " + line;
    }

    /** The node ids a problem belongs to: all nodes of a cycle, else its node ("" for workflow-wide ones). */
    private static List<String> nodesOf(ValidationError e) {
        if (e.code() == ValidationCode.DEPENDENCY_CYCLE && e.details().get("nodes") instanceof List<?> cycle
                && !cycle.isEmpty()) {
            return cycle.stream().map(String::valueOf).distinct().toList();
        }
        return List.of(e.nodeId() == null ? "" : e.nodeId());
    }

    /** Applies one executor event (on the FX thread). */
    public void apply(RunEvent event) {
        switch (event) {
            case RunEvent.RunStarted e -> {
                errors.clear();
                for (Map.Entry<String, NodeRunState> s : List.copyOf(states.entrySet())) {
                    if (s.getValue().status() == NodeStatus.INVALID) {
                        putState(s.getKey(), s.getValue().with(NodeStatus.IDLE));
                    }
                }
                for (String id : e.plan()) {
                    putState(id, state(id).with(NodeStatus.QUEUED));
                }
                updateQueue(e.runId(), "running", e.plan().size() + " nodes");
                status.set("Running " + e.plan().size() + " nodes…");
            }
            case RunEvent.NodeCached e -> putState(e.nodeId(), state(e.nodeId()).with(NodeStatus.CACHED));
            case RunEvent.NodeStarted e -> {
                putState(e.nodeId(), state(e.nodeId()).with(NodeStatus.RUNNING));
                status.set("Running " + e.nodeType() + " (node " + e.nodeId() + ")…");
            }
            case RunEvent.NodeProgress e -> {
                NodeRunState s = state(e.nodeId());
                double p = e.max() > 0 ? Math.min(1.0, (double) e.value() / e.max()) : -1;
                Object preview = e.preview() instanceof BufferedImage ? e.preview() : s.preview();
                // a node reporting value of max (the sampler: step i of N) shows "step i/N" on its card
                long steps = Math.max(0, e.max());
                long step = steps > 0 ? Math.max(0, Math.min(e.value(), steps)) : 0;
                putState(e.nodeId(), new NodeRunState(NodeStatus.RUNNING, p, 0, s.message(), s.images(), preview,
                        step, steps, s.messageLevel()));
            }
            case RunEvent.NodeMessage e -> {
                // a note (the demo model's "its images are abstract") reads as one; warnings and errors say so
                String text = e.level() == MessageLevel.INFO ? e.text()
                        : e.level().name().toLowerCase(Locale.ROOT) + ": " + e.text();
                putState(e.nodeId(), state(e.nodeId()).withMessage(text, e.level()));
            }
            case RunEvent.NodeFinished e -> {
                List<Object> imgs = imagesFrom(e.ui());
                gallery.addAll(imgs);
                if (gallery.size() > GALLERY_LIMIT) {
                    gallery.remove(0, gallery.size() - GALLERY_LIMIT);
                }
                NodeRunState s = state(e.nodeId());
                String text = textFrom(e.ui()); // PreviewAny's value shows on its card
                putState(e.nodeId(), new NodeRunState(NodeStatus.DONE, 1, e.nanos(),
                        text != null ? text : s.message(), imgs.isEmpty() ? s.images() : imgs, null, 0, 0,
                        text != null ? MessageLevel.INFO : s.messageLevel()));
            }
            case RunEvent.NodeFailed e -> {
                putState(e.nodeId(), new NodeRunState(NodeStatus.FAILED, -1, 0, e.message(), images(e.nodeId()),
                        null));
                status.set("Node " + e.nodeId() + " (" + e.nodeType() + ") failed: " + e.message());
            }
            case RunEvent.RunCancelled e -> {
                resetUnfinished();
                status.set("Run cancelled");
            }
            case RunEvent.RunFinished e -> status.set(String.format(Locale.ROOT,
                    "Finished: %d run, %d cached, %.2f s", e.executed(), e.cached(), e.nanos() / 1e9));
        }
    }

    /**
     * Applies a {@link RunEvent.NodeFinished} or {@link RunEvent.NodeCached} with the previews of the node's IMAGE and
     * MASK outputs (on the FX thread): they are kept for the node ({@link #outputs()}), and its card shows them unless
     * the node showed images of its own (SaveImage's files).
     */
    public void apply(RunEvent event, List<OutputPreviews.Preview> previews) {
        apply(event);
        String id;
        boolean ownImages;
        switch (event) {
            case RunEvent.NodeFinished e -> {
                id = e.nodeId();
                ownImages = !imagesFrom(e.ui()).isEmpty();
            }
            case RunEvent.NodeCached e -> {
                id = e.nodeId();
                ownImages = false;
            }
            default -> {
                return;
            }
        }
        if (previews.isEmpty()) {
            return;
        }
        outputs.put(id, List.copyOf(previews));
        if (!ownImages) {
            putState(id, state(id).withImages(previews.stream().map(p -> (Object) p.image()).toList()));
        }
    }

    /** Records the final result of a run in the queue. */
    public void finished(RunResult result) {
        String detail = switch (result.status()) {
            case SUCCESS -> result.executed() + " run, " + result.cached() + " cached";
            case FAILED, CANCELLED -> result.message() == null ? "" : result.message();
            case INVALID -> result.errors().size() + " problems";
        };
        if (result.status() == RunResult.Status.INVALID) {
            invalid(result.errors());
        }
        if (result.status() != RunResult.Status.SUCCESS) {
            resetUnfinished();
        }
        if (result.status() == RunResult.Status.CANCELLED) {
            status.set("Run cancelled");
        }
        if (result.status() == RunResult.Status.FAILED && result.failedNode() == null) {
            // no node failed: the run could not start (engine not installed, server unreachable)
            status.set("Run failed: " + detail);
        }
        updateQueue(result.runId(), result.status().name().toLowerCase(Locale.ROOT), detail);
        active = Math.max(0, active - 1);
        running.set(active > 0);
    }

    /** Records a run that crashed outside node execution (a bug or an unexpected exception). */
    public void crashed(String runId, Throwable t) {
        updateQueue(runId, "failed", String.valueOf(t.getMessage()));
        status.set("Run failed: " + t);
        resetUnfinished();
        active = Math.max(0, active - 1);
        running.set(active > 0);
    }

    /** Marks a queued run as cancelled before it started. */
    public void cancelledBeforeStart(String runId) {
        updateQueue(runId, "cancelled", "before start");
    }

    /** Adds an image made outside a node (a sweep's grid) to the gallery (on the FX thread). */
    public void showInGallery(Object image) {
        gallery.add(image);
        if (gallery.size() > GALLERY_LIMIT) {
            gallery.remove(0, gallery.size() - GALLERY_LIMIT);
        }
    }

    /** Forgets node states of nodes no longer in the graph, e.g. after loading another workflow. */
    public void clearNodes() {
        states.clear();
        outputs.clear();
        errors.clear();
    }

    private void resetUnfinished() {
        for (Map.Entry<String, NodeRunState> s : List.copyOf(states.entrySet())) {
            NodeStatus st = s.getValue().status();
            if (st == NodeStatus.QUEUED || st == NodeStatus.RUNNING) {
                putState(s.getKey(), s.getValue().with(NodeStatus.IDLE));
            }
        }
    }

    private void updateQueue(String runId, String state, String detail) {
        for (int i = 0; i < queue.size(); i++) {
            if (queue.get(i).runId().equals(runId)) {
                queue.set(i, queue.get(i).with(state, detail));
            }
        }
    }

    private NodeRunState state(String id) {
        return states.getOrDefault(id, NodeRunState.IDLE);
    }

    private List<Object> images(String id) {
        return state(id).images();
    }

    /** The texts an output node shows (ui "text", as PreviewAny's), one per line; null when none. */
    static String textFrom(Map<String, Object> ui) {
        if (ui == null || !(ui.get("text") instanceof List<?> list) || list.isEmpty()) {
            return null;
        }
        return String.join("\n", list.stream().map(String::valueOf).toList());
    }

    /** Extracts image descriptors (Path or BufferedImage, or records with a {@code path()}) from ui "images". */
    static List<Object> imagesFrom(Map<String, Object> ui) {
        if (ui == null || !(ui.get("images") instanceof List<?> list)) {
            return List.of();
        }
        List<Object> out = new ArrayList<>();
        for (Object o : list) {
            if (o instanceof Path || o instanceof BufferedImage) {
                out.add(o);
            } else if (o instanceof java.io.File f) {
                out.add(f.toPath());
            } else if (o instanceof String s) {
                out.add(Path.of(s));
            } else if (o != null && o.getClass().isRecord()) {
                pathComponent(o).ifPresent(out::add);
            }
        }
        return out;
    }

    private static java.util.Optional<Object> pathComponent(Object rec) {
        for (var c : rec.getClass().getRecordComponents()) {
            if (c.getType() == Path.class) {
                try {
                    return java.util.Optional.ofNullable(c.getAccessor().invoke(rec));
                } catch (ReflectiveOperationException e) {
                    return java.util.Optional.empty();
                }
            }
        }
        return java.util.Optional.empty();
    }

    /**
     * Records a node's state; a subgraph's inner node ({@code 83:2}, {@code 12:7:1}) also sets the state of each
     * host around it ({@code 83}; {@code 12:7}, {@code 12}), so a host card shows its inside's latest progress,
     * preview and errors.
     */
    private void putState(String id, NodeRunState state) {
        states.put(id, state);
        for (int i = id.lastIndexOf(':'); i > 0; i = id.lastIndexOf(':', i - 1)) {
            states.put(id.substring(0, i), state);
        }
    }

    /** Node states by node id. */
    public ObservableMap<String, NodeRunState> states() {
        return statesView;
    }

    /**
     * The previews of each node's IMAGE and MASK outputs from its latest run (copies; no run value is kept), by
     * node id.
     */
    public ObservableMap<String, List<OutputPreviews.Preview>> outputs() {
        return outputsView;
    }

    /** Validation errors by node id from the last run attempt. */
    public ObservableMap<String, List<ValidationError>> errors() {
        return errorsView;
    }

    /** Runs in the queue panel, oldest first. */
    public ObservableList<QueueEntry> queue() {
        return queueView;
    }

    /** Images produced since start, oldest first. */
    public ObservableList<Object> gallery() {
        return galleryView;
    }

    /** True while a run is queued or running. */
    public ReadOnlyBooleanProperty runningProperty() {
        return running.getReadOnlyProperty();
    }

    /** One-line run status for the status bar. */
    public ReadOnlyStringProperty statusProperty() {
        return status.getReadOnlyProperty();
    }
}
