package dev.noodle.app.ui.vm;

import dev.noodle.graph.edit.ReplaceGraph;
import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import dev.noodle.nodes.host.ModelKind;
import dev.noodle.nodes.library.FewStepDetector;
import dev.noodle.nodes.library.FewStepDetector.Detection;
import dev.noodle.nodes.sampling.FewStepPlan;
import dev.noodle.nodes.sampling.FewStepPresets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import javafx.collections.FXCollections;
import javafx.collections.ObservableMap;

/**
 * Few-step presets offered on the samplers of the shown graph level: when a KSampler's model comes through a LoRA
 * loader or checkpoint loader holding a file made for few steps (LCM, Turbo, Lightning, Hyper-SD, TCD —
 * {@link FewStepDetector}), the sampler gets an offer, "Few-step preset: LCM 4 steps — lcm/sgm_uniform, 4 steps,
 * cfg 1.5 — why", that {@link #apply} puts in as one undoable edit. Never applied by itself; a sampler already on
 * the preset's values gets no offer. Files are read (header only) on the background executor, once each. Map and
 * {@link #recheck}: UI thread only.
 */
public final class FewStepOffers {
    /**
     * One sampler's offer.
     *
     * @param samplerId the KSampler it sets
     * @param loaderId the loader holding the file
     * @param file the file name as the loader lists it
     * @param detection the preset and what told it
     * @param text the one line people read
     */
    public record Offer(String samplerId, String loaderId, String file, Detection detection, String text) {}

    /** The detection of a listed file: empty when it is no few-step file, null while not known yet. */
    @FunctionalInterface
    public interface Lookup {
        Optional<Detection> detect(ModelKind kind, String name);
    }

    private static final Map<String, ModelKind> FILE_INPUTS = Map.of("lora_name", ModelKind.LORAS,
            "ckpt_name", ModelKind.CHECKPOINTS);
    private static final int MAX_CHAIN = 200;

    private final GraphEditorViewModel editor;
    private final Path root;
    private final Executor background;
    private final Executor ui;
    private final ObservableMap<String, Offer> offers = FXCollections.observableHashMap();
    private final Map<Path, Optional<Detection>> known = new ConcurrentHashMap<>();
    private final Map<Path, Boolean> reading = new ConcurrentHashMap<>();

    /**
     * @param editor the editor whose shown level the offers follow
     * @param modelsRoot the models folder
     * @param background where files are read
     * @param ui the UI thread
     */
    public FewStepOffers(GraphEditorViewModel editor, Path modelsRoot, Executor background, Executor ui) {
        this.editor = editor;
        this.root = modelsRoot.toAbsolutePath().normalize();
        this.background = background;
        this.ui = ui;
        editor.levelProperty().addListener((o, a, b) -> recheck());
        recheck();
    }

    /** The offers at the shown level, by sampler node id. */
    public ObservableMap<String, Offer> offers() {
        return offers;
    }

    /** Recomputes the offers of the shown level; files not read yet are read in the background first. */
    public void recheck() {
        Workflow level = editor.level();
        Map<String, Offer> found = level == null ? Map.of() : find(level, this::lookup);
        offers.keySet().retainAll(found.keySet());
        found.forEach((k, v) -> {
            if (!v.equals(offers.get(k))) {
                offers.put(k, v);
            }
        });
    }

    /** Puts the offer on sampler {@code samplerId} into the shown level as one undoable edit; false when none. */
    public boolean apply(String samplerId) {
        Offer o = offers.get(samplerId);
        return o != null && applyPreset(samplerId, o.detection().preset());
    }

    /**
     * Puts preset {@code p} on sampler {@code samplerId} of the shown level as one undoable edit (the sampler's
     * context menu offers every preset); false when that node is no KSampler.
     */
    public boolean applyPreset(String samplerId, FewStepPresets.Preset p) {
        Workflow level = editor.level();
        if (level == null || level.node(samplerId) == null
                || !FewStepPlan.SAMPLERS.contains(level.node(samplerId).type())) {
            return false;
        }
        Workflow after = FewStepPlan.apply(level, p, List.of(samplerId));
        editor.executeHere(new ReplaceGraph("Few-step preset " + p.label() + " on node " + samplerId, level, after));
        editor.say("Set " + p.settings() + " on node " + samplerId + " (Ctrl+Z undoes it)");
        return true;
    }

    private Optional<Detection> lookup(ModelKind kind, String name) {
        Path file = root.resolve(kind.folder()).resolve(name.replace('\\', '/')).normalize();
        if (!file.startsWith(root)) {
            return Optional.empty();
        }
        Optional<Detection> d = known.get(file);
        if (d != null) {
            return d;
        }
        if (reading.putIfAbsent(file, Boolean.TRUE) == null) {
            CompletableFuture.runAsync(() -> {
                Optional<Detection> told = Files.isRegularFile(file) ? FewStepDetector.detect(file) : Optional.empty();
                ui.execute(() -> {
                    known.put(file, told);
                    reading.remove(file);
                    recheck();
                });
            }, background);
        }
        return null;
    }

    /**
     * The offers of a workflow level (pure): for each KSampler/KSamplerAdvanced, the nearest loader on its model chain
     * whose file {@code lookup} detects; none where the sampler already has the preset's values.
     */
    public static Map<String, Offer> find(Workflow level, Lookup lookup) {
        Map<String, Offer> out = new LinkedHashMap<>();
        for (String id : FewStepPlan.samplers(level)) {
            NodeInstance s = level.node(id);
            Offer o = nearest(level, s, lookup);
            if (o == null) {
                continue;
            }
            FewStepPresets.Preset p = o.detection().preset();
            if (!FewStepPresets.matches(p, literal(s, "steps"), literal(s, "cfg"), literal(s, "sampler_name"),
                    literal(s, "scheduler"))) {
                out.put(id, o);
            }
        }
        return out;
    }

    private static Offer nearest(Workflow level, NodeInstance sampler, Lookup lookup) {
        Set<String> seen = new HashSet<>();
        InputValue at = sampler.input("model");
        for (int i = 0; i < MAX_CHAIN && at instanceof Link l && seen.add(l.nodeId()); i++) {
            NodeInstance n = level.node(l.nodeId());
            if (n == null) {
                return null;
            }
            for (Map.Entry<String, ModelKind> f : FILE_INPUTS.entrySet()) {
                if (literal(n, f.getKey()) instanceof String name && !name.isBlank()) {
                    Optional<Detection> d = lookup.detect(f.getValue(), name);
                    if (d != null && d.isPresent()) {
                        Detection det = d.get();
                        String text = det.preset().offer() + " (" + name + ", "
                                + (det.fromName() ? "guessed from its file name" : "told by its " + det.evidence())
                                + ")";
                        return new Offer(sampler.id(), n.id(), name, det, text);
                    }
                }
            }
            at = n.input("model");
        }
        return null;
    }

    private static Object literal(NodeInstance n, String input) {
        return n.input(input) instanceof Literal lit ? lit.value() : null;
    }
}
