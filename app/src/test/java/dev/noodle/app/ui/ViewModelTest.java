package dev.noodle.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.app.ui.vm.GraphEditorViewModel;
import dev.noodle.app.ui.vm.NodeSearch;
import dev.noodle.app.ui.vm.NodeStatus;
import dev.noodle.app.ui.vm.PendingWire;
import dev.noodle.app.ui.vm.RunController;
import dev.noodle.app.ui.vm.RunViewModel;
import dev.noodle.app.ui.vm.SeedControl;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunEvent;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.validate.Validator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** View-model tests without the FX thread. */
class ViewModelTest {
    private final NodeRegistry registry = FakeNodes.registry();

    @Test
    void renamingKeepsUnsavedChangesUnsavedAndSavedWorkSaved() {
        GraphEditorViewModel vm = new GraphEditorViewModel(registry);
        vm.addNode("KSampler", 0, 0);
        assertTrue(vm.dirtyProperty().get());
        vm.rename("mine");
        assertEquals("mine", vm.workflow().name());
        assertTrue(vm.dirtyProperty().get(), "a rename does not save the edits");
        vm.markSaved();
        vm.rename("other");
        assertFalse(vm.dirtyProperty().get(), "renaming saved work leaves it saved");
    }

    /** Bad-inputs W1: a cycle's error marks every node on it, with the cycle named on each. */
    @Test
    void aDependencyCycleMarksEveryNodeOnIt() {
        RunViewModel run = new RunViewModel();
        run.invalid(List.of(new dev.noodle.graph.validate.ValidationError(
                dev.noodle.graph.validate.ValidationCode.DEPENDENCY_CYCLE, "3", "KSampler", null,
                "Dependency cycle detected between nodes 3 -> 8 -> 3; remove one of these links",
                Map.of("nodes", List.of("3", "8")))));
        for (String id : List.of("3", "8")) {
            assertEquals(NodeStatus.INVALID, run.states().get(id).status(), id);
            assertTrue(run.states().get(id).message().contains("3 -> 8 -> 3"), run.states().get(id).message());
            assertEquals(1, run.errors().get(id).size());
        }
        assertTrue(run.statusProperty().get().contains("[dependency_cycle]"), run.statusProperty().get());
    }

    @Test
    void connectRefusesLatentToImageAndUndoRedoRestoresEdits() {
        GraphEditorViewModel vm = new GraphEditorViewModel(registry);
        String sampler = vm.addNode("KSampler", 0, 0);
        String save = vm.addNode("SaveImage", 400, 0);
        String decode = vm.addNode("VAEDecode", 200, 0);

        Optional<String> refused = vm.connect(sampler, 0, save, "images");
        assertTrue(refused.isPresent());
        assertTrue(refused.get().contains("LATENT") && refused.get().contains("IMAGE"), refused.get());
        assertTrue(refused.get().contains("VAE Decode"), "hint names the fix: " + refused.get());
        assertEquals(refused.get(), vm.messageProperty().get());
        assertNull(vm.workflow().node(save).input("images"));

        assertTrue(vm.connect(sampler, 0, decode, "samples").isEmpty());
        assertTrue(vm.connect(decode, 0, sampler, "latent_image").isPresent(), "a loop is refused");
        vm.setInput(sampler, "steps", 30L);
        assertEquals(new Literal(30L), vm.workflow().node(sampler).input("steps"));
        assertTrue(vm.dirtyProperty().get());

        vm.undo();
        assertEquals(new Literal(4L), vm.workflow().node(sampler).input("steps"));
        vm.undo();
        assertNull(vm.workflow().node(decode).input("samples"));
        vm.redo();
        assertEquals(new Link(sampler, 0), vm.workflow().node(decode).input("samples"));

        vm.select(java.util.Set.of(sampler));
        vm.deleteSelection();
        assertNull(vm.workflow().node(sampler));
        assertNull(vm.workflow().node(decode).input("samples"), "deleting a node drops its wires");
        vm.undo();
        assertEquals(new Link(sampler, 0), vm.workflow().node(decode).input("samples"));
    }

    @Test
    void dirtyClearsWhenUndoneBackToSaved() {
        GraphEditorViewModel vm = new GraphEditorViewModel(registry);
        vm.addNode("KSampler", 0, 0);
        vm.markSaved();
        assertFalse(vm.dirtyProperty().get());
        vm.moveNodes(Map.of("1", new double[] {50, 60}));
        assertTrue(vm.dirtyProperty().get());
        assertEquals(50, vm.workflow().layout().nodes().get("1").x());
        vm.undo();
        assertFalse(vm.dirtyProperty().get());
    }

    @Test
    void fuzzySearchRanksNamesCategoriesAndDescriptions() {
        NodeSearch search = new NodeSearch(registry);
        assertEquals("KSampler", search.search("ksamp", 5).get(0).schema().type());
        assertEquals("VAEDecode", search.search("vae dec", 5).get(0).schema().type());
        assertEquals("CheckpointLoaderSimple", search.search("ckpt", 5).get(0).schema().type());
        assertEquals("CheckpointLoaderSimple", search.search("load", 5).get(0).schema().type());
        assertEquals("CLIPTextEncode", search.search("prompt", 5).get(0).schema().type());
        assertTrue(search.search("zzzz", 5).isEmpty());
        assertEquals(registry.all().size(), search.search("", 50).size());
    }

    @Test
    void seedModesRandomizeIncrementOrKeep() {
        GraphEditorViewModel vm = new GraphEditorViewModel(registry);
        String s = vm.addNode("KSampler", 0, 0);
        vm.setInput(s, "seed", 41L);
        assertEquals(1, SeedControl.nextSeeds(vm.workflow(), registry, new Random(1)).size(), "randomize default");
        vm.execute(SeedControl.setMode(s, "seed", "increment"));
        assertEquals(42L, SeedControl.nextSeeds(vm.workflow(), registry, new Random(1)).get(s).get("seed"));
        vm.execute(SeedControl.setMode(s, "seed", "fixed"));
        assertTrue(SeedControl.nextSeeds(vm.workflow(), registry, new Random(1)).isEmpty());
    }

    @Test
    void runControllerMarksInvalidNodesThenRunsAndReportsStates() throws Exception {
        GraphEditorViewModel vm = new GraphEditorViewModel(registry);
        String[] ids = TestGraphs.buildPipeline(vm);
        String save = ids[5];
        vm.disconnect(ids[3], "model");

        RunViewModel run = new RunViewModel();
        LinkedBlockingQueue<Runnable> uiQueue = new LinkedBlockingQueue<>();
        GraphExecutor executor = new GraphExecutor(registry, new ResultCache(1 << 20), new TestServices());
        try (RunController runs = new RunController(executor::run, new Validator(registry)::validate, run,
                uiQueue::add)) {
            assertNull(runs.submit(vm.workflow()), "invalid workflow does not run");
            assertEquals(NodeStatus.INVALID, run.states().get(ids[3]).status());
            assertTrue(run.states().get(ids[3]).message().contains("model"), run.states().get(ids[3]).message());

            vm.connect(ids[0], 0, ids[3], "model");
            assertNotNull(runs.submit(vm.workflow()));
            assertTrue(run.runningProperty().get());
            drainUntil(uiQueue, () -> !run.runningProperty().get());
        }
        assertEquals(NodeStatus.DONE, run.states().get(save).status());
        assertEquals(1, run.states().get(save).images().size());
        assertEquals(1, run.gallery().size());
        assertEquals("success", run.queue().get(0).state());
        assertEquals(NodeStatus.IDLE.compareTo(NodeStatus.IDLE), 0);
        assertTrue(run.errors().isEmpty());
    }

    @Test
    void aWireDroppedOnEmptyCanvasOffersOnlyCompatibleNodesAndWiresTheChosenOne() {
        GraphEditorViewModel vm = new GraphEditorViewModel(registry);
        NodeSearch search = new NodeSearch(registry);
        String sampler = vm.addNode("KSampler", 0, 0);

        // dragged out of the sampler's LATENT output: nodes with a LATENT input
        PendingWire latentOut = PendingWire.fromOutput(sampler, 0);
        List<String> offered = types(search.search("", 50, vm.compatibleWith(latentOut)));
        assertEquals(List.of("KSampler", "VAEDecode"), offered.stream().sorted().toList());
        assertEquals("VAEDecode", search.search("dec", 5, vm.compatibleWith(latentOut)).get(0).schema().type());
        assertTrue(search.search("save", 5, vm.compatibleWith(latentOut)).isEmpty(), "Save Image takes no LATENT");

        int before = vm.workflow().nodes().size();
        String decode = vm.addNodeConnected("VAEDecode", 500, 60, latentOut);
        assertEquals(new Link(sampler, 0), vm.workflow().node(decode).input("samples"));
        assertEquals(500, vm.workflow().layout().nodes().get(decode).x(), 1e-9, "placed at the drop point");
        assertEquals(Set.of(decode), vm.selection());
        vm.undo();
        assertEquals(before, vm.workflow().nodes().size(), "add + connect undo in one step");
        vm.redo();
        assertEquals(new Link(sampler, 0), vm.workflow().node(decode).input("samples"));

        // dragged back from the sampler's MODEL input: nodes with a MODEL output
        PendingWire modelIn = PendingWire.fromInput(sampler, "model");
        assertEquals(List.of("CheckpointLoaderSimple"), types(search.search("", 50, vm.compatibleWith(modelIn))));
        String ckpt = vm.addNodeConnected("CheckpointLoaderSimple", -400, 0, modelIn);
        assertEquals(new Link(ckpt, 0), vm.workflow().node(sampler).input("model"));

        // a CLIP input picks the loader's CLIP output (index 1), not its first output
        String encode = vm.addNode("CLIPTextEncode", 0, 300);
        String ckpt2 = vm.addNodeConnected("CheckpointLoaderSimple", -400, 300, PendingWire.fromInput(encode, "clip"));
        assertEquals(new Link(ckpt2, 1), vm.workflow().node(encode).input("clip"));
        assertThrows(IllegalArgumentException.class,
                () -> vm.addNodeConnected("SaveImage", 0, 0, PendingWire.fromInput(encode, "clip")));
    }

    private static List<String> types(List<NodeSearch.Hit> hits) {
        return hits.stream().map(h -> h.schema().type()).toList();
    }

    @Test
    void samplerProgressShowsStepIOfN() {
        RunViewModel run = new RunViewModel();
        run.queued("r1", "wf");
        run.apply(new RunEvent.RunStarted("r1", List.of("3", "8")));
        run.apply(new RunEvent.NodeStarted("r1", "3", "KSampler"));
        assertEquals("running", run.states().get("3").label(), "no step known yet");
        run.apply(new RunEvent.NodeProgress("r1", "3", 1, 20, null));
        assertEquals("step 1/20", run.states().get("3").label());
        assertEquals(0.05, run.states().get("3").progress(), 1e-9);
        run.apply(new RunEvent.NodeProgress("r1", "3", 7, 20, null));
        assertEquals("step 7/20", run.states().get("3").label());
        assertEquals(NodeStatus.RUNNING, run.states().get("3").status());
        run.apply(new RunEvent.NodeFinished("r1", "3", 2_000_000_000L, Map.of()));
        assertTrue(run.states().get("3").label().startsWith("done"), run.states().get("3").label());
        assertEquals(0, run.states().get("3").steps(), "a finished card drops the step count");

        run.apply(new RunEvent.NodeStarted("r1", "8", "VAEDecode"));
        run.apply(new RunEvent.NodeProgress("r1", "8", 0, 0, null)); // indeterminate progress
        assertEquals("running", run.states().get("8").label());
    }

    @Test
    void previewAsTextShowsItsValueOnTheCard() {
        RunViewModel run = new RunViewModel();
        run.queued("r1", "wf");
        run.apply(new RunEvent.RunStarted("r1", List.of("12")));
        run.apply(new RunEvent.NodeStarted("r1", "12", "PreviewAny"));
        run.apply(new RunEvent.NodeFinished("r1", "12", 1_000L, Map.of("text", List.of("a red, cat"))));
        assertEquals("a red, cat", run.states().get("12").message());
        assertEquals(dev.noodle.graph.node.MessageLevel.INFO, run.states().get("12").messageLevel());
        assertEquals(NodeStatus.DONE, run.states().get("12").status());
    }

    @Test
    void aNodesNoteIsShownAsANoteAndAFailureAsAnError() {
        RunViewModel run = new RunViewModel();
        run.queued("r1", "wf");
        run.apply(new RunEvent.RunStarted("r1", List.of("4", "3")));
        run.apply(new RunEvent.NodeStarted("r1", "4", "CheckpointLoaderSimple"));
        run.apply(new RunEvent.NodeMessage("r1", "4", dev.noodle.graph.node.MessageLevel.INFO,
                "this is Noodle's demo model: its weights are random, so its images are abstract"));
        run.apply(new RunEvent.NodeProgress("r1", "4", 1, 1, null));
        run.apply(new RunEvent.NodeFinished("r1", "4", 1_000_000L, Map.of()));
        var loader = run.states().get("4");
        assertEquals(dev.noodle.graph.node.MessageLevel.INFO, loader.messageLevel(), "kept through progress and finish");
        assertEquals("this is Noodle's demo model: its weights are random, so its images are abstract",
                loader.message(), "a note reads as one, with no level prefix");

        run.apply(new RunEvent.NodeStarted("r1", "3", "KSampler"));
        run.apply(new RunEvent.NodeMessage("r1", "3", dev.noodle.graph.node.MessageLevel.WARNING, "slow"));
        assertEquals("warning: slow", run.states().get("3").message());
        assertEquals(dev.noodle.graph.node.MessageLevel.WARNING, run.states().get("3").messageLevel());
        run.apply(new RunEvent.NodeFailed("r1", "3", "KSampler", "out of memory", null));
        assertEquals(dev.noodle.graph.node.MessageLevel.ERROR, run.states().get("3").messageLevel());
    }

    static void drainUntil(LinkedBlockingQueue<Runnable> q, java.util.function.BooleanSupplier done)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!done.getAsBoolean()) {
            Runnable r = q.poll(100, TimeUnit.MILLISECONDS);
            if (r != null) {
                r.run();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("run did not finish");
            }
        }
        List<Runnable> rest = new java.util.ArrayList<>();
        q.drainTo(rest);
        rest.forEach(Runnable::run);
    }
}
