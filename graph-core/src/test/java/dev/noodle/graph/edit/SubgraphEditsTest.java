package dev.noodle.graph.edit;

import static dev.noodle.graph.testing.FakeNodes.link;
import static dev.noodle.graph.testing.FakeNodes.n;
import static dev.noodle.graph.testing.FakeNodes.pipeline;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.exec.ServiceLookup;
import dev.noodle.graph.model.Layout;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.NodeLayout;
import dev.noodle.graph.model.Subgraph;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.testing.FakeNodes;
import dev.noodle.graph.validate.Validator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Subgraph edits keep workflows running as before, and each undoes exactly. */
class SubgraphEditsTest {
    static final String DEF = "def-1";
    private final FakeNodes fake = new FakeNodes();

    /** The pipeline Source → Process → ToImage → Save, laid out left to right, plus a Preview of the source. */
    static Workflow laidOut() {
        Workflow w = pipeline(7).withNode(n("5", "Preview", "latent", link("1", 0)));
        Layout layout = Layout.empty();
        for (int i = 1; i <= 5; i++) {
            layout = layout.withNode(Integer.toString(i), NodeLayout.at(i * 300, i == 5 ? 400 : 100));
        }
        return w.withLayout(layout);
    }

    /** The ui outputs of every output node, after a fresh run. */
    private Map<String, Map<String, Object>> run(Workflow w) {
        assertEquals(List.of(), new Validator(fake.registry).validate(w));
        RunResult r = new GraphExecutor(fake.registry, new ResultCache(1L << 30), ServiceLookup.none())
                .run(w, RunOptions.defaults(), e -> {}, new CancellationToken());
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message());
        Map<String, Map<String, Object>> ui = new java.util.TreeMap<>();
        r.outputs().forEach((id, out) -> {
            if (!out.ui().isEmpty()) {
                ui.put(id, out.ui());
            }
        });
        return ui;
    }

    private UndoStack convert(Workflow w, String... ids) {
        UndoStack stack = new UndoStack(w);
        stack.execute(new ConvertToSubgraph(List.of(ids), "Sharpen", DEF, fake.registry));
        return stack;
    }

    @Test
    void convertInfersTheInterfaceFromTheWiringAndRunsTheSame() {
        Workflow before = laidOut();
        UndoStack stack = convert(before, "2", "3");
        Workflow after = stack.current();
        Subgraph def = after.subgraphs().get(DEF);
        assertEquals("Sharpen", def.name());
        assertEquals(List.of("latent"), def.inputs().stream().map(p -> p.name()).toList());
        assertEquals("LATENT", def.inputs().get(0).type());
        assertEquals(List.of("IMAGE"), def.outputs().stream().map(p -> p.name()).toList());
        assertEquals(new Link("3", 0), def.outputs().get(0).source());
        assertEquals(List.of("2", "3"), List.copyOf(def.body().nodes().keySet()));
        assertEquals(new Link(Subgraph.INPUT_NODE, 0), def.body().node("2").input("latent"));
        assertEquals(List.of("1", "6", "4", "5"), List.copyOf(after.nodes().keySet()));
        NodeInstance host = after.node("6");
        assertEquals(DEF, host.type());
        assertEquals(new Link("1", 0), host.input("latent"));
        assertEquals(new Link("6", 0), after.node("4").input("images"));
        // the host sits at the selection's centre: nodes at x 600..1100, y 100..200
        NodeLayout hostLayout = after.layout().nodes().get("6");
        assertEquals(750, hostLayout.x() + hostLayout.width() / 2 - 100, 1e-9);
        assertEquals(150, hostLayout.y() + hostLayout.height() / 2, 1e-9);
        assertNull(after.layout().nodes().get("2"));
        assertEquals(0, def.body().layout().nodes().get("2").y(), 1e-9);
        assertEquals(300, def.body().layout().nodes().get("3").x() - def.body().layout().nodes().get("2").x(), 1e-9);

        assertEquals(run(before), run(after));
        stack.undo();
        assertEquals(before, stack.current());
        stack.redo();
        assertEquals(after.nodes(), stack.current().nodes());
        assertEquals(after.subgraphs(), stack.current().subgraphs());
    }

    @Test
    void oneInputPerOutsideSourceAndOneOutputPerInnerOutputWithUniqueNames() {
        // 2 and 3 both read node 1; Mix reads 2 twice; outside, Save and Preview read 3 and 2
        Workflow w = Workflow.empty("t")
                .withNode(n("1", "Source", "seed", 3L, "size", 10L))
                .withNode(n("9", "Source", "seed", 4L, "size", 10L))
                .withNode(n("2", "Mix", "a", link("1", 0), "b", link("9", 0)))
                .withNode(n("3", "Mix", "a", link("2", 0), "b", link("1", 0)))
                .withNode(n("4", "Preview", "latent", link("3", 0)))
                .withNode(n("5", "Preview", "latent", link("2", 0)))
                .withNode(n("7", "Preview", "latent", link("3", 0)));
        Workflow after = convert(w, "2", "3").current();
        Subgraph def = after.subgraphs().get(DEF);
        assertEquals(List.of("a", "b"), def.inputs().stream().map(p -> p.name()).toList());
        assertEquals(new Link(Subgraph.INPUT_NODE, 0), def.body().node("3").input("b"));
        assertEquals(List.of("LATENT", "LATENT_2"), def.outputs().stream().map(p -> p.name()).toList());
        assertEquals(new Link("10", 1), after.node("5").input("latent"));
        assertEquals(new Link("10", 0), after.node("7").input("latent"));
        assertEquals(run(w), run(after));
    }

    @Test
    void convertThenUnpackGivesAnEquivalentWorkflow() {
        Workflow before = laidOut();
        UndoStack stack = convert(before, "2", "3");
        stack.execute(new UnpackSubgraph("6"));
        Workflow back = stack.current();
        assertEquals(before.nodes(), back.nodes());
        assertTrue(back.subgraphs().isEmpty());
        // the drawing keeps its shape and starts where the host was
        NodeLayout host = stack.current().layout().nodes().get("2");
        NodeLayout was2 = before.layout().nodes().get("2");
        NodeLayout was3 = before.layout().nodes().get("3");
        NodeLayout is3 = back.layout().nodes().get("3");
        assertEquals(was3.x() - was2.x(), is3.x() - host.x(), 1e-9);
        assertEquals(was3.y() - was2.y(), is3.y() - host.y(), 1e-9);
        NodeLayout hostWas = convert(before, "2", "3").current().layout().nodes().get("6");
        assertEquals(hostWas.x(), host.x(), 1e-9);
        assertEquals(hostWas.y(), host.y(), 1e-9);
        assertEquals(run(before), run(back));
        stack.undo();
        assertEquals(Map.of("1", 1, "6", 1, "4", 1, "5", 1).keySet(), stack.current().nodes().keySet());
    }

    @Test
    void unpackGivesFreshIdsOnClashesAndPutsPromotedValuesBack() {
        // definition with inner ids 1 and 2, the top level already has 1..4
        Workflow w = dev.noodle.graph.subgraph.SubgraphRunTestAccess.withPass(0.25);
        Map<String, Map<String, Object>> expected = run(w);
        UndoStack stack = new UndoStack(w);
        UnpackSubgraph unpack = new UnpackSubgraph("83");
        stack.execute(unpack);
        Workflow flat = stack.current();
        assertEquals(Map.of("1", "84", "2", "2"), unpack.idMap());
        assertEquals(Literal.of(0.25), flat.node("84").input("strength"));
        assertEquals(new Link("1", 0), flat.node("84").input("latent"));
        assertEquals(new Link("84", 0), flat.node("2").input("latent"));
        assertEquals(new Link("2", 0), flat.node("4").input("images"));
        assertTrue(flat.subgraphs().isEmpty());
        assertEquals(expected, run(flat));
        stack.undo();
        assertEquals(w, stack.current());
    }

    @Test
    void renameMovesEveryHostsValueAndKeepsRunsTheSame() {
        Workflow w = dev.noodle.graph.subgraph.SubgraphRunTestAccess.withPass(0.25)
                .withNode(n("90", dev.noodle.graph.subgraph.SubgraphRunTestAccess.PASS, "latent", link("1", 0),
                        "strength", 0.75))
                .withNode(n("91", "Save", "images", link("90", 0), "prefix", "q", "format", "png"));
        Map<String, Map<String, Object>> expected = run(w);
        UndoStack stack = new UndoStack(w);
        stack.execute(new RenameSubgraphPort(dev.noodle.graph.subgraph.SubgraphRunTestAccess.PASS, PortSide.INPUT, 1,
                "amount"));
        Workflow renamed = stack.current();
        assertEquals(Literal.of(0.75), renamed.node("90").input("amount"));
        assertNull(renamed.node("90").input("strength"));
        assertEquals(List.of("latent", "amount"), List.copyOf(renamed.node("83").inputs().keySet()));
        assertEquals(expected, run(renamed));
        assertThrows(IllegalArgumentException.class, () -> stack.execute(new RenameSubgraphPort(
                dev.noodle.graph.subgraph.SubgraphRunTestAccess.PASS, PortSide.INPUT, 1, "latent")));
        stack.undo();
        assertEquals(w, stack.current());
    }

    @Test
    void reorderingPortsKeepsEveryWireAndRunsTheSame() {
        Workflow before = laidOut();
        UndoStack stack = new UndoStack(before);
        stack.execute(new ConvertToSubgraph(List.of("1", "2"), "Src", DEF, fake.registry));
        Workflow converted = stack.current();
        Subgraph def = converted.subgraphs().get(DEF);
        assertEquals(2, def.outputs().size());
        stack.execute(new MoveSubgraphPort(DEF, PortSide.OUTPUT, 0, 1));
        Workflow moved = stack.current();
        assertEquals(def.outputs().get(0).id(), moved.subgraphs().get(DEF).outputs().get(1).id());
        assertEquals(run(before), run(moved));

        Workflow w = dev.noodle.graph.subgraph.SubgraphRunTestAccess.withPass(0.25);
        stack.reset(w);
        stack.execute(new MoveSubgraphPort(dev.noodle.graph.subgraph.SubgraphRunTestAccess.PASS, PortSide.INPUT, 1,
                0));
        Subgraph pass = stack.current().subgraphs().get(dev.noodle.graph.subgraph.SubgraphRunTestAccess.PASS);
        assertEquals("strength", pass.inputs().get(0).name());
        assertEquals(new Link(Subgraph.INPUT_NODE, 1), pass.body().node("1").input("latent"));
        assertEquals(run(w), run(stack.current()));
        stack.undo();
        assertEquals(w, stack.current());
    }

    @Test
    void removingPortsDisconnectsWhatUsedThemInsideAndOnHosts() {
        String pass = dev.noodle.graph.subgraph.SubgraphRunTestAccess.PASS;
        Workflow w = dev.noodle.graph.subgraph.SubgraphRunTestAccess.withPass(0.25);
        UndoStack stack = new UndoStack(w);
        stack.execute(new RemoveSubgraphPort(pass, PortSide.INPUT, 0));
        Subgraph def = stack.current().subgraphs().get(pass);
        assertEquals(List.of("strength"), def.inputs().stream().map(p -> p.name()).toList());
        assertNull(def.body().node("1").input("latent"));
        assertEquals(new Link(Subgraph.INPUT_NODE, 0), def.body().node("1").input("strength"));
        assertEquals(Map.of("strength", Literal.of(0.25)), stack.current().node("83").inputs());
        stack.undo();
        stack.execute(new RemoveSubgraphPort(pass, PortSide.OUTPUT, 0));
        assertTrue(stack.current().subgraphs().get(pass).outputs().isEmpty());
        assertNull(stack.current().node("4").input("images"));
        stack.undo();
        assertEquals(w, stack.current());
    }

    @Test
    void promoteGivesHostsTheInnerValueAndDemotePutsTheHostsValueBack() {
        Workflow before = laidOut();
        UndoStack stack = convert(before, "2", "3");
        stack.execute(new PromoteWidget(DEF, "2", "strength", fake.registry));
        Workflow promoted = stack.current();
        Subgraph def = promoted.subgraphs().get(DEF);
        assertEquals("strength", def.inputs().get(1).name());
        assertEquals("FLOAT", def.inputs().get(1).type());
        assertEquals(new Link(Subgraph.INPUT_NODE, 1), def.body().node("2").input("strength"));
        assertEquals(Literal.of(0.5), promoted.node("6").input("strength"));
        assertEquals(run(before), run(promoted));
        assertThrows(IllegalArgumentException.class,
                () -> new PromoteWidget(DEF, "2", "latent", fake.registry).apply(promoted));

        stack.execute(new SetInput("6", "strength", Literal.of(2.0)));
        Map<String, Map<String, Object>> edited = run(stack.current());
        assertEquals(List.of("p_img(src7*2.0).png"), edited.get("4").get("images"));

        stack.execute(new DemoteWidget(DEF, 1));
        Workflow demoted = stack.current();
        assertEquals(1, demoted.subgraphs().get(DEF).inputs().size());
        assertEquals(Literal.of(2.0), demoted.subgraphs().get(DEF).body().node("2").input("strength"));
        assertNull(demoted.node("6").input("strength"));
        assertEquals(edited, run(demoted));
        stack.undo();
        stack.undo();
        assertEquals(promoted, stack.current());
        stack.undo();
        stack.undo();
        assertEquals(before, stack.current());
    }

    @Test
    void anyEditWorksInsideADefinitionAndUndoesOnTheSameStack() {
        Workflow before = laidOut();
        UndoStack stack = convert(before, "2", "3");
        Workflow converted = stack.current();
        stack.execute(new EditInSubgraph(DEF, SetInput.literal("2", "strength", 3.0)));
        assertEquals(Literal.of(3.0), stack.current().subgraphs().get(DEF).body().node("2").input("strength"));
        assertEquals(List.of("p_img(src7*3.0).png"), run(stack.current()).get("4").get("images"));
        stack.execute(new EditInSubgraph(DEF, new RemoveNodes(List.of("3"))));
        assertNull(stack.current().subgraphs().get(DEF).outputs().get(0).source());
        stack.execute(new EditInSubgraph(DEF, new AddNode(n("3", "ToImage", "latent", link("2", 0)),
                NodeLayout.at(10, 10))));
        stack.execute(new EditInSubgraph(DEF, new Connect("3", 0, Subgraph.OUTPUT_NODE, "IMAGE")));
        assertEquals(new Link("3", 0), stack.current().subgraphs().get(DEF).outputs().get(0).source());
        assertEquals(List.of("p_img(src7*3.0).png"), run(stack.current()).get("4").get("images"));
        assertTrue(stack.current().subgraphs().get(DEF).body().subgraphs().isEmpty());
        for (int i = 0; i < 4; i++) {
            stack.undo();
        }
        assertEquals(converted, stack.current());
    }

    @Test
    void convertingInsideADefinitionNestsItAndRunsTheSame() {
        Workflow before = laidOut();
        UndoStack stack = convert(before, "2", "3");
        stack.execute(new EditInSubgraph(DEF, new ConvertToSubgraph(List.of("3"), "Decode", "def-2",
                fake.registry)));
        Workflow nested = stack.current();
        Subgraph outer = nested.subgraphs().get(DEF);
        assertEquals("def-2", outer.body().node("4").type());
        assertEquals(new Link("4", 0), outer.outputs().get(0).source());
        assertTrue(nested.subgraphs().containsKey("def-2"));
        assertEquals(run(before), run(nested));
        stack.execute(new EditInSubgraph(DEF, new UnpackSubgraph("4")));
        assertEquals(new Link("3", 0), stack.current().subgraphs().get(DEF).outputs().get(0).source());
        assertTrue(!stack.current().subgraphs().containsKey("def-2"));
        assertEquals(run(before), run(stack.current()));
        stack.undo();
        stack.undo();
        stack.undo();
        assertEquals(before, stack.current());
    }

    @Test
    void addedPortsGetUniqueNames() {
        UndoStack stack = convert(laidOut(), "2", "3");
        AddSubgraphPort add = new AddSubgraphPort(DEF, PortSide.INPUT, "latent", "LATENT", null);
        stack.execute(add);
        assertEquals(1, add.index());
        assertEquals("latent_2", stack.current().subgraphs().get(DEF).inputs().get(1).name());
        stack.execute(new AddSubgraphPort(DEF, PortSide.OUTPUT, "IMAGE", "LATENT", new Link("2", 0)));
        assertEquals(new Link("2", 0), stack.current().subgraphs().get(DEF).outputs().get(1).source());
        assertEquals("IMAGE_2", stack.current().subgraphs().get(DEF).outputs().get(1).name());
    }
}
