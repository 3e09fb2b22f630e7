package dev.noodle.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.app.ui.vm.GraphEditorViewModel;
import dev.noodle.app.ui.vm.NodeStatus;
import dev.noodle.app.ui.vm.RunViewModel;
import dev.noodle.app.ui.vm.SubgraphEditing;
import dev.noodle.app.ui.vm.SubgraphLevel;
import dev.noodle.graph.edit.PortSide;
import dev.noodle.graph.exec.RunEvent;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Subgraph;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.validate.Validator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The editor's subgraph view-model: convert, enter and leave, edits inside, interface edits, unpack, run states. */
class SubgraphEditorViewModelTest {
    private final GraphEditorViewModel vm = new GraphEditorViewModel(FakeNodes.registry());
    private final SubgraphEditing edits = new SubgraphEditing(vm);

    /** Builds the pipeline and converts the sampler and the decoder; returns the pipeline ids and the host id. */
    private String[] converted() {
        String[] ids = TestGraphs.buildPipeline(vm);
        vm.select(Set.of(ids[3], ids[4]));
        String host = edits.convertSelection().orElseThrow();
        String[] out = java.util.Arrays.copyOf(ids, ids.length + 1);
        out[ids.length] = host;
        return out;
    }

    private Subgraph def(String host) {
        return vm.workflow().subgraphOf(vm.workflow().node(host));
    }

    @Test
    void convertReplacesTheSelectionByAHostWiredAsBeforeAndUndoBringsItBack() {
        String[] ids = TestGraphs.buildPipeline(vm);
        Workflow before = vm.workflow();
        vm.select(Set.of(ids[3], ids[4]));
        String host = edits.convertSelection().orElseThrow();
        Subgraph def = def(host);
        assertEquals("New Subgraph", def.name());
        assertEquals(List.of("model", "positive", "negative", "latent_image", "vae"),
                def.inputs().stream().map(p -> p.name()).toList());
        assertEquals(List.of("IMAGE"), def.outputs().stream().map(p -> p.name()).toList());
        assertEquals(new Link(host, 0), vm.workflow().node(ids[5]).input("images"));
        assertEquals(Set.of(host), vm.selection());
        assertEquals(List.of(), new Validator(vm.registry()).validate(vm.workflow()));
        // the host's card schema comes from the definition
        NodeSchema schema = vm.schema(def.id()).orElseThrow();
        assertEquals("New Subgraph", schema.displayName());
        assertEquals(5, schema.inputs().size());
        vm.undo();
        assertEquals(before, vm.workflow());
    }

    @Test
    void enterShowsTheInnerNodesAndBoundaryCardsAndLeaveGoesBack() {
        String[] ids = converted();
        String host = ids[7];
        assertTrue(vm.where().isRoot());
        assertFalse(vm.enter(ids[0]), "a plain node is no subgraph");
        assertTrue(vm.enter(host));
        assertEquals(List.of(host), vm.where().hostPath());
        assertEquals(host + ":", vm.where().runPrefix());
        assertEquals(Set.of(ids[3], ids[4], Subgraph.INPUT_NODE, Subgraph.OUTPUT_NODE), vm.level().nodes().keySet());
        assertEquals(List.of("Untitled", "New Subgraph"),
                vm.where().crumbs(vm.workflow().name()).stream().map(SubgraphLevel.Crumb::label).toList());
        NodeSchema inputs = vm.schema(Subgraph.INPUT_NODE).orElseThrow();
        assertEquals(List.of("model", "positive", "negative", "latent_image", "vae", SubgraphLevel.NEW_PORT),
                inputs.outputs().stream().map(o -> o.name()).toList());
        assertEquals(new Link(ids[4], 0), vm.level().node(Subgraph.OUTPUT_NODE).input("IMAGE"));
        vm.leave();
        assertTrue(vm.where().isRoot());
        assertEquals(vm.workflow(), vm.level());
    }

    @Test
    void editsInsideChangeTheDefinitionOnTheSameUndoHistory() {
        String[] ids = converted();
        String host = ids[7];
        vm.enter(host);
        vm.setInput(ids[3], "steps", 12L);
        assertEquals(Literal.of(12L), def(host).body().node(ids[3]).input("steps"));
        vm.deleteSelection(); // nothing selected: nothing happens
        vm.select(Set.of(ids[4], Subgraph.INPUT_NODE));
        vm.deleteSelection(); // the boundary card stays, the decoder goes and the output is unwired
        assertNull(def(host).body().node(ids[4]));
        assertNull(def(host).outputs().get(0).source());
        assertTrue(vm.level().nodes().containsKey(Subgraph.INPUT_NODE));
        vm.undo();
        assertEquals(new Link(ids[4], 0), def(host).outputs().get(0).source());
        vm.undo();
        assertEquals(Literal.of(4L), def(host).body().node(ids[3]).input("steps"));
        assertEquals(List.of(host), vm.where().hostPath(), "undo inside stays inside");
        vm.undo(); // the conversion itself: the host is gone, so the editor is back at the top level
        assertTrue(vm.where().isRoot());
        assertEquals(NodeInstance.class, vm.workflow().node(ids[3]).getClass());
    }

    @Test
    void convertingInsideNestsAndTheBreadcrumbsLeadBackUpAnyNumberOfLevels() {
        String[] ids = converted();
        String host = ids[7];
        vm.enter(host);
        vm.select(Set.of(ids[4]));
        String inner = edits.convertSelection().orElseThrow();
        assertEquals(2, vm.workflow().subgraphs().size());
        assertEquals(new Link(inner, 0), vm.level().node(Subgraph.OUTPUT_NODE).input("IMAGE"));
        assertTrue(vm.enter(inner));
        assertEquals(host + ":" + inner + ":", vm.where().runPrefix());
        assertEquals(List.of(2, 1, 0), vm.where().crumbs("w").stream().map(SubgraphLevel.Crumb::up).toList());
        assertEquals(Set.of(ids[4], Subgraph.INPUT_NODE, Subgraph.OUTPUT_NODE), vm.level().nodes().keySet());
        assertEquals(List.of(), new Validator(vm.registry()).validate(vm.workflow()));
        vm.leave(2);
        assertTrue(vm.where().isRoot());
    }

    @Test
    void wiringToTheBoundaryPlusPortsAddsInterfacePorts() {
        String[] ids = converted();
        String host = ids[7];
        vm.enter(host);
        int plus = def(host).inputs().size();
        assertEquals(java.util.Optional.empty(), vm.connect(Subgraph.INPUT_NODE, plus, ids[3], "model"));
        assertEquals(6, def(host).inputs().size());
        assertEquals("model_2", def(host).inputs().get(5).name());
        assertEquals("MODEL", def(host).inputs().get(5).type());
        assertEquals(new Link(Subgraph.INPUT_NODE, 5), def(host).body().node(ids[3]).input("model"));
        assertEquals(java.util.Optional.empty(), vm.connect(ids[3], 0, Subgraph.OUTPUT_NODE, SubgraphLevel.NEW_PORT));
        assertEquals("LATENT", def(host).outputs().get(1).name());
        assertEquals(new Link(ids[3], 0), def(host).outputs().get(1).source());
        vm.undo();
        vm.undo();
        assertEquals(5, def(host).inputs().size());
        assertEquals(1, def(host).outputs().size());
    }

    @Test
    void promotedWidgetsShowOnTheHostAndEditingThemSetsTheHostsLiteral() {
        String[] ids = converted();
        String host = ids[7];
        vm.enter(host);
        assertTrue(edits.promotable(ids[3]).contains("seed"));
        assertTrue(edits.promote(ids[3], "seed"));
        vm.leave();
        NodeSchema schema = vm.schema(def(host).id()).orElseThrow();
        assertTrue(schema.input("seed").orElseThrow() instanceof IntInput);
        assertEquals(Literal.of(0L), vm.workflow().node(host).input("seed"));
        vm.setInput(host, "seed", 42L);
        assertEquals(Literal.of(42L), vm.workflow().node(host).input("seed"));
        assertTrue(edits.isPromotedWidget(def(host).id(), 5));
        assertTrue(edits.rename(def(host).id(), PortSide.INPUT, 5, "noise seed"));
        assertEquals(Literal.of(42L), vm.workflow().node(host).input("noise seed"));
        assertFalse(edits.rename(def(host).id(), PortSide.INPUT, 5, "model"), "a taken name is refused");
        assertTrue(vm.messageProperty().get().contains("already has an input named model"));
        assertTrue(edits.demote(def(host).id(), 5));
        assertEquals(Literal.of(42L), def(host).body().node(ids[3]).input("seed"));
        vm.undo();
        vm.undo();
        vm.undo();
        assertEquals(Literal.of(0L), vm.workflow().node(host).input("seed"));
    }

    @Test
    void unpackRestoresPlainNodesAndUndoTheHost() {
        String[] ids = TestGraphs.buildPipeline(vm);
        Map<String, NodeInstance> before = vm.workflow().nodes();
        vm.select(Set.of(ids[3], ids[4]));
        String host = edits.convertSelection().orElseThrow();
        vm.select(Set.of(host));
        assertTrue(edits.unpackSelection());
        assertEquals(Set.of(ids[3], ids[4]), vm.selection());
        assertEquals(before.keySet(), vm.workflow().nodes().keySet());
        for (String id : before.keySet()) {
            assertEquals(before.get(id), vm.workflow().node(id));
        }
        assertTrue(vm.workflow().subgraphs().isEmpty());
        vm.undo();
        assertTrue(vm.workflow().nodes().containsKey(host));
    }

    @Test
    void innerRunEventsShowOnTheHostAndOnTheInnerCard() {
        RunViewModel run = new RunViewModel();
        run.apply(new RunEvent.NodeStarted("r", "12:7:3", "KSampler"));
        assertEquals(NodeStatus.RUNNING, run.states().get("12").status());
        assertEquals(NodeStatus.RUNNING, run.states().get("12:7").status());
        assertEquals(NodeStatus.RUNNING, run.states().get("12:7:3").status());
        run.apply(new RunEvent.NodeFinished("r", "12:7:3", 5, Map.of()));
        assertEquals(NodeStatus.DONE, run.states().get("12").status());
        assertFalse(run.states().containsKey("7"));

        run.invalid(List.of(
                new dev.noodle.graph.validate.ValidationError(dev.noodle.graph.validate.ValidationCode.VALUE_BIGGER_THAN_MAX,
                        "12:7:3", "KSampler", "steps", "Value 99999 is bigger than max 10000",
                        Map.of("path", "KSampler inside \"Pass\" inside node 12")),
                new dev.noodle.graph.validate.ValidationError(dev.noodle.graph.validate.ValidationCode.REQUIRED_INPUT_MISSING,
                        "12:4", "VAEDecode", "vae", "Required input is missing", Map.of())));
        assertEquals(NodeStatus.INVALID, run.states().get("12").status());
        assertEquals(2, run.states().get("12").message().lines().count(), run.states().get("12").message());
        assertTrue(run.states().get("12").message().startsWith("KSampler inside \"Pass\" inside node 12 — steps:"));
        assertEquals("steps: Value 99999 is bigger than max 10000", run.states().get("12:7:3").message());
    }
}
