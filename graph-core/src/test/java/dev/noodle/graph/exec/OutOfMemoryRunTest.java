package dev.noodle.graph.exec;

import static dev.noodle.graph.testing.FakeNodes.link;
import static dev.noodle.graph.testing.FakeNodes.n;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.testing.FakeNodes;
import dev.noodle.graph.testing.FakeValue;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Bad-inputs R2: a node that runs out of memory (simulated by throwing {@link OutOfMemoryError}, as DJL's native
 * allocator failure surfaces) fails the run with a message that says what to do; the executor stays usable and the
 * next run succeeds.
 */
class OutOfMemoryRunTest {
    @Test
    void outOfMemoryInANodeFailsTheRunWithATipAndTheNextRunSucceeds() {
        FakeNodes fake = new FakeNodes();
        GraphExecutor executor = new GraphExecutor(fake.registry, new ResultCache(1L << 30), ServiceLookup.none());
        Workflow w = FakeNodes.wf(n("1", "Source", "seed", 1L, "size", 1L), n("2", "Hook", "latent", link("1", 0)),
                n("3", "Preview", "latent", link("2", 0)));
        Workflow other = FakeNodes.wf(n("1", "Source", "seed", 7L, "size", 1L), n("3", "Preview", "latent",
                link("1", 0)));
        assertEquals(RunResult.Status.SUCCESS, executor.run(other, RunOptions.defaults(), e -> {},
                new CancellationToken()).status());
        FakeValue cachedBefore = fake.created.get(0); // kept by the cache (stands for a loaded model)
        assertTrue(!cachedBefore.released());
        fake.hook = ctx -> {
            throw new OutOfMemoryError("Java heap space");
        };
        List<RunEvent> events = new ArrayList<>();
        RunResult failed = executor.run(w, RunOptions.defaults(), events::add, new CancellationToken());
        assertTrue(cachedBefore.released(), "as ComfyUI unloads models on OOM, the cache lets go of what it kept");
        assertTrue(fake.created.stream().allMatch(FakeValue::released), "nothing of the failed run stays either");
        assertEquals(RunResult.Status.FAILED, failed.status());
        assertEquals("2", failed.failedNode());
        assertTrue(failed.message().contains("out of memory") && failed.message().contains("smaller"),
                failed.message());
        assertTrue(events.stream().anyMatch(e -> e instanceof RunEvent.NodeFailed));

        fake.hook = ctx -> {};
        RunResult again = executor.run(w, RunOptions.defaults(), e -> {}, new CancellationToken());
        assertEquals(RunResult.Status.SUCCESS, again.status(), again.message());
    }

    /** Stands in for {@code ai.djl.engine.EngineException} (graph-core does not depend on DJL). */
    static final class EngineException extends RuntimeException {
        EngineException(String message) {
            super(message);
        }
    }

    /**
     * DJL surfaces PyTorch's native allocator failures as runtime exceptions, not {@link OutOfMemoryError}: those get
     * the same tip (also when wrapped by the node), the next run succeeds, and an ordinary failure gets no tip.
     */
    @Test
    void nativeAllocatorFailuresGetTheTipToo() {
        FakeNodes fake = new FakeNodes();
        GraphExecutor executor = new GraphExecutor(fake.registry, new ResultCache(1L << 30), ServiceLookup.none());
        List<RuntimeException> natives = List.of(
                new EngineException("[enforce fail at alloc_cpu.cpp:114] data. DefaultCPUAllocator: not enough"
                        + " memory: you tried to allocate 68719476736 bytes."),
                new RuntimeException("UNet step 3 failed", new EngineException("CUDA out of memory. Tried to"
                        + " allocate 20.00 GiB (GPU 0; 79.15 GiB total capacity)")),
                new IllegalStateException("std::bad_alloc: can't allocate region"));
        long seed = 1;
        for (RuntimeException e : natives) {
            Workflow w = chain(seed++); // a new seed each time, so the hook is not served from the cache
            fake.hook = ctx -> {
                throw e;
            };
            RunResult failed = executor.run(w, RunOptions.defaults(), x -> {}, new CancellationToken());
            assertEquals(RunResult.Status.FAILED, failed.status());
            assertTrue(failed.message().contains("out of memory") && failed.message().contains("smaller"),
                    failed.message());
            fake.hook = ctx -> {};
            assertEquals(RunResult.Status.SUCCESS,
                    executor.run(w, RunOptions.defaults(), x -> {}, new CancellationToken()).status());
        }
        fake.hook = ctx -> {
            throw new EngineException("expected tensor of rank 4, got rank 3");
        };
        RunResult other = executor.run(chain(seed), RunOptions.defaults(), x -> {}, new CancellationToken());
        assertEquals(RunResult.Status.FAILED, other.status());
        assertTrue(!other.message().contains("smaller"), "no memory tip for other errors: " + other.message());
    }

    private static Workflow chain(long seed) {
        return FakeNodes.wf(n("1", "Source", "seed", seed, "size", 1L), n("2", "Hook", "latent", link("1", 0)),
                n("3", "Preview", "latent", link("2", 0)));
    }
}
