package dev.noodle.app.ui.vm;

import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import dev.noodle.nodes.host.ModelKind;
import dev.noodle.nodes.library.BaseModel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Model files wired to a checkpoint of another base model: a LoRA for SDXL on an SD 1.x checkpoint, an SD 1.x
 * ControlNet in an SDXL graph, an SDXL VAE decoding SD 1.x latents. For each node that loads a LoRA, VAE, ControlNet
 * or hypernetwork, the checkpoint it works with is found by following its links back to the nearest node that names a
 * {@code ckpt_name} (through other LoRAs, model patches …); a loader with no such inputs (VAE Loader, ControlNet
 * Loader) is matched through the nodes it feeds. Both files' base models come from a {@link Bases} lookup; a file
 * whose base is not known yet gives no warning. Pure; any thread.
 */
public final class ModelMismatch {
    /** The combo inputs that name a model file, and the folder each lists. */
    public static final Map<String, ModelKind> FILE_INPUTS = Map.of(
            "ckpt_name", ModelKind.CHECKPOINTS,
            "lora_name", ModelKind.LORAS,
            "vae_name", ModelKind.VAE,
            "control_net_name", ModelKind.CONTROLNET,
            "hypernetwork_name", ModelKind.HYPERNETWORKS);
    private static final int MAX_NODES = 500;

    /** The base model of a listed file ({@code kind}'s folder, the name as the combo lists it), if known. */
    @FunctionalInterface
    public interface Bases {
        Optional<BaseModel> base(ModelKind kind, String name);
    }

    /**
     * One node's finding.
     *
     * @param nodeId the node loading the file
     * @param file the file it loads
     * @param checkpoint the checkpoint it is wired to
     * @param serious true for a warning (will not fit or looks wrong), false for a note (same architecture)
     * @param text one line for people
     */
    public record Finding(String nodeId, String file, String checkpoint, boolean serious, String text) {}

    private ModelMismatch() {}

    /** {@code embedding:name} in a prompt, as the text encoders read it. */
    private static final java.util.regex.Pattern EMBEDDING =
            java.util.regex.Pattern.compile("embedding:([A-Za-z0-9_][A-Za-z0-9_.\\-/]*)");

    /**
     * The model files a node names: input → (kind, file name); an embedding named in a prompt text as
     * {@code embedding:name} is listed under "input#embedding:name" with the name as written (maybe without its
     * file ending).
     */
    public static Map<String, Map.Entry<ModelKind, String>> files(NodeInstance n) {
        Map<String, Map.Entry<ModelKind, String>> out = new LinkedHashMap<>();
        for (Map.Entry<String, InputValue> in : n.inputs().entrySet()) {
            if (!(in.getValue() instanceof Literal lit) || !(lit.value() instanceof String s) || s.isBlank()) {
                continue;
            }
            ModelKind kind = FILE_INPUTS.get(in.getKey());
            if (kind != null) {
                out.put(in.getKey(), Map.entry(kind, s));
            } else if (s.contains("embedding:")) {
                java.util.regex.Matcher m = EMBEDDING.matcher(s);
                while (m.find()) {
                    String name = m.group(1).replaceAll("[.]+$", "");
                    out.putIfAbsent(in.getKey() + "#embedding:" + name, Map.entry(ModelKind.EMBEDDINGS, name));
                }
            }
        }
        return out;
    }

    /** The findings of every node in {@code wf}, by node id (nodes without a mismatch are absent). */
    public static Map<String, Finding> check(Workflow wf, Bases bases) {
        Map<String, Finding> out = new LinkedHashMap<>();
        for (NodeInstance n : wf.nodes().values()) {
            for (Map.Entry<ModelKind, String> f : files(n).values()) {
                if (f.getKey() == ModelKind.CHECKPOINTS) {
                    continue;
                }
                Optional<BaseModel> mine = bases.base(f.getKey(), f.getValue());
                if (mine.isEmpty() || mine.get() == BaseModel.UNKNOWN) {
                    continue;
                }
                Optional<String> ckpt = checkpointOf(wf, n);
                if (ckpt.isEmpty()) {
                    continue;
                }
                Optional<BaseModel> theirs = bases.base(ModelKind.CHECKPOINTS, ckpt.get());
                if (theirs.isEmpty() || theirs.get() == BaseModel.UNKNOWN) {
                    continue;
                }
                Optional<Finding> finding = compare(n.id(), f.getKey(), f.getValue(), mine.get(), ckpt.get(),
                        theirs.get());
                if (finding.isPresent()) {
                    out.put(n.id(), finding.get());
                    break;
                }
            }
        }
        return out;
    }

    /** What to say about a file of base {@code mine} used with a checkpoint of base {@code theirs}, if anything. */
    public static Optional<Finding> compare(String nodeId, ModelKind kind, String file, BaseModel mine,
            String checkpoint, BaseModel theirs) {
        if (mine == theirs || mine == BaseModel.UNKNOWN || theirs == BaseModel.UNKNOWN) {
            return Optional.empty();
        }
        String what = what(kind) + " for " + mine.displayName() + " on " + article(theirs) + " "
                + theirs.displayName() + " checkpoint";
        if (mine.sdxlFamily() && theirs.sdxlFamily()) { // Pony and SDXL share the architecture: it loads and runs
            return Optional.of(new Finding(nodeId, file, checkpoint, false, what
                    + " — same architecture, it works; results are best on the base it was made for"));
        }
        if (kind == ModelKind.VAE && family(mine) == family(theirs)) {
            return Optional.empty(); // SD 1.x and 2.x share one VAE; the SDXL refiner uses SDXL's
        }
        return Optional.of(new Finding(nodeId, file, checkpoint, true, what + " (" + checkpoint + "): it will not"
                + " fit or will spoil the image; pick " + article(theirs) + " " + theirs.displayName() + " "
                + what(kind) + " or " + article(mine) + " " + mine.displayName() + " checkpoint"));
    }

    private static int family(BaseModel b) {
        return switch (b) {
            case SD1, SD2 -> 1;
            case SDXL, PONY, SDXL_REFINER -> 2;
            default -> 0;
        };
    }

    private static String what(ModelKind kind) {
        return switch (kind) {
            case LORAS -> "LoRA";
            case VAE -> "VAE";
            case CONTROLNET -> "ControlNet";
            case HYPERNETWORKS -> "hypernetwork";
            case EMBEDDINGS -> "embedding";
            default -> kind.folder();
        };
    }

    /** "an" before SD…, "a" before Pony. */
    static String article(BaseModel b) {
        return b.displayName().startsWith("S") ? "an" : "a";
    }

    /**
     * The checkpoint file {@code node} works with: the nearest {@code ckpt_name} upstream of it, else upstream of
     * the nodes it feeds.
     */
    public static Optional<String> checkpointOf(Workflow wf, NodeInstance node) {
        Optional<String> up = upstream(wf, List.of(node), Set.of());
        if (up.isPresent()) {
            return up;
        }
        List<NodeInstance> consumers = new ArrayList<>();
        for (NodeInstance n : wf.nodes().values()) {
            for (InputValue v : n.inputs().values()) {
                if (v instanceof Link l && l.nodeId().equals(node.id())) {
                    consumers.add(n);
                    break;
                }
            }
        }
        return upstream(wf, consumers, Set.of(node.id()));
    }

    private static Optional<String> upstream(Workflow wf, List<NodeInstance> start, Set<String> skip) {
        Deque<NodeInstance> queue = new ArrayDeque<>(start);
        Set<String> seen = new HashSet<>(skip);
        start.forEach(n -> seen.add(n.id()));
        int steps = 0;
        while (!queue.isEmpty() && steps++ < MAX_NODES) {
            NodeInstance n = queue.removeFirst();
            if (!start.contains(n)) {
                for (Map.Entry<ModelKind, String> f : files(n).values()) {
                    if (f.getKey() == ModelKind.CHECKPOINTS) {
                        return Optional.of(f.getValue());
                    }
                }
            }
            for (InputValue v : n.inputs().values()) {
                if (v instanceof Link l && seen.add(l.nodeId())) {
                    NodeInstance from = wf.node(l.nodeId());
                    if (from != null) {
                        queue.addLast(from);
                    }
                }
            }
        }
        return Optional.empty();
    }
}
