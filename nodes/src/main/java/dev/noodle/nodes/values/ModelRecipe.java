package dev.noodle.nodes.values;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Where a MODEL or CLIP came from: a model file (a leaf), or a merge of other recipes with its method and ratios
 * (a node). A saved merge carries it as JSON in its safetensors metadata under {@value #METADATA_KEY}, the way
 * {@code ss_*} fields describe a trained LoRA: every source file with its SHA-256, the merge node and its ratios
 * per block, nested as the merges were. Immutable.
 *
 * @param file the model file name as the loader lists it (leaves only), or null
 * @param sha256 the file's SHA-256 in lower-case hex, once known (saved or read back), or null
 * @param path where the file was loaded from, for hashing; null once saved or read back
 * @param method the merge node type ({@code ModelMergeBlocks}, …) or null for a leaf
 * @param ratios the merge's numeric inputs by input name, in input order (empty for leaves)
 * @param inputs the merged recipes in input order (empty for leaves)
 */
public record ModelRecipe(String file, String sha256, Path path, String method, Map<String, Double> ratios,
        List<ModelRecipe> inputs) {
    /** The metadata key holding the recipe of a saved merge. */
    public static final String METADATA_KEY = "noodle.merge_recipe";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ModelRecipe UNKNOWN = new ModelRecipe("(unknown)", null, null, null, Map.of(), List.of());

    public ModelRecipe {
        ratios = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(ratios));
        inputs = List.copyOf(inputs);
    }

    /** A model loaded from {@code file} at {@code path}. */
    public static ModelRecipe file(String file, Path path) {
        return new ModelRecipe(file, null, path, null, Map.of(), List.of());
    }

    /** A merge by {@code method} of {@code inputs} (a null input is one of unknown origin). */
    public static ModelRecipe merge(String method, Map<String, ? extends Number> ratios, List<ModelRecipe> inputs) {
        Map<String, Double> r = new LinkedHashMap<>();
        // a float input's value as its decimal text reads (0.3, not 0.30000001192092896)
        ratios.forEach((k, v) -> r.put(k, v instanceof Float f ? Double.parseDouble(Float.toString(f))
                : v.doubleValue()));
        List<ModelRecipe> in = new ArrayList<>();
        for (ModelRecipe i : inputs) {
            in.add(i == null ? UNKNOWN : i);
        }
        return new ModelRecipe(null, null, null, method, r, in);
    }

    /** Whether this recipe is a merge (not a plain file). */
    public boolean isMerge() {
        return method != null;
    }

    /** The source files, each once, in the order they first appear. */
    public List<ModelRecipe> sources() {
        Set<ModelRecipe> out = new LinkedHashSet<>();
        collect(out);
        return List.copyOf(out);
    }

    private void collect(Set<ModelRecipe> out) {
        if (!isMerge()) {
            out.add(this);
        }
        inputs.forEach(i -> i.collect(out));
    }

    /** The file name of the recipe's source, or the names of its sources joined ("a + b"). */
    public String sourceNames() {
        return String.join(" + ", sources().stream().map(ModelRecipe::file).toList());
    }

    /**
     * The same recipe with every source's SHA-256 from {@code hasher} (given the loaded path; leaves without a
     * path keep what they have) and no paths, as it is saved.
     */
    public ModelRecipe hashed(Function<Path, String> hasher) {
        if (!isMerge()) {
            return new ModelRecipe(file, path == null ? sha256 : hasher.apply(path), null, null, Map.of(), List.of());
        }
        return new ModelRecipe(null, null, null, method, ratios, inputs.stream().map(i -> i.hashed(hasher)).toList());
    }

    /** One line for people: "ModelMergeBlocks (input 0.3, middle 0.5, out 1.0) of a.safetensors, b.safetensors". */
    public String describe() {
        if (!isMerge()) {
            return file;
        }
        StringBuilder b = new StringBuilder(method);
        if (!ratios.isEmpty()) {
            List<String> parts = new ArrayList<>();
            ratios.forEach((k, v) -> parts.add(k + " " + v));
            b.append(" (").append(String.join(", ", parts)).append(")");
        }
        List<String> of = new ArrayList<>();
        for (ModelRecipe i : inputs) {
            of.add(i.isMerge() ? "[" + i.describe() + "]" : i.file());
        }
        return b.append(" of ").append(String.join(", ", of)).toString();
    }

    /** The recipe as a JSON tree: leaves {@code {file, sha256}}, merges {@code {method, ratios, models}}. */
    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        if (!isMerge()) {
            o.put("file", file);
            if (sha256 != null) {
                o.put("sha256", sha256);
            }
            return o;
        }
        o.put("method", method);
        ObjectNode r = o.putObject("ratios");
        ratios.forEach(r::put);
        ArrayNode models = o.putArray("models");
        inputs.forEach(i -> models.add(i.toJson()));
        return o;
    }

    /** Reads a tree written by {@link #toJson()}. */
    public static ModelRecipe fromJson(JsonNode o) {
        if (!o.has("method")) {
            JsonNode h = o.get("sha256");
            return new ModelRecipe(o.path("file").asText(), h == null ? null : h.asText(), null, null, Map.of(),
                    List.of());
        }
        Map<String, Double> r = new LinkedHashMap<>();
        o.path("ratios").properties().forEach(e -> r.put(e.getKey(), e.getValue().asDouble()));
        List<ModelRecipe> in = new ArrayList<>();
        o.path("models").forEach(m -> in.add(fromJson(m)));
        return new ModelRecipe(null, null, null, o.path("method").asText(), r, in);
    }

    /**
     * The metadata text of a saved file's recipes: {@code {"model": …, "clip": …}}, each present when that part is
     * a merge; {@code model} and {@code clip} may be null.
     */
    public static String metadataText(ModelRecipe model, ModelRecipe clip) {
        ObjectNode o = JSON.createObjectNode();
        if (model != null) {
            o.set("model", model.toJson());
        }
        if (clip != null) {
            o.set("clip", clip.toJson());
        }
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The saved recipe of a .safetensors model file, read from its header only: the model's recipe, else its
     * text encoder's; empty for other files, files without one, and files that cannot be read.
     */
    public static Optional<ModelRecipe> ofFile(Path file) {
        if (!file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".safetensors")) {
            return Optional.empty();
        }
        try (dev.noodle.engine.io.SafetensorsFile f = dev.noodle.engine.io.SafetensorsFile.open(file)) {
            Map<String, String> meta = f.metadata();
            return read(meta, "model").or(() -> read(meta, "clip"));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * The recipe of one part ({@code "model"} or {@code "clip"}) read back from a saved file's metadata, if it has
     * one; a malformed text reads as none.
     */
    public static Optional<ModelRecipe> read(Map<String, String> metadata, String part) {
        String text = metadata.get(METADATA_KEY);
        if (text == null) {
            return Optional.empty();
        }
        try {
            JsonNode n = JSON.readTree(text).get(part);
            return n == null || !n.isObject() ? Optional.empty() : Optional.of(fromJson(n));
        } catch (JsonProcessingException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
