package dev.noodle.engine.model;

import dev.noodle.engine.memory.ModelPlacement;
import dev.noodle.engine.runtime.Devices;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Loads checkpoints once and shares them: every user holds a {@link Lease}; a checkpoint whose leases are all
 * released stays loaded (so re-runs load nothing) until memory is needed for another one, or {@link #freeUnused}
 * is called. A file that changed on disk (size or modified time) is loaded anew. Thread-safe.
 */
public final class ModelManager implements AutoCloseable {
    private final Path modelsRoot;
    private final Devices.Target target;
    private final long budgetBytes;
    private final Map<String, Entry> loaded = new LinkedHashMap<>(16, 0.75f, true);
    private int loads;
    private volatile Path loadingNow;
    private volatile List<Path> loadedNow = List.of();

    private static final class Entry {
        final LoadedCheckpoint checkpoint;
        final Path file;
        int leases;

        Entry(LoadedCheckpoint checkpoint, Path file) {
            this.checkpoint = checkpoint;
            this.file = file;
        }
    }

    /** A hold on a loaded checkpoint; release it exactly once when the value using it is dropped. */
    public final class Lease {
        private final String key;
        private final LoadedCheckpoint checkpoint;
        private boolean released;

        private Lease(String key, LoadedCheckpoint checkpoint) {
            this.key = key;
            this.checkpoint = checkpoint;
        }

        /** The checkpoint. */
        public LoadedCheckpoint checkpoint() {
            return checkpoint;
        }

        /** Gives the hold back (idempotent). */
        public void release() {
            synchronized (ModelManager.this) {
                if (released) {
                    return;
                }
                released = true;
                Entry e = loaded.get(key);
                if (e != null && e.checkpoint == checkpoint) {
                    e.leases--;
                }
            }
        }
    }

    /**
     * @param budgetBytes native bytes of weights to keep loaded before unused checkpoints are unloaded
     */
    public ModelManager(Path modelsRoot, Devices.Target target, long budgetBytes) {
        this.modelsRoot = modelsRoot;
        this.target = target;
        this.budgetBytes = budgetBytes;
    }

    /** The device and dtype models are loaded for. */
    public Devices.Target target() {
        return target;
    }

    /** How many checkpoint loads (file reads) this manager has done. */
    public synchronized int loadCount() {
        return loads;
    }

    /** Whether {@code file} (as it is on disk now) is loaded, so that acquiring it reads nothing. */
    public synchronized boolean isLoaded(Path file) {
        return loaded.containsKey(key(file));
    }

    /** The models root (where {@code tokenizers/} lives). */
    public Path modelsRoot() {
        return modelsRoot;
    }

    /** How many checkpoints are loaded now (held or idle). */
    public synchronized int loadedCount() {
        return loaded.size();
    }

    /** A lease on the checkpoint in {@code file}, loading it when it is not loaded (or changed on disk). */
    public synchronized Lease acquire(Path file, Consumer<String> status) {
        String key = key(file);
        Entry e = loaded.get(key);
        if (e == null) {
            dropStale(file);
            makeRoom();
            loadingNow = file;
            try {
                status.accept("loading " + file.getFileName());
                e = new Entry(loadOnTarget(file, status), file);
            } finally {
                loadingNow = null;
            }
            loads++;
            loaded.put(key, e);
            published();
        }
        e.leases++;
        return new Lease(key, e.checkpoint);
    }

    // on a GPU: room is made (idle models move to CPU memory) when the load runs out of memory, and the parts
    // count towards the VRAM budget from now on
    private LoadedCheckpoint loadOnTarget(Path file, Consumer<String> status) {
        if (!target.device().isGpu()) {
            return CheckpointLoader.load(file, modelsRoot, target, status);
        }
        ModelPlacement placement = ModelPlacement.shared(target.device());
        LoadedCheckpoint ck = placement.loading(file.getFileName().toString(),
                () -> CheckpointLoader.load(file, modelsRoot, target, status));
        placement.track(ck.stores());
        return ck;
    }

    private static String key(Path file) {
        try {
            Path real = file.toRealPath();
            return real + "|" + Files.size(real) + "|" + Files.getLastModifiedTime(real).toMillis();
        } catch (IOException ex) {
            return file.toAbsolutePath().toString();
        }
    }

    // An older version of the same file (changed on disk) is unloaded once unused.
    private void dropStale(Path file) {
        String prefix = file.toAbsolutePath().normalize() + "|";
        try {
            prefix = file.toRealPath() + "|";
        } catch (IOException ignored) {
            // keep the absolute path
        }
        for (Iterator<Map.Entry<String, Entry>> it = loaded.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Entry> me = it.next();
            if (me.getKey().startsWith(prefix) && me.getValue().leases == 0) {
                me.getValue().checkpoint.close();
                it.remove();
            }
        }
        published();
    }

    private void makeRoom() {
        long used = 0;
        for (Entry e : loaded.values()) {
            used += e.checkpoint.weightBytes();
        }
        for (Iterator<Entry> it = loaded.values().iterator(); it.hasNext() && used > budgetBytes; ) {
            Entry e = it.next(); // least recently used first
            if (e.leases == 0) {
                used -= e.checkpoint.weightBytes();
                e.checkpoint.close();
                it.remove();
            }
        }
        published();
    }

    /** Unloads every checkpoint nobody holds; returns how many were unloaded. */
    public synchronized int freeUnused() {
        List<String> gone = new ArrayList<>();
        loaded.forEach((k, e) -> {
            if (e.leases == 0) {
                e.checkpoint.close();
                gone.add(k);
            }
        });
        gone.forEach(loaded::remove);
        published();
        return gone.size();
    }

    @Override
    public synchronized void close() {
        loaded.values().forEach(e -> e.checkpoint.close());
        loaded.clear();
        published();
    }

    /** The checkpoint file being read now, or null; answers at once, even while a load is under way. */
    public Path loadingNow() {
        return loadingNow;
    }

    /**
     * The checkpoint files loaded now (held or idle); answers at once, even while a load is under way.
     */
    public List<Path> loadedFiles() {
        return loadedNow;
    }

    // what loadedFiles() answers, renewed (under the lock) whenever a checkpoint is loaded or unloaded
    private void published() {
        loadedNow = loaded.values().stream().map(e -> e.file).toList();
    }
}
