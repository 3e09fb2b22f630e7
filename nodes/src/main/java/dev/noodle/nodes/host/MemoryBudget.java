package dev.noodle.nodes.host;

/**
 * How much memory Noodle keeps for reuse between runs — one rule for every host (CLI, editor, server, soak):
 *
 * <ul>
 *   <li><b>loaded models</b>: half of physical memory, at least 2 GiB ({@link #modelBytes()}); the least recently used
 *       idle checkpoint is unloaded beyond it;
 *   <li><b>cached node results</b>: three quarters of physical memory, at least 1 GiB ({@link #resultCacheBytes()});
 *       the least recently used result is dropped beyond it. A result that holds a model (a checkpoint loader's
 *       MODEL/CLIP/VAE) counts that model's size, so with several checkpoints cached the result cache lets go of the
 *       older ones and the model manager can unload them.
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
public final class MemoryBudget {
    private MemoryBudget() {}

    /** Bytes of loaded models kept: half of physical memory, at least 2 GiB. */
    public static long modelBytes() {
        return Math.max(2L << 30, MemoryPreflight.physicalBytes() / 2);
    }

    /** Bytes of node results the executor keeps: three quarters of physical memory, at least 1 GiB. */
    public static long resultCacheBytes() {
        return Math.max(1L << 30, MemoryPreflight.physicalBytes() / 4 * 3);
    }
}
