package dev.noodle.nodes.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noodle.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * AUTOMATIC1111's model hashes computed once per file and remembered: a 2–7 GB checkpoint takes seconds to hash, so
 * each (real path, size, modification time) is hashed once per process, and optionally once ever through a small JSON
 * file (written atomically: temp file + rename). A file replaced under the same name has a new size or time and gets
 * a new hash (bad-inputs row M4). Concurrent callers asking for the same file wait for one computation.
 *
 * <p>Hashes: {@link #modelHash} is A1111's "Model hash" (first 10 hex of the SHA-256); {@link #loraHash} is the
 * hash A1111 writes in "Lora hashes" (first 12 hex of the addnet SHA-256 for {@code .safetensors}, of the plain
 * SHA-256 otherwise; {@code extensions-builtin/Lora/network.py}). Thread-safe.
 */
public final class ModelHashCache {
    /** File name of the persisted cache, placed beside the models root. */
    public static final String FILE_NAME = "noodle-model-hashes.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What identifies one version of one file. */
    record Key(String kind, String realPath, long size, long mtimeMillis) {}

    private final Map<Key, CompletableFuture<String>> hashes = new ConcurrentHashMap<>();
    private final AtomicInteger computations = new AtomicInteger();
    private final Path store;
    private final Object storeLock = new Object();

    /** A cache kept in memory only. */
    public ModelHashCache() {
        this(null);
    }

    /**
     * A cache persisted in {@code store} (read now if it exists; an unreadable or malformed file is ignored and
     * rewritten on the next computation).
     */
    public ModelHashCache(Path store) {
        this.store = store;
        if (store != null && Files.isRegularFile(store)) {
            load(store);
        }
    }

    /** The cache file beside a models root ({@code <root>/../noodle-model-hashes.json}). */
    public static Path storeBeside(Path modelsRoot) {
        Path root = modelsRoot.toAbsolutePath().normalize();
        return (root.getParent() == null ? root : root.getParent()).resolve(FILE_NAME);
    }

    /** The full SHA-256 of the file (lower-case hex), computed at most once per file version. */
    public String sha256(Path file) throws IOException {
        return get("sha256", file);
    }

    /** The addnet SHA-256 ({@link ModelHashes#addnetSha256}), computed at most once per file version. */
    public String addnetSha256(Path file) throws IOException {
        return get("addnet", file);
    }

    /** A1111's "Model hash" (AutoV2): the first 10 hex digits of the SHA-256. */
    public String modelHash(Path file) throws IOException {
        return sha256(file).substring(0, 10);
    }

    /** The hash A1111 writes for a LoRA in "Lora hashes": 12 hex digits, addnet hash for safetensors files. */
    public String loraHash(Path file) throws IOException {
        boolean safetensors = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".safetensors");
        return (safetensors ? addnetSha256(file) : sha256(file)).substring(0, 12);
    }

    /** How many hashes this cache has computed (not loaded or reused) since it was created. */
    public int computations() {
        return computations.get();
    }

    private String get(String kind, Path file) throws IOException {
        Path real = file.toRealPath();
        BasicFileAttributes attrs = Files.readAttributes(real, BasicFileAttributes.class);
        if (!attrs.isRegularFile()) {
            throw new IOException(file + " is not a regular file");
        }
        Key key = new Key(kind, real.toString(), attrs.size(), attrs.lastModifiedTime().toMillis());
        CompletableFuture<String> mine = new CompletableFuture<>();
        CompletableFuture<String> existing = hashes.putIfAbsent(key, mine);
        if (existing == null) {
            try {
                computations.incrementAndGet();
                String hex = kind.equals("addnet") ? ModelHashes.addnetSha256(real) : ModelHashes.sha256(real);
                mine.complete(hex);
                save();
            } catch (IOException | RuntimeException e) {
                hashes.remove(key, mine); // a later call may succeed (file readable again)
                mine.completeExceptionally(e);
                throw e;
            }
            existing = mine;
        }
        try {
            return existing.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while hashing " + file, e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io
                    : new IOException("hashing " + file + " failed: " + e.getCause(), e.getCause());
        }
    }

    private void load(Path file) {
        try {
            JsonNode root = JSON.readTree(file.toFile());
            for (JsonNode e : root.path("entries")) {
                String hex = e.path("sha256").asText("");
                if (!hex.matches("[0-9a-f]{64}") || !e.path("path").isTextual()) {
                    continue;
                }
                Key key = new Key(e.path("kind").asText("sha256"), e.path("path").asText(), e.path("size").asLong(-1),
                        e.path("mtime").asLong(-1));
                hashes.put(key, CompletableFuture.completedFuture(hex));
            }
        } catch (IOException | RuntimeException e) {
            // a damaged cache only costs a recomputation; it is rewritten on the next save
        }
    }

    private void save() {
        if (store == null) {
            return;
        }
        synchronized (storeLock) {
            ObjectNode root = JSON.createObjectNode();
            root.put("version", 1);
            ArrayNode entries = root.putArray("entries");
            for (Map.Entry<Key, CompletableFuture<String>> e : hashes.entrySet()) {
                CompletableFuture<String> f = e.getValue();
                if (!f.isDone() || f.isCompletedExceptionally()) {
                    continue;
                }
                Key k = e.getKey();
                entries.addObject().put("kind", k.kind()).put("path", k.realPath()).put("size", k.size())
                        .put("mtime", k.mtimeMillis()).put("sha256", f.join());
            }
            try {
                AtomicFiles.writeBytes(store, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
            } catch (IOException e) {
                // the in-memory cache still works; persisting is an optimisation
            }
        }
    }
}
