package dev.noodle.graph.sweep;

import static dev.noodle.graph.testing.FakeNodes.link;
import static dev.noodle.graph.testing.FakeNodes.n;
import static dev.noodle.graph.testing.FakeNodes.wf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.ServiceLookup;
import dev.noodle.graph.model.FormInput;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.model.Subgraph;
import dev.noodle.graph.model.SubgraphInput;
import dev.noodle.graph.model.SubgraphOutput;
import java.util.Map;
import dev.noodle.graph.testing.FakeNodes;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Sweeps run every cell through one cache, re-running only what each cell's values touch. */
class SweepRunnerTest {
    private final FakeNodes fake = new FakeNodes();
    private final GraphExecutor executor =
            new GraphExecutor(fake.registry, new ResultCache(1L << 30), ServiceLookup.none());
    private final SweepRunner runner = new SweepRunner(fake.registry, executor::run);

    /** 1 Source → 2 Process ("LoRA") → 3 Process ("clip skip") → 4 ToImage → 5 Save. */
    static Workflow twoKnobs() {
        return wf(n("1", "Source", "seed", 7L, "size", 100L),
                n("2", "Process", "latent", link("1", 0), "strength", 1.0),
                n("3", "Process", "latent", link("2", 0), "strength", 1.0),
                n("4", "ToImage", "latent", link("3", 0)),
                n("5", "Save", "images", link("4", 0), "prefix", "p", "format", "png"));
    }

    private Sweep sweep(Workflow w, String... axes) {
        return Sweep.parse(w, fake.registry, List.of(axes));
    }

    @Test
    void eachCellReRunsOnlyWhatItsChangedValueFeeds() {
        Workflow w = twoKnobs();
        Sweep s = sweep(w, "3.strength=0.5,1", "2.strength=0.25, 0.75");
        List<String> log = new ArrayList<>();
        SweepResult r = runner.run(s, w, "t", new SweepListener() {
            @Override
            public void cellFinished(SweepCellResult c, int ordinal, int total) {
                log.add(ordinal + "/" + total + " " + c.cell().describe() + " ran " + c.executed() + " cached "
                        + c.cached());
            }
        }, new CancellationToken());
        assertEquals(SweepResult.Status.SUCCESS, r.status(), r.message());
        // Y (node 2) feeds more nodes than X (node 3) and goes outermost; X changes in the inner loop
        assertEquals(List.of(
                "1/4 strength: 0.5, strength: 0.25 ran [1, 2, 3, 4, 5] cached []",
                "2/4 strength: 1.0, strength: 0.25 ran [3, 4, 5] cached [1, 2]",
                "3/4 strength: 0.5, strength: 0.75 ran [2, 3, 4, 5] cached [1]",
                "4/4 strength: 1.0, strength: 0.75 ran [3, 4, 5] cached [1, 2]"), log);
        assertEquals(List.of(0, 1, 2, 3), r.runOrder());
        // grid order: X across, Y down; each cell saved the image of its own values
        assertEquals(List.of("p_img(src7*0.75*1.0).png"), r.cells().get(3).result().outputs().get("5").ui()
                .get("images"));
        assertEquals(List.of("p_img(src7*0.25*0.5).png"), r.cells().get(0).result().outputs().get("5").ui()
                .get("images"));
        // the cell's workflow is the base with its values set, nothing else
        Workflow cell = r.cells().get(1).cell().workflow();
        assertEquals(new Literal(1.0), cell.node("3").input("strength"));
        assertEquals(new Literal(0.25), cell.node("2").input("strength"));
        assertEquals(w.withNode(w.node("3").withInput("strength", new Literal(1.0)))
                .withNode(w.node("2").withInput("strength", new Literal(0.25))).nodes(), cell.nodes());
    }

    @Test
    void theDearestAxisGoesOutermostWhateverItsLetter() {
        Workflow w = twoKnobs();
        // X on the upstream node: changing it re-runs 4 nodes, Y only 3, so X is the outer loop
        Sweep s = sweep(w, "2.strength=0.25,0.75", "3.strength=0.5,1");
        assertEquals(List.of(0, 1), runner.axisOrder(s, w));
        SweepResult r = runner.run(s, w, "t", null, null);
        assertEquals(List.of(0, 2, 1, 3), r.runOrder());
        assertEquals(List.of(List.of("1", "2", "3", "4", "5"), List.of("3", "4", "5"), List.of("2", "3", "4", "5"),
                List.of("3", "4", "5")), r.runOrder().stream().map(i -> r.cells().get(i).executed()).toList());
        // equal costs keep AUTOMATIC1111's order: Z outermost, then Y, X innermost
        Workflow both = wf(n("1", "Source", "seed", 7L, "size", 100L),
                n("5", "Save", "images", link("1", 0), "prefix", "p", "format", "png"));
        Sweep even = sweep(both, "5.prefix=a,b", "5.format=png,jpg");
        assertEquals(List.of(1, 0), runner.axisOrder(even, both));
    }

    @Test
    void aSecondIdenticalSweepRunsNothing() {
        Workflow w = twoKnobs();
        Sweep s = sweep(w, "3.strength=0-1 [3]");
        assertEquals(3, runner.run(s, w, "a", null, null).cells().size());
        SweepResult again = runner.run(s, w, "b", null, null);
        assertTrue(again.cells().stream().allMatch(c -> c.executed().isEmpty()), again.toString());
    }

    @Test
    void threeAxesMakeOneCellPerCombinationInGridOrder() {
        Workflow w = twoKnobs();
        Sweep s = sweep(w, "3.strength=1,2", "2.strength=1,2,3", "5.prefix=a,b");
        SweepResult r = runner.run(s, w, "t", null, null);
        assertEquals(12, r.cells().size());
        for (int i = 0; i < 12; i++) {
            SweepCell c = r.cells().get(i).cell();
            assertEquals(i, c.index());
            assertEquals(i, c.x() + c.y() * 2 + c.z() * 6);
        }
        // Z (the Save prefix) changes only the last node: innermost by cost, though A1111 would put it outermost
        assertEquals(List.of(1, 0, 2), runner.axisOrder(s, w));
        assertEquals(1 + 3 + 6 + 6 + 12, r.cells().stream().mapToInt(c -> c.executed().size()).sum());
    }

    @Test
    void formNamesAndPromotedSubgraphInputsAreAxes() {
        Workflow w = withPass().withForm(List.of(new FormInput("sharpness", "83", "strength",
                "Sharpness")));
        Sweep s = sweep(w, "sharpness=0.25,0.5,0.75");
        assertEquals("Sharpness: 0.25", s.cells(w).get(0).describe());
        SweepResult r = runner.run(s, w, "t", null, null);
        assertEquals(SweepResult.Status.SUCCESS, r.status(), r.message());
        assertEquals(List.of("1", "83:1", "83:2", "4"), r.cells().get(0).executed());
        assertEquals(List.of("83:1", "83:2", "4"), r.cells().get(2).executed());
        // the host's promoted widget keeps the inner spec's range (max 10)
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> sweep(w, "83.strength=1,11"));
        assertTrue(e.getMessage().equals("X axis: '11' for 'strength': 11.0 is outside 0.0 to 10.0"),
                e.getMessage());
    }

    /** A host "83" of a subgraph whose interface input 1 feeds an inner Process's strength (a promoted widget). */
    static Workflow withPass() {
        Workflow body = Workflow.empty("Pass")
                .withNode(n("1", "Process", "latent", link(Subgraph.INPUT_NODE, 0),
                        "strength", link(Subgraph.INPUT_NODE, 1)))
                .withNode(n("2", "ToImage", "latent", link("1", 0)));
        Subgraph pass = new Subgraph("pass-id", "Pass", null,
                List.of(new SubgraphInput("in-0", "latent", "LATENT", null, Map.of()),
                        new SubgraphInput("in-1", "strength", "FLOAT", null, Map.of())),
                List.of(new SubgraphOutput("out-0", "image", "IMAGE", null, link("2", 0), Map.of())),
                body, null, Map.of());
        return Workflow.empty("t").withSubgraph(pass)
                .withNode(n("1", "Source", "seed", 7L, "size", 100L))
                .withNode(n("83", "pass-id", "latent", link("1", 0), "strength", 0.5))
                .withNode(n("4", "Save", "images", link("83", 0), "prefix", "p", "format", "png"));
    }

    @Test
    void cancellingStopsBetweenCellsAndInsideOne() {
        Workflow w = twoKnobs();
        Sweep s = sweep(w, "3.strength=1,2,3");
        CancellationToken between = new CancellationToken();
        SweepResult r = runner.run(s, w, "t", new SweepListener() {
            @Override
            public void cellFinished(SweepCellResult c, int ordinal, int total) {
                between.cancel();
            }
        }, between);
        assertEquals(SweepResult.Status.CANCELLED, r.status());
        assertEquals(List.of(0), r.runOrder());
        assertNull(r.cells().get(1));

        Workflow hooked = twoKnobs().withNode(n("4", "Hook", "latent", link("3", 0)))
                .withNode(n("6", "ToImage", "latent", link("4", 0)))
                .withNode(n("5", "Save", "images", link("6", 0), "prefix", "p", "format", "png"));
        CancellationToken inside = new CancellationToken();
        fake.hook = ctx -> {
            if (ctx.runId().endsWith("-1")) {
                inside.cancel();
            }
        };
        SweepResult r2 = runner.run(sweep(hooked, "3.strength=1,2,3"), hooked, "h", null, inside);
        assertEquals(SweepResult.Status.CANCELLED, r2.status(), r2.message());
        assertEquals(List.of(0, 1), r2.runOrder());
        assertTrue(r2.message().contains("cell 2 of 3"), r2.message());
        assertEquals(List.of("3", "4"), r2.cells().get(1).executed());
    }

    @Test
    void badAxesAreRefusedNamingTheAxisNodeAndInput() {
        Workflow w = twoKnobs();
        assertRefused("Y axis: the workflow has no node '9'", w, "3.strength=1", "9.strength=1");
        assertRefused("X axis: node 3 (Process) has no input 'strenght'; its inputs are latent, strength", w,
                "3.strenght=1");
        assertRefused("X axis: node 3 input 'latent' is wired from node 2", w, "3.latent=1");
        assertRefused("X axis: 'strength' is not NODE.INPUT", w, "strength=1");
        assertRefused("X axis: '3.strength' is not NODE.INPUT=VALUES", w, "3.strength");
        assertRefused("two axes sweep node 3 input 'strength'", w, "3.strength=1", "3.strength=2");
        assertRefused("one to three axes", w, "3.strength=1", "2.strength=1", "5.prefix=a", "5.format=png");
    }

    private void assertRefused(String part, Workflow w, String... axes) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sweep(w, axes));
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
