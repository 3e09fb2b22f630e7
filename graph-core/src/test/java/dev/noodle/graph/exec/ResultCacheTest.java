package dev.noodle.graph.exec;

import static dev.noodle.graph.testing.FakeNodes.link;
import static dev.noodle.graph.testing.FakeNodes.n;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.testing.FakeNodes;
import dev.noodle.graph.testing.FakeValue;
import org.junit.jupiter.api.Test;

class ResultCacheTest {

    @Test
    void evictsLeastRecentlyUsedAndReleasesEvictedValues() {
        ResultCache cache = new ResultCache(250);
        FakeValue a = new FakeValue("a", 100);
        FakeValue b = new FakeValue("b", 100);
        FakeValue c = new FakeValue("c", 100);
        cache.put("A", NodeOutputs.of(a));
        cache.put("B", NodeOutputs.of(b));
        cache.get("A"); // B is now least recently used
        cache.put("C", NodeOutputs.of(c));
        assertNull(cache.get("B"));
        assertTrue(b.released());
        assertFalse(a.released());
        assertFalse(c.released());
        assertEquals(200, cache.stats().bytes());
        assertEquals(1, cache.stats().evictions());
    }

    @Test
    void sharedValueIsCountedOnceAndReleasedWithItsLastEntry() {
        ResultCache cache = new ResultCache(150);
        FakeValue shared = new FakeValue("s", 100);
        cache.put("A", NodeOutputs.of(shared));
        cache.put("B", NodeOutputs.of(shared, shared));
        assertEquals(100, cache.stats().bytes());
        cache.put("C", NodeOutputs.of(new FakeValue("c", 100))); // evicts A, then B
        assertEquals(1, shared.releases());
        assertEquals(1, cache.stats().entries());
    }

    @Test
    void heldValuesSurviveEvictionUntilUnheld() {
        ResultCache cache = new ResultCache(0);
        FakeValue v = new FakeValue("v", 10);
        NodeOutputs out = NodeOutputs.of(v);
        cache.hold(out);
        cache.put("V", out); // over budget at once: evicted, but held
        assertFalse(cache.contains("V"));
        assertFalse(v.released());
        cache.unhold(out);
        assertEquals(1, v.releases());
    }

    @Test
    void clearReleasesEverything() {
        ResultCache cache = new ResultCache(1000);
        FakeValue v = new FakeValue("v", 10);
        cache.put("V", NodeOutputs.of(v));
        cache.clear();
        assertTrue(v.released());
        assertEquals(0, cache.stats().bytes());
    }

    @Test
    void smallCacheDuringRunNeverReleasesValuesStillNeeded() {
        FakeNodes fake = new FakeNodes();
        ResultCache cache = new ResultCache(150); // holds one 100-byte value
        GraphExecutor ex = new GraphExecutor(fake.registry, cache, null);
        Workflow w = FakeNodes.wf(
                n("1", "Source", "seed", 1L, "size", 100L),
                n("2", "Process", "latent", link("1", 0), "strength", 1.0),
                n("3", "Mix", "a", link("2", 0), "b", link("1", 0)),
                n("4", "Preview", "latent", link("3", 0)));
        RunResult r = ex.run(w, RunOptions.defaults(), e -> {}, new CancellationToken());
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message());
        assertEquals("src1*1.0+src1", r.outputs().get("4").ui().get("latent"));
        // evicted values were released exactly once; the one still cached was not
        for (FakeValue v : fake.created) {
            assertTrue(v.releases() <= 1);
        }
        long alive = fake.created.stream().filter(v -> !v.released()).count();
        assertEquals(1, alive);
        assertTrue(cache.stats().bytes() <= 150);
    }
}
