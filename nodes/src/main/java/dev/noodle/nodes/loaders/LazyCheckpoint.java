package dev.noodle.nodes.loaders;

import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.io.WeightSet;
import dev.noodle.engine.model.CheckpointLoader;
import dev.noodle.engine.model.CheckpointStreams;
import dev.noodle.engine.model.CheckpointWriter;
import dev.noodle.engine.model.LoadedCheckpoint;
import dev.noodle.engine.model.ModelManager;
import dev.noodle.nodes.host.MemoryPreflight;
import dev.noodle.nodes.values.ModelValue;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A checkpoint that Load Checkpoint has opened and described but not loaded: its weights are loaded (through the
 * {@link ModelManager}, shared with every other user of the file) the first time a node needs a model part in
 * memory, and until then can be read tensor by tensor from the file (how a merge of two checkpoints is saved
 * without loading either). The file stays open while any value holds it. Thread-safe.
 */
final class LazyCheckpoint {
    private final ModelManager models;
    private final String name;
    private final Path path;
    private final ModelFile file;
    private final CheckpointLoader.Described described;
    private final AtomicInteger holds = new AtomicInteger();
    private ModelManager.Lease lease; // guarded by this
    private boolean closed; // guarded by this

    private LazyCheckpoint(ModelManager models, String name, Path path, ModelFile file,
            CheckpointLoader.Described described) {
        this.models = models;
        this.name = name;
        this.path = path;
        this.file = file;
        this.described = described;
    }

    /** Opens and describes {@code path} (header, family, tokenizer, schedule); no weights are read. */
    static LazyCheckpoint open(ModelManager models, String name, Path path) {
        ModelFile f = ModelFiles.open(path);
        try {
            return new LazyCheckpoint(models, name, path, f, CheckpointLoader.describe(f, models.modelsRoot()));
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    CheckpointLoader.Described described() {
        return described;
    }

    /** The checkpoint in memory, loaded now (after a memory check) when it is not. */
    synchronized LoadedCheckpoint loaded() {
        if (closed) {
            throw new IllegalStateException(name + " was already released");
        }
        if (lease == null) {
            if (!models.isLoaded(path)) {
                preflight();
            }
            lease = models.acquire(path, s -> { });
        }
        return lease.checkpoint();
    }

    private void preflight() {
        long need = CheckpointLoader.estimateBytes(file, described.info(), models.target());
        long available = MemoryPreflight.availableBytes();
        if (available >= 0 && need > available) {
            models.freeUnused(); // idle checkpoints first
        }
        MemoryPreflight.checkAvailable("Loading " + name + " (" + described.info().family() + ", from Load"
                + " Checkpoint) into memory", need, "Close other programs or free idle models, use fp16 files,"
                + " or, to save a merge of large checkpoints, connect the merge straight to CheckpointSave,"
                + " ModelSave or CLIPSave without sampling it: saving reads the files tensor by tensor and loads"
                + " neither.");
    }

    /**
     * A part's weights read tensor by tensor from the file, or from the loaded model when the file's layout
     * differs from the bound one (such a file is loaded first).
     */
    WeightSet weights(Function<ModelFile, Optional<WeightSet>> fromFile, Function<LoadedCheckpoint, WeightSet> loaded) {
        Optional<WeightSet> s;
        try {
            s = fromFile.apply(file);
        } catch (RuntimeException e) {
            s = Optional.empty();
        }
        return s.orElseGet(() -> loaded.apply(loaded()));
    }

    WeightSet unetWeights() {
        return weights(f -> CheckpointStreams.unet(f, described.info()),
                c -> CheckpointWriter.unetWeights(c.unet().weights()));
    }

    WeightSet clipWeights() {
        return weights(f -> CheckpointStreams.clip(f, described.info()), c -> CheckpointWriter.clipWeights(c.clip()));
    }

    WeightSet clip2Weights() {
        return weights(f -> CheckpointStreams.clip2(f, described.info()),
                c -> CheckpointWriter.clipWeights(c.clip2()));
    }

    WeightSet vaeWeights() {
        return weights(f -> CheckpointStreams.vae(f, described.info()), c -> CheckpointWriter.vaeWeights(c.vae()));
    }

    /** A new hold: the file stays open (and the loaded weights leased) until every hold is released. */
    ModelValue.Hold hold() {
        holds.incrementAndGet();
        AtomicBoolean released = new AtomicBoolean();
        return new ModelValue.Hold() {
            @Override
            public void release() {
                if (released.compareAndSet(false, true) && holds.decrementAndGet() == 0) {
                    close();
                }
            }

            @Override
            public long sizeBytes() {
                synchronized (LazyCheckpoint.this) {
                    return lease == null ? 0 : lease.checkpoint().weightBytes();
                }
            }

            @Override
            public ModelValue.Hold retain() {
                return hold();
            }
        };
    }

    private synchronized void close() {
        closed = true;
        if (lease != null) {
            lease.release();
            lease = null;
        }
        file.close();
    }
}
