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
     * The host judges which failures are out of memory (DJL surfaces PyTorch's native allocator failures as its own
     * exception type, which only the host knows): the executor asks it once per failure, gives those the tip, flags
     * the result and the event, and the next run succeeds; a failure the host does not judge so gets no tip.
     */
    @Test
    void theHostsClassifierDecidesWhatIsOutOfMemory() {
        FakeNodes fake = new FakeNodes();
        List<Throwable> asked = new java.util.ArrayList<>();
        GraphExecutor executor = new GraphExecutor(fake.registry, new ResultCache(1L << 30), ServiceLookup.none(),
                e -> {
                    asked.add(e);
                    return e instanceof EngineException && e.getMessage().contains("allocate");
                });
        EngineException nativeOom = new EngineException("[enforce fail at alloc_cpu.cpp:114] data."
                + " DefaultCPUAllocator: not enough memory: you tried to allocate 68719476736 bytes.");
        Workflow w = chain(1);
        fake.hook = ctx -> {
            throw nativeOom;
        };
        List<RunEvent> events = new java.util.ArrayList<>();
        RunResult failed = executor.run(w, RunOptions.defaults(), events::add, new CancellationToken());
        assertEquals(RunResult.Status.FAILED, failed.status());
        assertTrue(failed.outOfMemory(), "the result says out of memory");
        assertTrue(failed.message().contains("out of memory") && failed.message().contains("smaller"),
                failed.message());
        assertTrue(events.stream().anyMatch(e -> e instanceof RunEvent.NodeFailed f && f.outOfMemory()));
        assertEquals(List.of(nativeOom), asked, "classified once");
        fake.hook = ctx -> {};
        assertEquals(RunResult.Status.SUCCESS,
                executor.run(w, RunOptions.defaults(), x -> {}, new CancellationToken()).status());
        fake.hook = ctx -> {
            throw new EngineException("expected tensor of rank 4, got rank 3");
        };
        RunResult other = executor.run(chain(2), RunOptions.defaults(), x -> {}, new CancellationToken());
        assertEquals(RunResult.Status.FAILED, other.status());
        assertTrue(!other.outOfMemory() && !other.message().contains("smaller"),
                "no memory tip for other errors: " + other.message());
    }

    private static Workflow chain(long seed) {
        return FakeNodes.wf(n("1", "Source", "seed", seed, "size", 1L), n("2", "Hook", "latent", link("1", 0)),
                n("3", "Preview", "latent", link("2", 0)));
    }
}
