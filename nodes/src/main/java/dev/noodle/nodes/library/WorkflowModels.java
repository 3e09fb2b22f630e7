package dev.noodle.nodes.library;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noodle.graph.json.ComfyUiFormat;
import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.NodeMode;
import dev.noodle.graph.model.Workflow;
import dev.noodle.nodes.host.DemoAddons;
import dev.noodle.nodes.host.ModelFolders;
import dev.noodle.nodes.host.ModelKind;
import dev.noodle.nodes.interop.ModelHashCache;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The model files a workflow uses, recorded where ComfyUI's templates record them, and found again on another machine.
 *
 * <p><b>Recording.</b> Every node input naming a file in a model folder ({@code ckpt_name}, {@code lora_name},
 * {@code vae_name}, {@code control_net_name} …) becomes a {@link ModelRef}: name, folder, SHA-256 and, when the model
 * library knows it, the URL the file came from. In a UI workflow the references with a URL go into the top-level
 * {@code models} list in ComfyUI's shape ({@code {"name", "url", "hash", "hash_type": "SHA256", "directory"}}, the
 * frontend's {@code zModelFile}, which requires a URL); those without one go into {@code extra.noodle_models} with the
 * same fields less the URL, a place ComfyUI keeps as it is.
 *
 * <p><b>Resolving.</b> {@link #resolve} finds each recorded model by hash first (the library's records, then the
 * files of that folder, hashed once per file version through the shared {@link ModelHashCache}), then by name: a file
 * found by hash under another name is used and the workflow's value changed to it, with a notice; a file with the
 * right name but another hash is used with a warning naming both hashes; a model found neither way is listed as
 * {@link Missing} with its name, hash and source. Thread-safe (stateless).
 */
public final class WorkflowModels {
    /** Top-level key of ComfyUI's model list. */
    public static final String MODELS = "models";
    /** Key under {@code extra} for recorded models without a source URL. */
    public static final String UNPUBLISHED = "noodle_models";
    /** ComfyUI's {@code hash_type} for a SHA-256. */
    public static final String SHA256 = "SHA256";

    private static final Map<String, ModelKind> FILE_INPUTS = Map.ofEntries(
            Map.entry("ckpt_name", ModelKind.CHECKPOINTS), Map.entry("lora_name", ModelKind.LORAS),
            Map.entry("vae_name", ModelKind.VAE), Map.entry("control_net_name", ModelKind.CONTROLNET),
            Map.entry("hypernetwork_name", ModelKind.HYPERNETWORKS),
            Map.entry("style_model_name", ModelKind.STYLE_MODELS), Map.entry("gligen_name", ModelKind.GLIGEN),
            Map.entry("ipadapter_file", ModelKind.IPADAPTER));
    /** Inputs whose name is generic, by node type. */
    private static final Map<String, Map<String, ModelKind>> TYPED_INPUTS = Map.of(
            "UpscaleModelLoader", Map.of("model_name", ModelKind.UPSCALE_MODELS),
            "CLIPVisionLoader", Map.of("clip_name", ModelKind.CLIP_VISION));
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One model file a workflow uses.
     *
     * @param name the file name as the workflow's input names it (relative to its folder)
     * @param directory the ComfyUI folder name ({@code checkpoints}, {@code loras} …)
     * @param sha256 lower-case hex, or "" when unknown
     * @param url where the file can be downloaded, or ""
     */
    public record ModelRef(String name, String directory, String sha256, String url) {
        public ModelRef {
            name = name == null ? "" : name;
            directory = directory == null ? "" : directory;
            sha256 = sha256 == null ? "" : sha256.strip().toLowerCase(Locale.ROOT);
            url = url == null ? "" : url.strip();
        }

        /** The folder kind, if {@link #directory} is one Noodle knows. */
        public Optional<ModelKind> kind() {
            for (ModelKind k : ModelKind.values()) {
                if (k.folder().equals(directory)) {
                    return Optional.of(k);
                }
            }
            return Optional.empty();
        }
    }

    /**
     * A recorded model no folder holds (by hash or by name).
     *
     * @param ref what the workflow recorded
     * @param hint how to get it: an {@code ./noodle models add URL} command when the URL is known, else where to put it
     */
    public record Missing(ModelRef ref, String hint) {
        /** One line for people: the file, its folder, SHA-256 and source, and how to get it. */
        public String describe() {
            return ref.directory() + "/" + ref.name() + " (sha256 " + (ref.sha256().isEmpty() ? "unknown"
                    : ref.sha256()) + ", source " + (ref.url().isEmpty() ? "unknown" : ref.url()) + ")";
        }
    }

    /**
     * What resolving found.
     *
     * @param workflow the workflow with every model found by hash under another name renamed to the local file
     * @param notices one line per model found by hash under another name
     * @param warnings one line per file with the recorded name but another hash
     * @param missing the models found neither by hash nor by name
     */
    public record Resolution(Workflow workflow, List<String> notices, List<String> warnings, List<Missing> missing) {
        public Resolution {
            notices = List.copyOf(notices);
            warnings = List.copyOf(warnings);
            missing = List.copyOf(missing);
        }
    }

    private WorkflowModels() {}

    /** The folder kind of a node input that names a model file, if it is one. */
    public static Optional<ModelKind> kindOf(String nodeType, String input) {
        ModelKind k = FILE_INPUTS.get(input);
        if (k == null) {
            k = TYPED_INPUTS.getOrDefault(nodeType, Map.of()).get(input);
        }
        return Optional.ofNullable(k);
    }

    // ---- recording ----

    /**
     * The model files the workflow's nodes name that a folder holds, each once, in node order; files that cannot be
     * read are left out (the run reports them).
     *
     * @param urlOf the source URL of a file (by its path), "" when unknown; then the URL the workflow itself recorded
     *     for a file with the same SHA-256 is used
     */
    public static List<ModelRef> collect(Workflow wf, ModelFolders folders, ModelHashCache hashes,
            Function<Path, String> urlOf) {
        Map<String, String> recordedUrls = new LinkedHashMap<>();
        for (ModelRef r : recorded(wf)) {
            if (!r.sha256().isEmpty() && !r.url().isEmpty()) {
                recordedUrls.putIfAbsent(r.sha256(), r.url());
            }
        }
        Map<String, ModelRef> out = new LinkedHashMap<>();
        for (NodeInstance n : wf.nodes().values()) {
            if (n.mode() == NodeMode.MUTED) {
                continue;
            }
            for (Map.Entry<String, InputValue> in : n.inputs().entrySet()) {
                Optional<ModelKind> kind = kindOf(n.type(), in.getKey());
                if (kind.isEmpty() || !(in.getValue() instanceof Literal l) || !(l.value() instanceof String name)
                        || name.isBlank()) {
                    continue;
                }
                String key = kind.get().folder() + "/" + name;
                if (out.containsKey(key)) {
                    continue;
                }
                try {
                    Path file = folders.resolve(kind.get(), name);
                    String sha = hashes.sha256(file);
                    String url = urlOf.apply(file);
                    out.put(key, new ModelRef(name, kind.get().folder(), sha,
                            url.isEmpty() ? recordedUrls.getOrDefault(sha, "") : url));
                } catch (IOException | IllegalArgumentException e) {
                    // not there or unreadable: nothing to record
                }
            }
        }
        return List.copyOf(out.values());
    }

    /**
     * A source-URL lookup over the model library of {@code root}: the URL recorded for a file (by its path under the
     * root), else for any recorded file with the same SHA-256. The library is opened once per call; when it cannot be
     * opened every answer is "".
     */
    public static Function<Path, String> libraryUrls(Path root, ModelHashCache hashes) {
        Path r = root.toAbsolutePath().normalize();
        return file -> {
            try (ModelLibrary lib = ModelLibrary.open(r)) {
                Path f = file.toAbsolutePath().normalize();
                if (f.startsWith(r)) {
                    Optional<ModelEntry> e = lib.find(r.relativize(f).toString().replace('\\', '/'));
                    if (e.isPresent() && !e.get().sourceUrl().isEmpty()) {
                        return e.get().sourceUrl();
                    }
                }
                String sha = hashes.sha256(file);
                return lib.findBySha256(sha).stream().map(ModelEntry::sourceUrl).filter(u -> !u.isEmpty())
                        .findFirst().orElse("");
            } catch (LibraryException | IOException e) {
                return "";
            }
        };
    }

    /**
     * {@code uiJson} (a ComfyUI UI workflow) with {@code refs} recorded: those with a URL in the top-level
     * {@code models} list, the others in {@code extra.noodle_models}; lists already there are replaced. An empty
     * {@code refs} removes them.
     */
    public static String record(String uiJson, List<ModelRef> refs) {
        JsonNode root;
        try {
            root = JSON.readTree(uiJson);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a UI workflow: " + e.getOriginalMessage(), e);
        }
        if (!(root instanceof ObjectNode top)) {
            throw new IllegalArgumentException("not a UI workflow: not a JSON object");
        }
        ArrayNode published = JSON.createArrayNode();
        ArrayNode unpublished = JSON.createArrayNode();
        for (ModelRef r : refs) {
            ObjectNode o = JSON.createObjectNode();
            o.put("name", r.name());
            if (!r.url().isEmpty()) {
                o.put("url", r.url());
            }
            if (!r.sha256().isEmpty()) {
                o.put("hash", r.sha256());
                o.put("hash_type", SHA256);
            }
            o.put("directory", r.directory());
            (r.url().isEmpty() ? unpublished : published).add(o);
        }
        top.remove(MODELS);
        if (!published.isEmpty()) {
            top.set(MODELS, published);
        }
        JsonNode extra = top.get("extra");
        if (extra instanceof ObjectNode ex) {
            ex.remove(UNPUBLISHED);
            if (!unpublished.isEmpty()) {
                ex.set(UNPUBLISHED, unpublished);
            }
        } else if (!unpublished.isEmpty()) {
            top.putObject("extra").set(UNPUBLISHED, unpublished);
        }
        try {
            return JSON.writeValueAsString(top) + (uiJson.endsWith("\n") ? "\n" : "");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the workflow: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * {@code wf} with {@code refs} recorded for Noodle's own JSON: a top-level {@code models} list (kept in the
     * workflow's extras, written back by the JSON writer) in the same shape, {@code url} left out when unknown.
     */
    public static Workflow withRecorded(Workflow wf, List<ModelRef> refs) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (ModelRef r : refs) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("name", r.name());
            if (!r.url().isEmpty()) {
                o.put("url", r.url());
            }
            if (!r.sha256().isEmpty()) {
                o.put("hash", r.sha256());
                o.put("hash_type", SHA256);
            }
            o.put("directory", r.directory());
            list.add(o);
        }
        Map<String, Object> extra = new LinkedHashMap<>(wf.extra());
        extra.remove(MODELS);
        if (!list.isEmpty()) {
            extra.put(MODELS, list);
        }
        return new Workflow(wf.format(), wf.name(), wf.nodes(), wf.layout(), extra, wf.subgraphs(), wf.form());
    }

    // ---- reading ----

    /**
     * The models a workflow read from a UI workflow recorded (its top-level {@code models}, its
     * {@code extra.noodle_models}, and the {@code properties.models} of its nodes, as ComfyUI's templates put
     * them); entries without a name or directory are skipped. Empty for other workflows.
     */
    public static List<ModelRef> recorded(Workflow wf) {
        Map<String, ModelRef> out = new LinkedHashMap<>();
        addAll(out, wf.extra().get(MODELS)); // Noodle's own JSON
        Object top = wf.extra().get(ComfyUiFormat.WORKFLOW_KEY);
        if (top instanceof Map<?, ?> m) {
            addAll(out, m.get(MODELS));
            if (m.get("extra") instanceof Map<?, ?> extra) {
                addAll(out, extra.get(UNPUBLISHED));
            }
        }
        for (NodeInstance n : wf.nodes().values()) {
            if (n.extra().get(ComfyUiFormat.NODE_KEY) instanceof Map<?, ?> node
                    && node.get("properties") instanceof Map<?, ?> props) {
                addAll(out, props.get(MODELS));
            }
        }
        return List.copyOf(out.values());
    }

    private static void addAll(Map<String, ModelRef> out, Object list) {
        if (!(list instanceof List<?> items)) {
            return;
        }
        for (Object item : items) {
            if (item instanceof Map<?, ?> m && m.get("name") instanceof String name && !name.isBlank()
                    && m.get("directory") instanceof String dir && !dir.isBlank()) {
                Object hashType = m.get("hash_type");
                String hash = m.get("hash") instanceof String h && (hashType == null
                        || SHA256.equalsIgnoreCase(String.valueOf(hashType))) && h.strip().matches("(?i)[0-9a-f]{64}")
                        ? h : "";
                String url = m.get("url") instanceof String u ? u : "";
                ModelRef r = new ModelRef(name, dir, hash, url);
                ModelRef had = out.get(dir + "/" + name);
                if (had == null || (had.sha256().isEmpty() && !hash.isEmpty())
                        || (had.url().isEmpty() && !url.isEmpty() && had.sha256().equals(r.sha256()))) {
                    out.put(dir + "/" + name, had == null || had.url().isEmpty() || !url.isEmpty() ? r
                            : new ModelRef(name, dir, r.sha256(), had.url()));
                }
            }
        }
    }

    // ---- resolving ----

    /**
     * {@link #resolve} over {@code folders} with their model library (when it can be opened) and the demo files, which
     * the loaders write when missing, never reported missing.
     */
    public static Resolution resolve(Workflow wf, ModelFolders folders, ModelHashCache hashes) {
        if (recorded(wf).isEmpty()) {
            return new Resolution(wf, List.of(), List.of(), List.of());
        }
        ModelLibrary library = null;
        try {
            library = ModelLibrary.open(folders.root());
        } catch (LibraryException e) {
            // hash the folders instead
        }
        try {
            return resolve(wf, folders, hashes, library, WorkflowModels::isDemo);
        } finally {
            if (library != null) {
                library.close();
            }
        }
    }

    private static boolean isDemo(ModelKind kind, String name) {
        return switch (kind) {
            case CHECKPOINTS -> name.equals(dev.noodle.engine.model.DemoCheckpoint.FILE_NAME);
            case LORAS -> name.equals(DemoAddons.LORA);
            case VAE -> name.equals(DemoAddons.VAE);
            case EMBEDDINGS -> name.equals(DemoAddons.EMBEDDING);
            case HYPERNETWORKS -> name.equals(DemoAddons.HYPERNETWORK);
            case CONTROLNET -> name.equals(DemoAddons.CONTROLNET);
            case CLIP_VISION -> name.equals(DemoAddons.CLIP_VISION);
            case STYLE_MODELS -> name.equals(DemoAddons.STYLE_MODEL);
            case UPSCALE_MODELS -> name.equals(DemoAddons.UPSCALER);
            default -> false;
        };
    }

    /**
     * Finds the workflow's recorded models in {@code folders}: by hash first, then by name (see the class comment).
     *
     * @param library the model library of these folders, or null: its records of SHA-256s are asked first
     * @param generated names the loaders write themselves when missing (the demo files): never reported missing
     */
    public static Resolution resolve(Workflow wf, ModelFolders folders, ModelHashCache hashes, ModelLibrary library,
            java.util.function.BiPredicate<ModelKind, String> generated) {
        List<String> notices = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        List<Missing> missing = new ArrayList<>();
        Workflow out = wf;
        for (ModelRef ref : recorded(wf)) {
            Optional<ModelKind> kind = ref.kind();
            if (kind.isEmpty() || !used(wf, kind.get(), ref.name())) {
                continue;
            }
            ModelKind k = kind.get();
            Optional<Path> byName = byName(folders, k, ref.name());
            if (ref.sha256().isEmpty()) {
                if (byName.isEmpty() && !generated.test(k, ref.name())) {
                    missing.add(new Missing(ref, hint(folders, k, ref)));
                }
                continue;
            }
            if (byName.isPresent() && ref.sha256().equals(sha(hashes, byName.get()))) {
                continue; // the very file
            }
            Optional<String> byHash = byHash(folders, k, ref.sha256(), hashes, library);
            if (byHash.isPresent()) {
                out = rename(out, k, ref.name(), byHash.get());
                notices.add(k.folder() + "/" + ref.name() + " was found by its SHA-256 as " + k.folder() + "/"
                        + byHash.get() + "; the workflow now uses that file");
                continue;
            }
            if (byName.isPresent()) {
                warnings.add(k.folder() + "/" + ref.name() + " is not the file the workflow was made with: it has"
                        + " SHA-256 " + sha(hashes, byName.get()) + ", the workflow recorded " + ref.sha256()
                        + "; results may differ");
                continue;
            }
            if (!generated.test(k, ref.name())) {
                missing.add(new Missing(ref, hint(folders, k, ref)));
            }
        }
        return new Resolution(out, notices, warnings, missing);
    }

    private static String hint(ModelFolders folders, ModelKind k, ModelRef ref) {
        if (!ref.url().isEmpty()) {
            return "get it with: ./noodle models add " + ref.url();
        }
        return "no source is recorded; find the file" + (ref.sha256().isEmpty() ? "" : " with this SHA-256")
                + " and put it in " + folders.folder(k).toAbsolutePath().normalize();
    }

    private static boolean used(Workflow wf, ModelKind kind, String name) {
        for (NodeInstance n : wf.nodes().values()) {
            for (Map.Entry<String, InputValue> in : n.inputs().entrySet()) {
                if (in.getValue() instanceof Literal l && name.equals(l.value())
                        && kindOf(n.type(), in.getKey()).orElse(null) == kind) {
                    return true;
                }
            }
        }
        return false;
    }

    private static Workflow rename(Workflow wf, ModelKind kind, String from, String to) {
        Map<String, NodeInstance> nodes = new LinkedHashMap<>();
        for (NodeInstance n : wf.nodes().values()) {
            NodeInstance m = n;
            for (Map.Entry<String, InputValue> in : n.inputs().entrySet()) {
                if (in.getValue() instanceof Literal l && from.equals(l.value())
                        && kindOf(n.type(), in.getKey()).orElse(null) == kind) {
                    m = m.withInput(in.getKey(), Literal.of(to));
                }
            }
            nodes.put(n.id(), m);
        }
        return wf.withNodes(nodes);
    }

    private static Optional<Path> byName(ModelFolders folders, ModelKind k, String name) {
        try {
            return Optional.of(folders.resolve(k, name));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static String sha(ModelHashCache hashes, Path file) {
        try {
            return hashes.sha256(file);
        } catch (IOException e) {
            return "";
        }
    }

    /** The name (relative to its folder) of a file of this kind with this SHA-256. */
    private static Optional<String> byHash(ModelFolders folders, ModelKind k, String sha256, ModelHashCache hashes,
            ModelLibrary library) {
        if (library != null) {
            try {
                for (ModelEntry e : library.findBySha256(sha256)) {
                    Path f = library.root().resolve(e.path()).normalize();
                    Optional<String> name = nameIn(folders, k, f);
                    if (name.isPresent() && Files.isRegularFile(f) && sha256.equals(sha(hashes, f))) {
                        return name;
                    }
                }
            } catch (LibraryException e) {
                // fall back to hashing the folder
            }
        }
        for (String name : folders.list(k)) {
            Optional<Path> f = byName(folders, k, name);
            if (f.isPresent() && sha256.equals(sha(hashes, f.get()))) {
                return Optional.of(name);
            }
        }
        return Optional.empty();
    }

    private static Optional<String> nameIn(ModelFolders folders, ModelKind k, Path file) {
        for (Path d : folders.folders(k)) {
            Path dir = d.toAbsolutePath().normalize();
            if (file.startsWith(dir)) {
                return Optional.of(dir.relativize(file).toString().replace('\\', '/'));
            }
        }
        return Optional.empty();
    }
}
