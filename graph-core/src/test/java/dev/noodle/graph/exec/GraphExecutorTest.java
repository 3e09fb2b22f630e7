package dev.noodle.graph.exec;

import static dev.noodle.graph.testing.FakeNodes.link;
import static dev.noodle.graph.testing.FakeNodes.n;
import static dev.noodle.graph.testing.FakeNodes.pipeline;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.graph.model.Layout;
import dev.noodle.graph.model.NodeLayout;
import dev.noodle.graph.model.NodeMode;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.node.MessageLevel;
import dev.noodle.graph.testing.FakeNodes;
import dev.noodle.graph.testing.FakeValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GraphExecutorTest {
    private final FakeNodes fake = new FakeNodes();
    private final ResultCache cache = new ResultCache(1L << 30);
    private final GraphExecutor executor = new GraphExecutor(fake.registry, cache, ServiceLookup.none());
    private final List<RunEvent> events = new ArrayList<>();

    private RunResult run(Workflow w) {
        fake.executed.clear();
        events.clear();
        return executor.run(w, RunOptions.defaults(), events::add, new CancellationToken());
    }

    @Test
    void firstRunExecutesAllSecondIdenticalRunExecutesNone() {
        RunResult first = run(pipeline(7));
        assertEquals(RunResult.Status.SUCCESS, first.status(), first.message());
        assertEquals(List.of("1", "2", "3", "4"), fake.executed);
        assertEquals(4, first.executed());
        assertEquals(List.of("p_img(src7*0.5).png"), first.outputs().get("4").ui().get("images"));

        RunResult second = run(pipeline(7));
        assertEquals(List.of(), fake.executed);
        assertEquals(0, second.executed());
        assertEquals(4, second.cached());
        // a cached output node still reports its ui
        assertEquals(first.outputs().get("4").ui(), second.outputs().get("4").ui());
        assertEquals(4, events.stream().filter(e -> e instanceof RunEvent.NodeCached).count());
    }

    @Test
    void finishedAndCachedEventsCarryTheNodesOutputValues() {
        RunResult first = run(pipeline(7));
        assertEquals(RunResult.Status.SUCCESS, first.status(), first.message());
        RunEvent.NodeFinished source = events.stream().filter(e -> e instanceof RunEvent.NodeFinished f
                && f.nodeId().equals("1")).map(e -> (RunEvent.NodeFinished) e).findFirst().orElseThrow();
        assertEquals(1, source.values().size());
        assertInstanceOf(FakeValue.class, source.values().getFirst());
        Object produced = source.values().getFirst();
        run(pipeline(7));
        RunEvent.NodeCached cached = events.stream().filter(e -> e instanceof RunEvent.NodeCached c
                && c.nodeId().equals("1")).map(e -> (RunEvent.NodeCached) e).findFirst().orElseThrow();
        assertEquals(List.of(produced), cached.values(), "the cache's value, the same one");
        assertEquals(List.of(), new RunEvent.NodeCached("r", "1").values());
    }

    @Test
    void changedSeedReExecutesOnlyDownstreamNodes() {
        Workflow w = pipeline(7).withNode(n("5", "Source", "seed", 100L, "size", 1L))
                .withNode(n("6", "Preview", "latent", link("5", 0)));
        run(w);
        assertEquals(6, fake.executed.size());
        RunResult r = run(w.withNode(w.node("1").withInput("seed", FakeNodes.lit(8L))));
        assertEquals(List.of("1", "2", "3", "4"), fake.executed);
        assertEquals(4, r.executed());
        assertEquals(2, r.cached());
        // changing a downstream literal re-runs only that node and after
        run(w.withNode(w.node("4").withInput("prefix", FakeNodes.lit("q"))));
        assertEquals(List.of("4"), fake.executed);
    }

    @Test
    void nodeIdsAndLayoutDoNotEnterSignatures() {
        run(pipeline(3));
        Workflow renamed = FakeNodes.wf(
                n("a", "Source", "seed", 3L, "size", 100L),
                n("b", "Process", "latent", link("a", 0), "strength", 0.5),
                n("c", "ToImage", "latent", link("b", 0)),
                n("d", "Save", "images", link("c", 0), "prefix", "p", "format", "png"))
                .withLayout(Layout.empty().withNode("a", NodeLayout.at(500, 20)));
        RunResult r = run(renamed);
        assertEquals(0, r.executed());
        assertEquals(4, r.cached());
    }

    @Test
    void integralFloatLiteralSharesSignatureWithInt() {
        run(pipeline(3));
        RunResult r = run(pipeline(3).withNode(n("1", "Source", "seed", 3.0, "size", "100")));
        assertEquals(0, r.executed());
    }

    @Test
    void changeFingerprintReRunsWhenItChanges() {
        Workflow w = FakeNodes.wf(n("1", "File", "path", "a.txt"), n("2", "Preview", "latent", link("1", 0)));
        fake.fileVersion.put("a.txt", "v1");
        run(w);
        run(w);
        assertEquals(List.of(), fake.executed);
        fake.fileVersion.put("a.txt", "v2");
        run(w);
        assertEquals(List.of("1", "2"), fake.executed);
    }

    @Test
    void alwaysRunNodesAndTheirDescendantsAlwaysRun() {
        Workflow w = FakeNodes.wf(n("1", "Noise", "seed", 1L), n("2", "Preview", "latent", link("1", 0)),
                n("3", "Source", "seed", 1L, "size", 1L), n("4", "Preview", "latent", link("3", 0)));
        run(w);
        RunResult r = run(w);
        assertEquals(List.of("1", "2"), fake.executed);
        assertEquals(2, r.cached());
        // not cached, so the run released it after use
        assertTrue(fake.created.stream().filter(v -> v.label().startsWith("noise")).allMatch(FakeValue::released));
    }

    @Test
    void mutedAndBypassedNodes() {
        Workflow w = pipeline(1);
        w = w.withNode(w.node("2").withMode(NodeMode.BYPASSED));
        RunResult r = run(w);
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message());
        assertEquals(List.of("1", "3", "4"), fake.executed);
        assertEquals(List.of("p_img(src1).png"), r.outputs().get("4").ui().get("images"));
        Workflow muted = w.withNode(w.node("4").withMode(NodeMode.MUTED)).withNode(n("9", "Preview", "latent",
                link("1", 0)));
        run(muted);
        assertEquals(List.of("9"), fake.executed); // 1 cached, 3 not needed any more
    }

    @Test
    void eventsInOrder() {
        fake.hook = ctx -> {
            ctx.progress(1, 2);
            ctx.message(MessageLevel.WARNING, "careful");
        };
        Workflow w = FakeNodes.wf(n("1", "Source", "seed", 1L, "size", 1L), n("2", "Hook", "latent", link("1", 0)),
                n("3", "Preview", "latent", link("2", 0)));
        run(w);
        List<String> kinds = events.stream().map(e -> e.getClass().getSimpleName()).toList();
        assertEquals(List.of("RunStarted", "NodeStarted", "NodeFinished", "NodeStarted", "NodeProgress",
                "NodeMessage", "NodeFinished", "NodeStarted", "NodeFinished", "RunFinished"), kinds);
        assertEquals(List.of("1", "2", "3"), ((RunEvent.RunStarted) events.get(0)).plan());
    }

    @Test
    void invalidWorkflowExecutesNothing() {
        RunResult r = run(pipeline(1).withNode(n("3", "ToImage", "latent", link("99", 0))));
        assertEquals(RunResult.Status.INVALID, r.status());
        assertEquals("bad_linked_input", r.errors().get(0).code().comfyName());
        assertEquals(List.of(), fake.executed);
    }

    @Test
    void failureKeepsCompletedNodesCachedAndNotTheFailedOne() {
        fake.hook = ctx -> {
            throw new IllegalStateException("boom");
        };
        Workflow w = FakeNodes.wf(n("1", "Source", "seed", 1L, "size", 1L), n("2", "Hook", "latent", link("1", 0)),
                n("3", "Preview", "latent", link("2", 0)));
        RunResult r = run(w);
        assertEquals(RunResult.Status.FAILED, r.status());
        assertEquals("2", r.failedNode());
        assertEquals("node 2 (Hook) failed: boom", r.message());
        assertInstanceOf(RunEvent.NodeFailed.class, events.get(events.size() - 2));
        fake.hook = ctx -> {};
        RunResult again = run(w);
        assertEquals(List.of("2", "3"), fake.executed);
        assertEquals(1, again.cached());
    }

    @Test
    void cancellationBetweenNodes() {
        CancellationToken token = new CancellationToken();
        Workflow w = pipeline(1);
        RunResult r = executor.run(w, RunOptions.defaults(), e -> {
            if (e instanceof RunEvent.NodeFinished f && f.nodeId().equals("2")) {
                token.cancel();
            }
        }, token);
        assertEquals(RunResult.Status.CANCELLED, r.status());
        assertEquals("3", r.failedNode());
        assertEquals(List.of("1", "2"), fake.executed);
        fake.executed.clear();
        RunResult again = run(w);
        assertEquals(List.of("3", "4"), fake.executed);
        assertEquals(2, again.cached());
    }

    @Test
    void cancellationInsideNode() {
        CancellationToken token = new CancellationToken();
        fake.hook = ctx -> {
            token.cancel();
            ctx.cancellation().throwIfCancelled();
        };
        Workflow w = FakeNodes.wf(n("1", "Source", "seed", 1L, "size", 1L), n("2", "Hook", "latent", link("1", 0)),
                n("3", "Preview", "latent", link("2", 0)));
        RunResult r = executor.run(w, RunOptions.defaults(), events::add, token);
        assertEquals(RunResult.Status.CANCELLED, r.status());
        assertEquals("2", r.failedNode());
        assertTrue(events.contains(new RunEvent.RunCancelled(r.runId(), "2")));
        fake.hook = ctx -> {};
        RunResult again = run(w);
        assertEquals(List.of("2", "3"), fake.executed);
        assertEquals(1, again.cached());
        assertFalse(fake.created.get(0).released(), "cached value must stay alive");
    }

    @Test
    void wrappedCancellationCountsAsCancelNotFailure() {
        CancellationToken token = new CancellationToken();
        fake.hook = ctx -> {
            token.cancel();
            try {
                ctx.cancellation().throwIfCancelled();
            } catch (RuntimeException e) {
                throw new IllegalStateException("worker stopped", e);
            }
        };
        Workflow w = FakeNodes.wf(n("1", "Source", "seed", 1L, "size", 1L), n("2", "Hook", "latent", link("1", 0)),
                n("3", "Preview", "latent", link("2", 0)));
        assertEquals(RunResult.Status.CANCELLED, executor.run(w, RunOptions.defaults(), null, token).status());
    }

    @Test
    void comfyValueWrapperIsUnwrapped() {
        Workflow w = pipeline(1).withNode(n("4", "Save", "images", link("3", 0), "prefix", Map.of("__value__", "z"),
                "format", "png"));
        RunResult r = run(w);
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message());
        assertEquals(List.of("z_img(src1*0.5).png"), r.outputs().get("4").ui().get("images"));
    }

    @Test
    void targetsRunOnlyWhatTheyNeed() {
        RunResult r = executor.run(pipeline(1), new RunOptions(Set.of("2"), "r1"), RunListener.none(), null);
        assertEquals(List.of("1", "2"), fake.executed);
        assertEquals("r1", r.runId());
        assertInstanceOf(FakeValue.class, r.outputs().get("2").value(0));
    }

    @Test
    void twoThousandNodeChainRuns() {
        RunResult r = run(FakeNodes.chain(2000));
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message());
        assertEquals(2002, r.executed());
        assertEquals(0, run(FakeNodes.chain(2000)).executed());
    }

    @Test
    void missingServiceFailsWithItsName() {
        fake.hook = ctx -> ctx.service(Map.class);
        Workflow w = FakeNodes.wf(n("1", "Source", "seed", 1L, "size", 1L), n("2", "Hook", "latent", link("1", 0)),
                n("3", "Preview", "latent", link("2", 0)));
        RunResult r = run(w);
        assertTrue(r.message().contains("java.util.Map"), r.message());
        assertNull(r.outputs().get("3"));
    }
}
