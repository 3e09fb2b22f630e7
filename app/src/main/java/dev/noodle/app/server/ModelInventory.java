package dev.noodle.app.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noodle.app.server.BrokerJob.ModelRef;
import dev.noodle.app.server.WorkerAdvert.Held;
import dev.noodle.nodes.host.ModelFolders;
import dev.noodle.nodes.host.ModelKind;
import dev.noodle.nodes.interop.ModelHashCache;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model files in this machine's folders with their SHA-256, for a broker-backed queue: a worker advertises them
 * (so prompts go where their models are) and maps a prompt's model to its own copy by hash, whatever the copy is
 * called here; a coordinator names the files of a submitted prompt by hash. Hashing a multi-gigabyte file takes
 * seconds, so files are hashed on a background thread (each file once ever: the hashes are kept beside the models
 * folder) and the folders are listed again every 30 seconds. Thread-safe.
 */
final class ModelInventory implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelInventory.class);
    /** File name endings a prompt input must have to be taken for a model file. */
    private static final List<String> MODEL_ENDINGS = List.of(".safetensors", ".ckpt", ".pt", ".pth", ".bin", ".sft",
            ".gguf");

    private final ModelFolders folders;
    private final ModelHashCache hashes;
    private final java.util.function.Supplier<List<String>> loadedNames;
    /** kind/name → hash (null until hashed), in listing order. */
    private final Map<String, Held> files = new ConcurrentHashMap<>();
    private final ScheduledExecutorService hasher;

    /**
     * @param loadedNames the file names of the checkpoints loaded in this process (null on a coordinator, which
     *     loads none)
     */
    ModelInventory(ModelFolders folders, ModelHashCache hashes, java.util.function.Supplier<List<String>> loadedNames) {
        this.folders = folders;
        this.hashes = hashes;
        this.loadedNames = loadedNames;
        this.hasher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "noodle-model-hashing");
            t.setDaemon(true);
            t.setPriority(Thread.MIN_PRIORITY);
            return t;
        });
        scan();
        hasher.scheduleWithFixedDelay(this::scanAndHash, 0, 30, TimeUnit.SECONDS);
    }

    private static String key(ModelKind kind, String name) {
        return kind.folder() + "/" + name;
    }

    private static List<ModelKind> kinds() {
        List<ModelKind> out = new ArrayList<>();
        for (ModelKind k : ModelKind.values()) {
            if (k != ModelKind.TOKENIZERS) {
                out.add(k);
            }
        }
        return out;
    }

    /** Lists the folders, keeping known hashes, forgetting removed files. */
    private void scan() {
        Map<String, Held> now = new LinkedHashMap<>();
        for (ModelKind k : kinds()) {
            for (String name : folders.list(k)) {
                Held old = files.get(key(k, name));
                now.put(key(k, name), old != null ? old : new Held(k.folder(), name, null));
            }
        }
        files.keySet().retainAll(now.keySet());
        now.forEach(files::putIfAbsent);
    }

    private void scanAndHash() {
        try {
            scan();
            for (Map.Entry<String, Held> e : files.entrySet()) {
                Held h = e.getValue();
                ModelKind kind = kindOf(h.kind());
                try {
                    String sha = hashes.sha256(folders.resolve(kind, h.name()));
                    files.computeIfPresent(e.getKey(), (k, v) -> new Held(v.kind(), v.name(), sha));
                } catch (IOException | IllegalArgumentException ex) {
                    LOG.debug("cannot hash {}: {}", h.name(), ex.getMessage());
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("listing the model folders failed: {}", e.getMessage());
        }
    }

    private static ModelKind kindOf(String folder) {
        for (ModelKind k : ModelKind.values()) {
            if (k.folder().equals(folder)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown model folder " + folder);
    }

    /** Hashes every file now (waits); for start-up of workers and tests that need the hashes at once. */
    void hashAll() {
        scanAndHash();
    }

    /** The files held (hash null where not yet computed). */
    List<Held> files() {
        return List.copyOf(files.values());
    }

    /** The checkpoint files loaded in memory now. */
    List<Held> loaded() {
        if (loadedNames == null) {
            return List.of();
        }
        java.util.Set<String> names = new java.util.HashSet<>(loadedNames.get());
        List<Held> out = new ArrayList<>();
        for (Held h : files.values()) {
            String file = h.name().substring(h.name().replace('\\', '/').lastIndexOf('/') + 1);
            if (h.kind().equals(ModelKind.CHECKPOINTS.folder()) && names.contains(file)) {
                out.add(h);
            }
        }
        return out;
    }

    /** This machine's name for the model a reference means: same hash under any name, else the same name. */
    Optional<String> localName(ModelRef r) {
        for (Held h : files.values()) {
            if (r.sha256() != null ? r.sha256().equalsIgnoreCase(h.sha256())
                    : h.name().equals(r.name()) && (r.kind() == null || r.kind().equals(h.kind()))) {
                return Optional.of(h.name());
            }
        }
        if (r.sha256() != null) {
            // a copy here with the same name but not hashed yet (or another version): hash it now
            for (Held h : files.values()) {
                if (h.name().equals(r.name()) && h.sha256() == null) {
                    try {
                        String sha = hashes.sha256(folders.resolve(kindOf(h.kind()), h.name()));
                        files.put(key(kindOf(h.kind()), h.name()), new Held(h.kind(), h.name(), sha));
                        if (sha.equalsIgnoreCase(r.sha256())) {
                            return Optional.of(h.name());
                        }
                    } catch (IOException | IllegalArgumentException e) {
                        LOG.debug("cannot hash {}: {}", h.name(), e.getMessage());
                    }
                }
            }
        }
        return Optional.empty();
    }

    /**
     * The model files a prompt names: every string input ending like a model file. The hash comes from this
     * machine's copy (when hashed) or from a worker's advertisement holding that name.
     */
    List<ModelRef> references(ObjectNode prompt, Collection<WorkerAdvert> adverts) {
        List<ModelRef> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = prompt.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> node = it.next();
            JsonNode inputs = node.getValue().path("inputs");
            for (Iterator<Map.Entry<String, JsonNode>> in = inputs.fields(); in.hasNext(); ) {
                Map.Entry<String, JsonNode> input = in.next();
                if (!input.getValue().isTextual() || !looksLikeModel(input.getValue().asText())) {
                    continue;
                }
                String name = input.getValue().asText();
                Held found = find(files.values(), name);
                if (found == null || found.sha256() == null) {
                    for (WorkerAdvert a : adverts) {
                        Held h = find(a.files(), name);
                        if (h != null && h.sha256() != null) {
                            found = h;
                            break;
                        }
                    }
                }
                out.add(new ModelRef(node.getKey(), input.getKey(), name, found == null ? null : found.kind(),
                        found == null ? null : found.sha256()));
            }
        }
        return out;
    }

    private static Held find(Collection<Held> held, String name) {
        Held any = null;
        for (Held h : held) {
            if (h.name().equals(name)) {
                if (h.sha256() != null) {
                    return h;
                }
                any = h;
            }
        }
        return any;
    }

    static boolean looksLikeModel(String value) {
        String v = value.toLowerCase(Locale.ROOT);
        for (String e : MODEL_ENDINGS) {
            if (v.endsWith(e)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        hasher.shutdownNow();
    }
}
