package dev.noodle.nodes.interop;

import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Adds the model hashes AUTOMATIC1111 writes to an infotext made by {@link InfotextGraph#toInfotext}: {@code Model
 * hash: <10 hex>} for the checkpoint and {@code Lora hashes: "name: <12 hex>, ..."} for the LoRAs on the base
 * sampler's model chain (names as in the prompt's {@code <lora:name:w>} tags). Existing values are replaced in place;
 * new ones go where A1111 puts them (Model hash before Model, Lora hashes before Version). A file that cannot be
 * found or read is reported to {@code warn} and its hash left out. Thread-safe (stateless).
 */
public final class InfotextHashes {
    /** Finds the file of a model named as in the graph ({@code ckpt_name}, {@code lora_name}). */
    @FunctionalInterface
    public interface ModelFiles {
        Path resolve(String name) throws IOException;
    }

    private InfotextHashes() {}

    /** The infotext with the hashes of the workflow's checkpoint and LoRAs. */
    public static A1111Infotext withHashes(A1111Infotext info, Workflow wf, ModelFiles checkpoints, ModelFiles loras,
            ModelHashCache cache, Consumer<String> warn) {
        NodeInstance base = null;
        for (NodeInstance n : wf.nodes().values()) {
            if (n.type().equals("KSampler")) {
                base = n;
                break;
            }
        }
        if (base == null) {
            return info;
        }
        NodeInstance ckpt = null;
        List<NodeInstance> loraNodes = new ArrayList<>();
        for (NodeInstance n = source(wf, base.input("model")); n != null; n = source(wf, n.input("model"))) {
            if (n.type().equals("LoraLoader")) {
                loraNodes.add(0, n);
            } else if (n.type().equals("CheckpointLoaderSimple")) {
                ckpt = n;
                break;
            }
        }
        Map<String, String> params = new LinkedHashMap<>(info.params());
        if (ckpt != null) {
            String name = text(ckpt.input("ckpt_name"));
            try {
                String hash = cache.modelHash(checkpoints.resolve(name));
                params = insert(params, "Model hash", hash, "Model", "Size");
            } catch (IOException | RuntimeException e) {
                warn.accept("no Model hash for '" + name + "': " + e.getMessage());
            }
        }
        List<String> loraHashes = new ArrayList<>();
        for (NodeInstance lora : loraNodes) {
            String name = text(lora.input("lora_name"));
            try {
                String stem = name.replaceAll(".*[/\\\\]", "").replaceAll("\\.(safetensors|ckpt|pt)$", "");
                loraHashes.add(stem + ": " + cache.loraHash(loras.resolve(name)));
            } catch (IOException | RuntimeException e) {
                warn.accept("no Lora hash for '" + name + "': " + e.getMessage());
            }
        }
        if (!loraHashes.isEmpty()) {
            params = insert(params, "Lora hashes", String.join(", ", loraHashes), "Version", null);
        }
        return new A1111Infotext(info.prompt(), info.negativePrompt(), params);
    }

    /** Puts key=value in place if present, else before {@code before}, else after {@code after}, else at the end. */
    private static Map<String, String> insert(Map<String, String> params, String key, String value, String before,
            String after) {
        if (params.containsKey(key)) {
            params.put(key, value);
            return params;
        }
        Map<String, String> out = new LinkedHashMap<>();
        boolean placed = false;
        for (Map.Entry<String, String> e : params.entrySet()) {
            if (!placed && e.getKey().equals(before)) {
                out.put(key, value);
                placed = true;
            }
            out.put(e.getKey(), e.getValue());
            if (!placed && e.getKey().equals(after) && !params.containsKey(before)) {
                out.put(key, value);
                placed = true;
            }
        }
        if (!placed) {
            out.put(key, value);
        }
        return out;
    }

    private static NodeInstance source(Workflow wf, InputValue v) {
        return v instanceof Link l ? wf.node(l.nodeId()) : null;
    }

    private static String text(InputValue v) {
        return v instanceof Literal l && l.value() != null ? l.value().toString() : "";
    }
}
