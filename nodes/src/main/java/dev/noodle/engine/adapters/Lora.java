package dev.noodle.engine.adapters;

import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.keys.KeyNames;
import dev.noodle.engine.model.ModelFamily;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A parsed LoRA-family file (kohya LoRA/LoCon, diffusers/PEFT LoRA, LyCORIS LoHa and LoKr): its modules by name,
 * the family it was trained for, and the keys it could not interpret. Factor tensors stay in the file and are read
 * only when a patch is computed. Immutable and thread-safe; close to release the file.
 */
public final class Lora implements AutoCloseable {
    private static final String[] SUFFIXES = {
        ".lora_up.weight", ".lora_down.weight", ".lora_mid.weight", ".lora_B.weight", ".lora_A.weight",
        ".hada_w1_a", ".hada_w1_b", ".hada_w2_a", ".hada_w2_b", ".hada_t1", ".hada_t2",
        ".lokr_w1", ".lokr_w2", ".lokr_w1_a", ".lokr_w1_b", ".lokr_w2_a", ".lokr_w2_b", ".lokr_t2",
        ".alpha", ".dora_scale", ".diff", ".diff_b",
    };

    private final String name;
    private final TensorSource source;
    private final AutoCloseable closer;
    private final Map<String, String> metadata;
    private final Map<String, LoraModule> modules;
    private final List<String> unrecognised;

    private Lora(String name, TensorSource source, AutoCloseable closer, Map<String, String> metadata,
            Map<String, LoraModule> modules, List<String> unrecognised) {
        this.name = name;
        this.source = source;
        this.closer = closer;
        this.metadata = Map.copyOf(metadata);
        this.modules = Collections.unmodifiableMap(modules);
        this.unrecognised = List.copyOf(unrecognised);
    }

    /** Opens a {@code .safetensors} (or torch {@code .pt}/{@code .ckpt}) LoRA file and parses its key names. */
    public static Lora load(Path file) {
        ModelFile f = ModelFiles.open(file);
        try {
            String stem = file.getFileName().toString().replaceFirst("\\.[^.]+$", "");
            return parse(stem, f, f.metadata(), f);
        } catch (RuntimeException e) {
            try {
                f.close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * Parses the tensors of a LoRA held elsewhere (in-memory tests and benchmarks); the source is not closed.
     *
     * @throws ModelFormatException when no key has a LoRA suffix (this is not a LoRA) or a module lacks a factor
     */
    public static Lora of(String name, TensorSource source, Map<String, String> metadata) {
        return parse(name, source, metadata, null);
    }

    private static Lora parse(String name, TensorSource src, Map<String, String> metadata, AutoCloseable closer) {
        Map<String, Map<String, String>> groups = new TreeMap<>();
        List<String> unrecognised = new ArrayList<>();
        for (String key : src.keys()) {
            String suffix = suffixOf(key);
            if (suffix == null) {
                unrecognised.add(key);
            } else {
                // a bias difference is a module of its own, named for the bias (ComfyUI: X.diff_b patches X.bias)
                String module = key.substring(0, key.length() - suffix.length())
                        + (suffix.equals(".diff_b") ? ".bias" : "");
                groups.computeIfAbsent(module, k -> new LinkedHashMap<>()).put(suffix, key);
            }
        }
        if (groups.isEmpty()) {
            throw new ModelFormatException(src.describe() + " is not a LoRA: none of its " + src.keys().size()
                    + " keys ends in a LoRA suffix (.lora_up.weight, .lora_A.weight, .hada_w1_a, .lokr_w1, …)."
                    + " Load checkpoints with the checkpoint loader.");
        }
        Map<String, LoraModule> modules = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, String>> g : groups.entrySet()) {
            LoraModule m = module(g.getKey(), g.getValue(), src);
            if (m == null) {
                unrecognised.addAll(g.getValue().values());
            } else {
                modules.put(g.getKey(), m);
            }
        }
        return new Lora(name, src, closer, metadata, modules, unrecognised);
    }

    private static String suffixOf(String key) {
        for (String s : SUFFIXES) {
            if (key.endsWith(s) && key.length() > s.length()) {
                return s;
            }
        }
        return null;
    }

    private static LoraModule module(String n, Map<String, String> k, TensorSource src) {
        String alpha = k.get(".alpha");
        if (k.containsKey(".dora_scale")) {
            throw new ModelFormatException(src.describe() + ": module '" + n + "' is a DoRA (has .dora_scale);"
                    + " DoRA weight decomposition is not supported yet. Use a plain LoRA/LoHa/LoKr file.");
        }
        if (k.containsKey(".lora_up.weight") || k.containsKey(".lora_down.weight")) {
            return new LoraModule.LowRank(n, need(k, ".lora_up.weight", n, src), need(k, ".lora_down.weight", n, src),
                    k.get(".lora_mid.weight"), alpha);
        }
        if (k.containsKey(".lora_B.weight") || k.containsKey(".lora_A.weight")) {
            return new LoraModule.LowRank(n, need(k, ".lora_B.weight", n, src), need(k, ".lora_A.weight", n, src),
                    null, alpha);
        }
        if (k.containsKey(".hada_w1_a")) {
            String t1 = k.get(".hada_t1");
            String t2 = k.get(".hada_t2");
            if ((t1 == null) != (t2 == null)) {
                throw new ModelFormatException(src.describe() + ": LoHa module '" + n + "' has only one of"
                        + " hada_t1/hada_t2; the file is damaged");
            }
            return new LoraModule.Hadamard(n, k.get(".hada_w1_a"), need(k, ".hada_w1_b", n, src),
                    need(k, ".hada_w2_a", n, src), need(k, ".hada_w2_b", n, src), t1, t2, alpha);
        }
        if (k.containsKey(".diff")) {
            return new LoraModule.Full(n, k.get(".diff"));
        }
        if (k.containsKey(".diff_b")) {
            return new LoraModule.Full(n, k.get(".diff_b"));
        }
        boolean lokr = k.keySet().stream().anyMatch(s -> s.startsWith(".lokr_"));
        if (lokr) {
            String w1 = k.get(".lokr_w1");
            String w2 = k.get(".lokr_w2");
            return new LoraModule.Kronecker(n, w1, w1 == null ? need(k, ".lokr_w1_a", n, src) : null,
                    w1 == null ? need(k, ".lokr_w1_b", n, src) : null, w2,
                    w2 == null ? need(k, ".lokr_w2_a", n, src) : null,
                    w2 == null ? need(k, ".lokr_w2_b", n, src) : null, w2 == null ? k.get(".lokr_t2") : null, alpha);
        }
        return null; // only .alpha (or stray factors): reported as unrecognised
    }

    private static String need(Map<String, String> k, String suffix, String module, TensorSource src) {
        String key = k.get(suffix);
        if (key == null) {
            throw new ModelFormatException(src.describe() + ": LoRA module '" + module + "' has " + k.keySet()
                    + " but no '" + suffix + "'; the file is incomplete");
        }
        return key;
    }

    /** The name (file stem) used in messages. */
    public String name() {
        return name;
    }

    /** The tensors, for {@link LoraModule#delta}. */
    public TensorSource source() {
        return source;
    }

    /** The {@code __metadata__} map (empty when absent). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Modules by name in the file, sorted by name. */
    public Map<String, LoraModule> modules() {
        return modules;
    }

    /** Keys that belong to no module (reported by {@link LoraMatch}). */
    public List<String> unrecognisedKeys() {
        return unrecognised;
    }

    /**
     * The family the LoRA was trained for: from {@code ss_base_model_version} / {@code ss_v2} when present, else
     * from the key names and widths ({@code lora_te2_} or a 2048-wide cross-attention means SDXL; a 1024-wide text
     * encoder or context SD2; 768 SD1). Empty when nothing tells.
     */
    public Optional<ModelFamily> family() {
        String v = metadata.getOrDefault("ss_base_model_version", "").toLowerCase(Locale.ROOT);
        if (v.startsWith("sdxl")) {
            return Optional.of(ModelFamily.SDXL);
        }
        if (v.startsWith("sd_v2") || "true".equalsIgnoreCase(metadata.get("ss_v2"))) {
            return Optional.of(ModelFamily.SD2);
        }
        if (v.startsWith("sd_v1")) {
            return Optional.of(ModelFamily.SD1);
        }
        int context = -1;
        int text = -1;
        for (Map.Entry<String, LoraModule> e : modules.entrySet()) {
            String n = e.getKey();
            if (n.startsWith(KeyNames.KOHYA_TE2) || n.startsWith("text_encoder_2.")) {
                return Optional.of(ModelFamily.SDXL);
            }
            if (e.getValue() instanceof LoraModule.LowRank lr && (n.endsWith("attn2_to_k") || n.endsWith("attn2.to_k"))) {
                context = (int) source.info(lr.down()).shape()[1];
            }
            if (e.getValue() instanceof LoraModule.LowRank lr && (n.endsWith("self_attn_q_proj")
                    || n.endsWith("self_attn.q_proj"))) {
                text = (int) source.info(lr.down()).shape()[1];
            }
        }
        if (context == 2048) {
            return Optional.of(ModelFamily.SDXL);
        }
        if (context == 1024 || text == 1024) {
            return Optional.of(ModelFamily.SD2);
        }
        if (context == 768 || text == 768) {
            return Optional.of(ModelFamily.SD1);
        }
        return Optional.empty();
    }

    @Override
    public void close() {
        if (closer != null) {
            try {
                closer.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing LoRA " + name + ": " + e.getMessage(), e);
            }
        }
    }

    @Override
    public String toString() {
        return "Lora[" + name + ", " + modules.size() + " modules]";
    }
}
