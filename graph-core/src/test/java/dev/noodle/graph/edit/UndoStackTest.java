package dev.noodle.graph.edit;

import static dev.noodle.graph.testing.FakeNodes.link;
import static dev.noodle.graph.testing.FakeNodes.n;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.graph.model.Group;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeLayout;
import dev.noodle.graph.model.NodeMode;
import dev.noodle.graph.model.Reroute;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.testing.FakeNodes;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class UndoStackTest {
    private final Workflow start = FakeNodes.pipeline(1)
            .withLayout(FakeNodes.pipeline(1).layout().withNode("2", NodeLayout.at(10, 20)));

    /** Applies, undoes, redoes and undoes again, checking each state. */
    private static void roundTrip(Workflow before, EditCommand command, java.util.function.Consumer<Workflow> check) {
        UndoStack stack = new UndoStack(before);
        Workflow after = stack.execute(command);
        check.accept(after);
        assertEquals(before, stack.undo());
        assertEquals(after, stack.redo());
        assertEquals(before, stack.undo());
    }

    @Test
    void addNode() {
        roundTrip(start, new AddNode(n("9", "Preview", "latent", link("1", 0)), NodeLayout.at(1, 2)), w -> {
            assertEquals("Preview", w.node("9").type());
            assertEquals(1, w.layout().nodes().get("9").x());
        });
        assertThrows(IllegalArgumentException.class, () -> new AddNode(n("1", "Source"), null).apply(start));
    }

    @Test
    void removeNodesRestoresNodesOrderLayoutsAndLinks() {
        roundTrip(start, new RemoveNodes(List.of("2")), w -> {
            assertNull(w.node("2"));
            assertNull(w.node("3").input("latent"));
            assertFalse(w.layout().nodes().containsKey("2"));
        });
        roundTrip(start, new RemoveNodes(List.of("1", "3")), w -> assertEquals(List.of("2", "4"),
                List.copyOf(w.nodes().keySet())));
    }

    @Test
    void setInputConnectDisconnect() {
        roundTrip(start, SetInput.literal("1", "seed", 42L), w -> assertEquals(new Literal(42L),
                w.node("1").input("seed")));
        roundTrip(start, new Connect("1", 0, "3", "latent"), w -> assertEquals(link("1", 0),
                w.node("3").input("latent")));
        roundTrip(start, new Disconnect("3", "latent"), w -> assertNull(w.node("3").input("latent")));
        roundTrip(start, SetInput.literal("4", "flag", true), w -> assertEquals(new Literal(true),
                w.node("4").input("flag"))); // previously absent: undo removes it again
    }

    @Test
    void moveSetModeAndGroups() {
        roundTrip(start, new MoveNodes(List.of("2", "3"), 5, -5), w -> {
            assertEquals(15, w.layout().nodes().get("2").x());
            assertEquals(-5, w.layout().nodes().get("3").y());
        });
        roundTrip(start, new SetMode(List.of("2", "4"), NodeMode.BYPASSED),
                w -> assertEquals(NodeMode.BYPASSED, w.node("4").mode()));
        Group g = new Group("G", 0, 0, 10, 10, "#fff");
        Workflow withGroup = new AddGroup(g).apply(start);
        roundTrip(start, new AddGroup(g), w -> assertEquals(List.of(g), w.layout().groups()));
        roundTrip(withGroup, new RemoveGroup(0), w -> assertTrue(w.layout().groups().isEmpty()));
        roundTrip(withGroup, new SetGroup(0, g.withTitle("H").movedBy(5, 6)),
                w -> assertEquals(List.of(new Group("H", 5, 6, 10, 10, "#fff")), w.layout().groups()));
        assertThrows(IllegalArgumentException.class, () -> new SetGroup(3, g).apply(withGroup));
    }

    @Test
    void collapseAndReroutes() {
        roundTrip(start, new SetCollapsed(List.of("2", "3"), true), w -> {
            assertTrue(w.layout().nodes().get("2").collapsed());
            assertEquals(10, w.layout().nodes().get("2").x());
            assertTrue(w.layout().nodes().get("3").collapsed()); // had no layout: gets one
        });
        Workflow withReroutes = start.withLayout(start.layout().withReroutes(List.of(
                new Reroute("r1", 1, 2, "3:0"), new Reroute("r2", 3, 4, null))));
        roundTrip(withReroutes, new MoveReroutes(List.of("r2", "nope"), 10, 20), w -> assertEquals(List.of(
                new Reroute("r1", 1, 2, "3:0"), new Reroute("r2", 13, 24, null)), w.layout().reroutes()));
    }

    @Test
    void compositeIsOneStep() {
        EditCommand c = new Composite("Insert node", List.of(
                new AddNode(n("9", "Process", "latent", link("1", 0), "strength", 2.0), null),
                new Connect("9", 0, "2", "latent")));
        roundTrip(start, c, w -> assertEquals(link("9", 0), w.node("2").input("latent")));
    }

    @Test
    void historyAndListeners() {
        UndoStack stack = new UndoStack(start, 2);
        List<String> seen = new ArrayList<>();
        stack.addListener((w, d) -> seen.add(d));
        assertFalse(stack.canUndo());
        stack.execute(SetInput.literal("1", "seed", 2L));
        stack.execute(SetInput.literal("1", "seed", 3L));
        stack.execute(SetInput.literal("1", "seed", 4L)); // limit 2: the first step is forgotten
        assertEquals("Set 1.seed", stack.undoDescription());
        stack.undo();
        stack.undo();
        assertFalse(stack.canUndo());
        assertEquals(new Literal(2L), stack.current().node("1").input("seed"));
        assertTrue(stack.canRedo());
        stack.redo();
        stack.execute(new MoveNodes(List.of("1"), 1, 1));
        assertFalse(stack.canRedo(), "a new edit clears redo");
        assertEquals(List.of("Set 1.seed", "Set 1.seed", "Set 1.seed", "Undo Set 1.seed", "Undo Set 1.seed",
                "Redo Set 1.seed", "Move node 1"), seen);
        assertThrows(IllegalStateException.class, () -> new UndoStack(start).undo());
    }
}
