package dev.noodle.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.app.ui.vm.GraphEditorViewModel;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeMode;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.node.NodeRegistry;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Undo/redo through graph-core's UndoStack: exact restores, one step per gesture, results stay cached. */
class UndoTest {
    private final NodeRegistry registry = FakeNodes.registry();

    @Test
    void everyEditUndoesToTheExactPreviousWorkflowAndRedoesForward() {
        GraphEditorViewModel vm = new GraphEditorViewModel(registry);
        String[] ids = TestGraphs.buildPipeline(vm);
        Workflow built = vm.workflow();

        vm.moveNodes(Map.of(ids[0], new double[] {10, 20}, ids[1], new double[] {330, 20}));
        vm.select(Set.of(ids[3], ids[4]));
        vm.setModeOfSelection(NodeMode.BYPASSED);
        vm.setInputs("Next seeds", Map.of(ids[3], Map.of("seed", 7L, "steps", 9L)));
        vm.deleteSelection();
        Workflow edited = vm.workflow();

        vm.undo(); // delete
        assertEquals(NodeMode.BYPASSED, vm.workflow().node(ids[3]).mode());
        assertEquals(new Literal(9L), vm.workflow().node(ids[3]).input("steps"));
        vm.undo(); // both inputs in one step
        assertEquals(new Literal(4L), vm.workflow().node(ids[3]).input("steps"));
        vm.undo(); // both modes in one step
        assertEquals(NodeMode.NORMAL, vm.workflow().node(ids[4]).mode());
        vm.undo(); // one drag of two nodes = one step, each back to its own place
        assertEquals(built, vm.workflow());
        assertTrue(vm.canRedoProperty().get());

        for (int i = 0; i < 4; i++) {
            vm.redo();
        }
        assertEquals(edited, vm.workflow());
        assertFalse(vm.canRedoProperty().get());
    }

    @Test
    void undoingASeedChangeReusesTheCachedResults() {
        GraphEditorViewModel vm = new GraphEditorViewModel(registry);
        String[] ids = TestGraphs.buildPipeline(vm);
        GraphExecutor executor = new GraphExecutor(registry, new ResultCache(1 << 20), new TestServices());

        RunResult first = run(executor, vm.workflow());
        assertEquals(RunResult.Status.SUCCESS, first.status());
        vm.setInput(ids[3], "seed", 1234L);
        RunResult second = run(executor, vm.workflow());
        assertNotEquals(0, second.executed(), "the sampler re-runs for a new seed");
        vm.undo();
        RunResult third = run(executor, vm.workflow());
        assertEquals(0, third.executed() - countAlwaysRun(vm.workflow()), "nothing re-runs after undo: " + third);
        assertTrue(third.cached() >= 6, "checkpoint, prompts, latent, sampler and decode come from the cache");
    }

    private int countAlwaysRun(Workflow wf) {
        return (int) wf.nodes().values().stream()
                .filter(n -> registry.find(n.type()).orElseThrow().schema().alwaysRun())
                .count();
    }

    private static RunResult run(GraphExecutor executor, Workflow wf) {
        return executor.run(wf, new RunOptions(Set.of(), "t"), e -> {}, new CancellationToken());
    }
}
