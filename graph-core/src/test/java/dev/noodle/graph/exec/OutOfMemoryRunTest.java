package dev.noodle.graph.exec;

import static dev.noodle.graph.testing.FakeNodes.link;
import static dev.noodle.graph.testing.FakeNodes.n;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.testing.FakeNodes;
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
        fake.hook = ctx -> {
            throw new OutOfMemoryError("Java heap space");
        };
        List<RunEvent> events = new ArrayList<>();
        RunResult failed = executor.run(w, RunOptions.defaults(), events::add, new CancellationToken());
        assertEquals(RunResult.Status.FAILED, failed.status());
        assertEquals("2", failed.failedNode());
        assertTrue(failed.message().contains("out of memory") && failed.message().contains("smaller"),
                failed.message());
        assertTrue(events.stream().anyMatch(e -> e instanceof RunEvent.NodeFailed));

        fake.hook = ctx -> {};
        RunResult again = executor.run(w, RunOptions.defaults(), e -> {}, new CancellationToken());
        assertEquals(RunResult.Status.SUCCESS, again.status(), again.message());
    }
}
