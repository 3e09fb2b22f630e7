package dev.noodle.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.app.ui.vm.ComponentLibraryViewModel;
import dev.noodle.app.ui.vm.GraphEditorViewModel;
import dev.noodle.graph.library.Component;
import dev.noodle.graph.library.ComponentLibrary;
import dev.noodle.graph.library.ComponentUpdates;
import dev.noodle.graph.library.Components;
import dev.noodle.graph.library.HostRef;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Subgraph;
import dev.noodle.graph.model.SubgraphInput;
import dev.noodle.graph.model.SubgraphOutput;
import dev.noodle.graph.model.Workflow;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The library view-model without the FX thread: a component nested in another offers its update on the outer card. */
class ComponentLibraryViewModelTest {
    @TempDir Path dir;

    @Test
    void aNestedComponentsUpdateShowsOnTheOuterCardAndIsOneUndoStep() throws Exception {
        ComponentLibrary lib = new ComponentLibrary(dir);
        Components.Published blank = lib.publishNew(Workflow.empty("a")
                .withSubgraph(ComponentLibraryFxTest.blank("local")), "local", "Blank", "");
        // "Outer" uses Blank inside and is published too
        Components.Embedded inner = Components.embed(Workflow.empty("b"), blank.component(), Components.RANDOM_IDS);
        Subgraph outer = new Subgraph("outer-local", "Outer", null,
                List.of(new SubgraphInput("w", "width", "INT", null, Map.of())),
                List.of(new SubgraphOutput("l", "latent", "LATENT", null, new Link("1", 0), Map.of())),
                Workflow.empty("Outer").withNode(NodeInstance.of("1", inner.definitionId(),
                        Map.of("width", new Link(Subgraph.INPUT_NODE, 0)))), null, Map.of());
        Component outerC = lib.publishNew(inner.workflow().withSubgraph(outer), "outer-local", "Outer", "")
                .component();

        GraphEditorViewModel editor = new GraphEditorViewModel(FakeNodes.registry());
        ComponentLibraryViewModel vm = new ComponentLibraryViewModel(editor, lib);
        assertEquals(List.of("Blank", "Outer"), vm.components().stream().map(e -> e.component().name()).toList());
        String host = vm.insert(outerC, 100, 100);
        Workflow before = editor.workflow();
        assertEquals(2, before.subgraphs().size());
        assertEquals(outerC.ref(), before.subgraphOf(before.node(host)).component());
        assertTrue(vm.updates().isEmpty());

        Subgraph local = blank.workflow().subgraphs().get("local");
        lib.publishVersion(blank.workflow().withSubgraph(local.withBody(local.body().withNode(NodeInstance.of("1",
                "EmptyLatentImage", Map.of("width", new Link(Subgraph.INPUT_NODE, 0), "height", new Literal(768L),
                        "batch_size", new Literal(1L)))))), "local");
        vm.refresh();
        assertEquals(1, vm.updates().size());
        ComponentUpdates.Available up = vm.updates().get(0);
        String outerDef = before.node(host).type();
        assertEquals(List.of(new HostRef(outerDef, "1")), up.hosts());
        assertEquals(List.of(host), vm.cardsFor(up.hosts().get(0)));
        assertEquals("node 1 inside \"Outer\"", vm.describe(up.hosts().get(0)));

        vm.update(up, up.hosts().get(0), false);
        Workflow after = editor.workflow();
        Subgraph innerNow = after.subgraphs().get(after.subgraphs().get(outerDef).body().node("1").type());
        assertEquals(2, innerNow.component().version());
        assertEquals(new Literal(768L), innerNow.body().node("1").input("height"));
        assertTrue(vm.updates().isEmpty());
        editor.undo();
        assertEquals(before, editor.workflow());
        assertEquals(1, vm.updates().size(), "undo brings the offer back");
    }
}
