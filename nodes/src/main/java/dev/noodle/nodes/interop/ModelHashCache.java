package dev.noodle.nodes.interop;

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
 * each (real path, size, modification time) is hashed once per process, and optionally once ever through a
 * {@link HashStore} (the model library's database, {@code ModelLibrary.hashStore}). A file replaced under the same
 * name has a new size or time and gets a new hash (bad-inputs row M4). Concurrent callers asking for the same file
 * wait for one computation.
 *
 * <p>Hashes: {@link #modelHash} is A1111's "Model hash" (first 10 hex of the SHA-256); {@link #loraHash} is the
 * hash A1111 writes in "Lora hashes" (first 12 hex of the addnet SHA-256 for {@code .safetensors}, of the plain
 * SHA-256 otherwise; {@code extensions-builtin/Lora/network.py}). Thread-safe.
 */
public final class ModelHashCache {
    /** What identifies one version of one file. */
    record Key(String kind, String realPath, long size, long mtimeMillis) {}

    private final Map<Key, CompletableFuture<String>> hashes = new ConcurrentHashMap<>();
    private final AtomicInteger computations = new AtomicInteger();
    private final HashStore store;

    /** A cache kept in memory only. */
    public ModelHashCache() {
        this((HashStore) null);
    }

    /** A cache that also reads and records hashes in {@code store} (null: memory only). */
    public ModelHashCache(HashStore store) {
        this.store = store;
    }

    /** The full SHA-256 of the file (lower-case hex), computed at most once per file version. */
    public String sha256(Path file) throws IOException {
        return get("sha256", file);
    }

    /**
     * Starts finding {@link #sha256} of {@code file} on a background thread (the stored hash, else computed), so that
     * a PNG saved later, which records it as the "Model hash", does not wait for it. A failure is not reported here:
     * the later call tries again and reports it.
     */
    public void prefetchSha256(Path file) {
        Thread t = new Thread(() -> {
            try {
                sha256(file);
            } catch (IOException | RuntimeException e) {
                // the caller that needs the hash tries again and says what is wrong
            }
        }, "noodle-model-hash");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
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
                java.util.Optional<String> stored = store == null ? java.util.Optional.empty()
                        : store.find(kind, key.realPath(), key.size(), key.mtimeMillis());
                if (stored.isPresent() && stored.get().matches("[0-9a-f]{64}")) {
                    mine.complete(stored.get());
                } else {
                    computations.incrementAndGet();
                    String hex = kind.equals("addnet") ? ModelHashes.addnetSha256(real) : ModelHashes.sha256(real);
                    mine.complete(hex);
                    if (store != null) {
                        store.save(kind, key.realPath(), key.size(), key.mtimeMillis(), hex);
                    }
                }
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
}
