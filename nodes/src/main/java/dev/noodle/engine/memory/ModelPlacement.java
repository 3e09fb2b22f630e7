package dev.noodle.engine.memory;

import ai.djl.Device;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Keeps the models a GPU step needs in GPU memory, within a {@link VramBudget}, as ComfyUI's dynamic model loading
 * does: before a step (a denoising pass, a VAE decode, a text encode) runs, its models move onto the GPU; when they
 * and the step's working memory would not fit, the least recently used other models move back to CPU memory (they
 * stay loaded, and move back when needed again). A model the step needs is never moved out, nor one another step
 * is using. When a step's models alone exceed the budget, those that can run layer by layer (a UNet: each weight
 * copied in as its layer runs, as ComfyUI's low-VRAM loading) stay in CPU memory, largest first, until the rest fits;
 * a step that still does not fit fails at once with the sizes and the flag to use.
 *
 * <p>When a step runs out of GPU memory anyway (the estimates are estimates; other programs share the GPU), every
 * model it does not need moves to CPU memory, the CUDA cache is emptied and the step runs once more; a second
 * failure is a {@link GpuOutOfMemory} naming the step, the model sizes, the budget and what to try. Steps whose
 * models all live on the CPU run as they are, with no bookkeeping.
 *
 * <p>Thread-safe: GPU steps run one at a time (the lock is reentrant, so a step may run another inside it).
 */
public final class ModelPlacement {
    private static final System.Logger LOG = System.getLogger(ModelPlacement.class.getName());
    private static final Map<Device, ModelPlacement> SHARED = new ConcurrentHashMap<>();
    private static volatile VramSettings configured = VramSettings.defaults();

    private final VramSettings.Mode mode;
    private final LongSupplier totalBytes;
    private final long reserveOverride;
    private final Device offload;
    private final Runnable emptyCache;
    private final ReentrantLock lock = new ReentrantLock();
    // every resident seen on the GPU side, least recently used first (identity: the map's keys never override equals)
    private final Map<Resident, Boolean> lru = new LinkedHashMap<>();
    private final Map<Resident, Integer> pins = new IdentityHashMap<>();
    private final Set<String> streamedReported = new java.util.HashSet<>();
    private VramBudget budget;
    private boolean unreadable;
    private long moves;

    /**
     * @param settings the mode and reserve
     * @param totalBytes the GPU's memory, asked once, on the first GPU step (tests pass a number)
     * @param offload where models go when they leave the GPU (the CPU)
     * @param emptyCache returns cached, unused GPU memory to the device (libtorch's {@code empty_cache})
     */
    public ModelPlacement(VramSettings settings, LongSupplier totalBytes, Device offload, Runnable emptyCache) {
        this.mode = settings.mode();
        this.totalBytes = totalBytes;
        this.reserveOverride = settings.reserveBytes();
        this.offload = offload;
        this.emptyCache = emptyCache;
    }

    /**
     * Sets the VRAM settings for {@linkplain #shared shared} placements made from now on ({@link
     * dev.noodle.engine.runtime.Devices#choose} calls it with the host's options, before any model runs; a
     * placement already made keeps its settings, as the models it tracks are on its device).
     */
    public static void configure(VramSettings settings) {
        configured = java.util.Objects.requireNonNull(settings, "settings");
    }

    /**
     * The process's placement for {@code gpu} (one per device, as the device's memory is one): its total memory
     * from the CUDA runtime, models offloaded to the CPU, libtorch's CUDA cache emptied on recovery.
     */
    public static ModelPlacement shared(Device gpu) {
        return SHARED.computeIfAbsent(gpu, d -> new ModelPlacement(configured, () -> VramBudget.deviceTotal(d),
                Device.cpu(), ModelPlacement::emptyCudaCache));
    }

    /**
     * Runs a step with {@code needed} on their home device: on a GPU through the device's {@linkplain #shared
     * shared placement}, elsewhere directly.
     */
    public static <T> T onHome(String step, List<? extends Resident> needed, long inferenceBytes, Supplier<T> work) {
        Device gpu = null;
        for (Resident r : needed) {
            if (r.home().isGpu()) {
                gpu = r.home();
                break;
            }
        }
        return gpu == null ? work.get() : shared(gpu).run(step, needed, inferenceBytes, work);
    }

    private static void emptyCudaCache() {
        try {
            ai.djl.pytorch.jni.JniUtils.emptyCudaCache();
        } catch (RuntimeException | LinkageError e) {
            LOG.log(System.Logger.Level.DEBUG, "could not empty the CUDA cache: " + e);
        }
    }

    /** The mode. */
    public VramSettings.Mode mode() {
        return mode;
    }

    /**
     * The budget (reads the device's memory on first use), or null when the device's memory cannot be read: then
     * models stay where they are loaded (a warning says so once) and only the out-of-memory recovery moves them.
     */
    public VramBudget budget() {
        lock.lock();
        try {
            if (budget == null && !unreadable) {
                try {
                    long total = totalBytes.getAsLong();
                    budget = new VramBudget(total,
                            reserveOverride >= 0 ? reserveOverride : VramBudget.DEFAULT_RESERVE);
                } catch (RuntimeException e) {
                    unreadable = true;
                    LOG.log(System.Logger.Level.WARNING, e.getMessage() + "; models stay on the GPU where they are"
                            + " loaded, and move to CPU memory only when a step runs out of GPU memory");
                }
            }
            return budget;
        } finally {
            lock.unlock();
        }
    }

    /** How many moves (either way) this placement has made. */
    public long moveCount() {
        lock.lock();
        try {
            return moves;
        } finally {
            lock.unlock();
        }
    }

    /** Bytes of the tracked models on a GPU now. */
    public long bytesOnGpu() {
        lock.lock();
        try {
            prune();
            long n = 0;
            for (Resident r : lru.keySet()) {
                if (r.device().isGpu()) {
                    n += r.bytes();
                }
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs {@code work} with {@code needed} on their home devices, moving other models out first when they would
     * not fit beside them and the step's working memory, and recovering once from the GPU running out of memory.
     *
     * @param step what runs, for messages ("UNet pass of 2×4×64×64")
     * @param inferenceBytes the step's estimated working memory ({@link InferenceMemory})
     * @throws IllegalStateException when the needed models that cannot run layer by layer alone exceed what the
     *     budget leaves for models
     * @throws GpuOutOfMemory when the step runs out of GPU memory twice
     */
    public <T> T run(String step, List<? extends Resident> needed, long inferenceBytes, Supplier<T> work) {
        List<Resident> gpuSide = new ArrayList<>();
        for (Resident r : needed) {
            if (r.home().isGpu() && !gpuSide.contains(r)) {
                gpuSide.add(r);
            }
        }
        if (gpuSide.isEmpty() || mode == VramSettings.Mode.CPU) {
            return work.get();
        }
        lock.lock();
        try {
            for (int attempt = 1; ; attempt++) {
                try {
                    if (attempt > 1) {
                        int out = offloadAllBut(gpuSide);
                        emptyCache.run();
                        LOG.log(System.Logger.Level.INFO, step + " ran out of GPU memory; moved " + out
                                + " other model(s) to CPU memory, emptied the CUDA cache, and retrying once");
                    }
                    prepare(step, gpuSide, inferenceBytes); // moving a model in may run out of memory too
                    pin(gpuSide, 1);
                    try {
                        return work.get();
                    } finally {
                        pin(gpuSide, -1);
                    }
                } catch (RuntimeException e) {
                    // a step inside this one that failed after its own retry is not retried again
                    if (e instanceof GpuOutOfMemory || !GpuOutOfMemory.isCudaOutOfMemory(e)) {
                        throw e;
                    }
                    if (attempt > 1) {
                        emptyCache.run(); // what the failed try cached is not needed by whatever runs next
                        throw new GpuOutOfMemory(outOfMemoryMessage(step, gpuSide, inferenceBytes), e);
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Starts counting models that were just loaded onto the GPU (their home): they take part in the budget and
     * may move to CPU memory for later steps before any step of theirs has run.
     */
    public void track(List<? extends Resident> loaded) {
        lock.lock();
        try {
            prune();
            for (Resident r : loaded) {
                if (r.home().isGpu() && !r.isClosed()) {
                    lru.remove(r);
                    lru.put(r, Boolean.TRUE);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Loads a model onto the GPU; when that runs out of GPU memory, the models no step is using move to CPU memory,
     * the CUDA cache is emptied and the load runs once more.
     *
     * @param what what is loaded, for messages ("sd15.safetensors")
     * @throws GpuOutOfMemory when the second try runs out of memory too
     */
    public <T> T loading(String what, Supplier<T> load) {
        lock.lock();
        try {
            try {
                return load.get();
            } catch (RuntimeException e) {
                if (!GpuOutOfMemory.isCudaOutOfMemory(e)) {
                    throw e;
                }
                int out = offloadAllBut(List.of());
                emptyCache.run();
                LOG.log(System.Logger.Level.INFO, "loading " + what + " ran out of GPU memory; moved " + out
                        + " model(s) to CPU memory, emptied the CUDA cache, and retrying once");
            }
            try {
                return load.get();
            } catch (RuntimeException e) {
                if (!GpuOutOfMemory.isCudaOutOfMemory(e)) {
                    throw e;
                }
                emptyCache.run();
                VramBudget b = budget();
                throw new GpuOutOfMemory("the GPU ran out of memory loading " + what + " even after the other models"
                        + " were moved to CPU memory and the CUDA cache was emptied (GPU of "
                        + (b == null ? "unknown size" : VramBudget.gb(b.totalBytes())) + ", "
                        + VramBudget.gb(bytesOnGpuNow())
                        + " of models in use there); close other programs using the GPU, or run with -D"
                        + VramSettings.VRAM_PROPERTY + "=cpu", e);
            }
        } finally {
            lock.unlock();
        }
    }

    // moves the step's models in (other models out as the mode says); returns those that run from CPU memory
    private void prepare(String step, List<Resident> all, long inferenceBytes) {
        prune();
        for (Resident r : all) {
            lru.remove(r);
            lru.put(r, Boolean.TRUE); // most recently used
        }
        VramBudget b = budget();
        if (b == null) { // the device's memory is unknown: no planning, only bring the step's models home
            for (Resident r : all) {
                if (!r.device().equals(r.home())) {
                    move(r, r.home());
                }
            }
            return;
        }
        long allowance = b.forModels(inferenceBytes);
        long allBytes = 0;
        for (Resident r : all) {
            allBytes += r.bytes();
        }
        List<Resident> needed = new ArrayList<>(all);
        if (allBytes > allowance && mode != VramSettings.Mode.HIGH) {
            // too big for the GPU: the largest models that can run layer by layer stay in CPU memory
            List<Resident> streamable = new ArrayList<>();
            for (Resident r : all) {
                if (r.streams()) {
                    streamable.add(r);
                }
            }
            streamable.sort((x, y) -> Long.compare(y.bytes(), x.bytes()));
            long resident = allBytes;
            for (Resident r : streamable) {
                if (resident <= allowance) {
                    break;
                }
                needed.remove(r);
                resident -= r.bytes();
                if (r.device().isGpu()) {
                    move(r, offload);
                }
                if (streamedReported.add(r.name())) {
                    LOG.log(System.Logger.Level.INFO, r.name() + " (" + VramBudget.gb(r.bytes()) + ") does not fit"
                            + " the " + VramBudget.gb(allowance) + " the GPU has for models in " + step
                            + ": it runs from CPU memory, each layer's weights copied in as it runs (slower)");
                }
            }
        }
        long needBytes = 0;
        long missing = 0;
        for (Resident r : needed) {
            needBytes += r.bytes();
            if (!r.device().equals(r.home())) {
                missing += r.bytes();
            }
        }
        if (needBytes > allowance) {
            throw new IllegalStateException(tooBigMessage(step, needed, needBytes, allowance, inferenceBytes, b));
        }
        Set<Resident> keep = Collections.newSetFromMap(new IdentityHashMap<>());
        keep.addAll(all);
        switch (mode) {
            case LOW -> offloadAllBut(all);
            case NORMAL -> {
                long used = bytesOnGpuNow();
                long over = used + missing - allowance;
                for (Iterator<Resident> it = new ArrayList<>(lru.keySet()).iterator(); it.hasNext() && over > 0; ) {
                    Resident r = it.next(); // least recently used first
                    if (!keep.contains(r) && !pins.containsKey(r) && r.device().isGpu()) {
                        move(r, offload);
                        over -= r.bytes();
                    }
                }
            }
            case HIGH -> {
                long used = bytesOnGpuNow();
                if (used + missing > allowance) {
                    throw new IllegalStateException(step + " needs " + names(needed) + " on the GPU beside "
                            + VramBudget.gb(used) + " of models kept there, more than the "
                            + VramBudget.gb(allowance) + " the GPU has for models while it runs ("
                            + VramSettings.VRAM_PROPERTY + "=high never moves models out); run with -D"
                            + VramSettings.VRAM_PROPERTY + "=normal");
                }
            }
            case CPU -> throw new IllegalStateException("unreachable: CPU mode runs no GPU step");
        }
        for (Resident r : needed) {
            if (!r.device().equals(r.home())) {
                move(r, r.home());
            }
        }
    }

    private long bytesOnGpuNow() {
        long n = 0;
        for (Resident r : lru.keySet()) {
            if (r.device().isGpu()) {
                n += r.bytes();
            }
        }
        return n;
    }

    private int offloadAllBut(List<Resident> needed) {
        Set<Resident> keep = Collections.newSetFromMap(new IdentityHashMap<>());
        keep.addAll(needed);
        int n = 0;
        for (Resident r : new ArrayList<>(lru.keySet())) {
            if (!keep.contains(r) && !pins.containsKey(r) && !r.isClosed() && r.device().isGpu()) {
                move(r, offload);
                n++;
            }
        }
        return n;
    }

    private void move(Resident r, Device to) {
        LOG.log(System.Logger.Level.DEBUG, "moving " + r.name() + " (" + VramBudget.gb(r.bytes()) + ") from "
                + r.device() + " to " + to);
        r.moveTo(to);
        moves++;
    }

    private void pin(List<Resident> needed, int delta) {
        for (Resident r : needed) {
            pins.merge(r, delta, (a, d) -> a + d == 0 ? null : a + d);
        }
    }

    private void prune() {
        lru.keySet().removeIf(Resident::isClosed);
    }

    private String tooBigMessage(String step, List<Resident> needed, long needBytes, long allowance,
            long inferenceBytes, VramBudget b) {
        return step + " needs " + names(needed) + ", " + VramBudget.gb(needBytes) + " of weights on the GPU, but"
                + " only " + VramBudget.gb(allowance) + " of its " + VramBudget.gb(b.totalBytes()) + " can hold models"
                + " while it runs (" + VramBudget.gb(b.workBytes(inferenceBytes)) + " are kept for its working memory"
                + " and the " + VramBudget.gb(b.reserveBytes()) + " reserve); run on the CPU with -D"
                + VramSettings.VRAM_PROPERTY + "=cpu, use a smaller image or batch, or lower -D"
                + VramSettings.RESERVE_PROPERTY + " (GB)";
    }

    private String outOfMemoryMessage(String step, List<Resident> needed, long inferenceBytes) {
        VramBudget b = budget();
        return "the GPU ran out of memory in " + step + " even after the other models were moved to CPU memory and"
                + " the CUDA cache was emptied; it needs " + names(needed) + " and about "
                + VramBudget.gb(Math.max(0, inferenceBytes)) + " of working memory, on a GPU of "
                + (b == null ? "unknown size" : VramBudget.gb(b.totalBytes()) + " (" + VramBudget.gb(b.reserveBytes())
                        + " reserved)") + "; try a smaller"
                + " image or batch, -D" + VramSettings.VRAM_PROPERTY + "=low, a larger -D"
                + VramSettings.RESERVE_PROPERTY + " when other programs use the GPU, or -D"
                + VramSettings.VRAM_PROPERTY + "=cpu";
    }

    private static String names(List<Resident> needed) {
        List<String> parts = new ArrayList<>();
        for (Resident r : needed) {
            parts.add(r.name() + " (" + VramBudget.gb(r.bytes()) + ")");
        }
        return String.join(", ", parts);
    }
}
