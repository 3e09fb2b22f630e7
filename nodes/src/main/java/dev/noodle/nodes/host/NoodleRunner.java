package dev.noodle.nodes.host;

import dev.noodle.graph.exec.CacheStats;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunListener;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs workflows on a node set — one object from entry point to saved file, used by the CLI, the editor and the
 * server alike. It owns the executor and its result cache (sized by {@link MemoryBudget}), and handles running out
 * of memory: the executor asks {@link OutOfMemory} once per failure, frees its cache, and the runner then unloads the
 * idle models so the next run starts with the memory free (bad-inputs R2, as ComfyUI does).
 *
 * <p>The workflow and the client's extra PNG texts travel in the run itself ({@link RunOptions#extraPngInfo()}), so
 * output nodes read them from their context. One run at a time per runner; the cache is thread-safe.
 */
public final class NoodleRunner {
    private final NoodleNodes nodes;
    private final GraphExecutor executor;

    /** A runner with the standard result cache budget. */
    public NoodleRunner(NoodleNodes nodes) {
        this(nodes, MemoryBudget.resultCacheBytes());
    }

    /** A runner whose result cache keeps at most {@code cacheBytes} (soak tests, benchmarks). */
    public NoodleRunner(NoodleNodes nodes, long cacheBytes) {
        this.nodes = nodes;
        this.executor = new GraphExecutor(nodes.registry(), new ResultCache(cacheBytes), nodes.services(),
                OutOfMemory::isEngineOutOfMemory);
    }

    /** Runs every output node of {@code wf}. */
    public RunResult run(Workflow wf, String runId, RunListener listener, CancellationToken token) {
        return run(wf, new RunOptions(Set.of(), runId), listener, token);
    }

    /**
     * Runs {@code wf}; never throws for node failures (see {@link RunResult#status()}). When the engine cannot run
     * here at all, fails at once with that problem's message.
     */
    public RunResult run(Workflow wf, RunOptions options, RunListener listener, CancellationToken token) {
        var problem = nodes.engineProblem();
        if (problem.isPresent()) {
            return new RunResult(options.runId(), RunResult.Status.FAILED, List.of(), Map.of(), 0, 0, null,
                    problem.get());
        }
        RunResult result = executor.run(wf, options, listener, token);
        if (result.outOfMemory()) {
            // the executor has dropped its cached results, so the checkpoints they held are idle now
            nodes.models().freeUnused();
        }
        return result;
    }

    /** The executor (for signatures and validation in tools and tests). */
    public GraphExecutor executor() {
        return executor;
    }

    /** What the result cache holds now. */
    public CacheStats cacheStats() {
        return executor.cache().stats();
    }
}
