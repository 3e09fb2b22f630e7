package dev.noodle.graph.exec;

import static dev.noodle.graph.testing.FakeNodes.link;
import static dev.noodle.graph.testing.FakeNodes.n;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.testing.FakeNodes;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PlannerTest {
    private final FakeNodes fake = new FakeNodes();
    private final Planner planner = new Planner();

    @Test
    void ordersOnlyWhatOutputsNeedWithWorkflowOrderTieBreak() {
        Workflow w = FakeNodes.wf(
                n("5", "Source", "seed", 2L, "size", 1L),
                n("1", "Source", "seed", 1L, "size", 1L),
                n("7", "Source", "seed", 3L, "size", 1L), // not needed by any output
                n("3", "Mix", "a", link("1", 0), "b", link("5", 0)),
                n("2", "Preview", "latent", link("3", 0)));
        assertEquals(List.of("5", "1", "3", "2"), planner.plan(w, fake.registry, Set.of()).order());
        assertEquals(List.of("1"), planner.plan(w, fake.registry, Set.of("1")).order());
    }

    @Test
    void cycleThrowsWithItsNodes() {
        Workflow w = FakeNodes.wf(
                n("1", "Mix", "a", link("2", 0)),
                n("2", "Process", "latent", link("1", 0), "strength", 1.0),
                n("3", "Preview", "latent", link("2", 0)));
        GraphCycleException e = assertThrows(GraphCycleException.class, () -> planner.plan(w, fake.registry, Set.of()));
        assertEquals(List.of("1", "2"), e.nodes());
    }

    @Test
    void twoThousandNodeChainPlansIteratively() {
        List<String> order = planner.plan(FakeNodes.chain(2000), fake.registry, Set.of()).order();
        assertEquals(2002, order.size());
        assertEquals("0", order.get(0));
        assertEquals("p", order.get(2001));
    }
}
