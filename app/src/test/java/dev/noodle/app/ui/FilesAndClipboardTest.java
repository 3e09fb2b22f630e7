package dev.noodle.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.app.ui.vm.GraphEditorViewModel;
import dev.noodle.app.ui.vm.WorkflowFiles;
import dev.noodle.app.ui.vm.WorkflowStore;
import dev.noodle.graph.json.ComfyApiFormat;
import dev.noodle.graph.json.ComfyUiFormat;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.nodes.interop.WorkflowSources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opening ComfyUI files through the editor's store, and copy/paste of nodes as JSON. */
class FilesAndClipboardTest {
    private final NodeRegistry registry = FakeNodes.registry();

    @TempDir
    Path dir;

    @Test
    void opensComfyUiWorkflowAndApiJsonAsImportsThatSaveDoesNotOverwrite() throws Exception {
        GraphEditorViewModel vm = new GraphEditorViewModel(registry);
        String[] ids = TestGraphs.buildPipeline(vm);
        vm.setInput(ids[3], "steps", 13L);
        Path ui = Files.writeString(dir.resolve("ui.json"), ComfyUiFormat.write(vm.workflow(), registry));
        Path api = Files.writeString(dir.resolve("api.json"), ComfyApiFormat.write(vm.workflow()));
        WorkflowStore store = EditorModule.store(() -> new WorkflowSources(registry, List.of()));
        WorkflowFiles files = new WorkflowFiles(store, dir.resolve("autosave.json"), dir.resolve("recent.txt"), null);

        for (Path p : List.of(ui, api)) {
            Workflow wf = files.open(p);
            assertEquals(7, wf.nodes().size(), p.toString());
            NodeInstance sampler = wf.node(ids[3]);
            assertEquals(new Literal(13L), sampler.input("steps"), p + " keeps widget values");
            assertEquals(new Link(ids[0], 0), sampler.input("model"), p + " keeps links");
            assertNull(files.currentProperty().get(), "an import is not the file Save writes to");
            assertEquals(p.toAbsolutePath(), files.recent().get(0));
        }
        Path mine = dir.resolve("mine.json");
        files.save(vm.workflow(), mine);
        files.open(mine);
        assertEquals(mine, files.currentProperty().get(), "a Noodle file is");
        assertTrue(store.isNative(mine));
        assertFalse(store.isNative(ui));
    }

    @Test
    void copyPasteKeepsInnerWiresDropsOuterOnesAndIsOneUndoStep() {
        GraphEditorViewModel vm = new GraphEditorViewModel(registry);
        String[] ids = TestGraphs.buildPipeline(vm);
        vm.setInput(ids[3], "seed", 99L);
        vm.select(Set.of(ids[3], ids[4])); // sampler + decode
        String json = vm.copySelection();

        GraphEditorViewModel other = new GraphEditorViewModel(registry); // another window
        TestGraphs.buildPipeline(other);
        int before = other.workflow().nodes().size();
        assertTrue(other.paste(json, 2000, 500));
        assertEquals(before + 2, other.workflow().nodes().size());
        List<String> pasted = List.copyOf(other.selection());
        assertEquals(2, pasted.size());
        NodeInstance sampler = pasted.stream().map(id -> other.workflow().node(id))
                .filter(n -> n.type().equals("KSampler")).findFirst().orElseThrow();
        NodeInstance decode = pasted.stream().map(id -> other.workflow().node(id))
                .filter(n -> n.type().equals("VAEDecode")).findFirst().orElseThrow();
        assertEquals(new Literal(99L), sampler.input("seed"));
        assertNull(sampler.input("model"), "a wire from outside the copy is dropped");
        assertEquals(new Link(sampler.id(), 0), decode.input("samples"), "the wire inside the copy is re-pointed");
        assertEquals(2000, other.workflow().layout().nodes().get(sampler.id()).x(), 1e-9);
        other.undo();
        assertEquals(before, other.workflow().nodes().size(), "paste undoes in one step");

        assertFalse(other.paste("just some text", 0, 0));
        assertTrue(other.messageProperty().get().contains("clipboard"), other.messageProperty().get());

        vm.select(Set.of(ids[3]));
        vm.duplicateSelection();
        assertEquals(8, vm.workflow().nodes().size());
        String copy = vm.selection().iterator().next();
        assertEquals(vm.workflow().layout().nodes().get(ids[3]).x() + 40,
                vm.workflow().layout().nodes().get(copy).x(), 1e-9);
    }

    @Test
    void startsOnTheTxt2imgExampleUnlessAWorkflowIsNamed() throws Exception {
        Path examples = Files.createDirectories(dir.resolve("workflows"));
        WorkflowFiles files = new WorkflowFiles(new MemoryStore(), dir.resolve("autosave.json"),
                dir.resolve("recent.txt"), examples);
        assertTrue(files.startWorkflow(null).isEmpty(), "no example: a new untitled workflow");
        Path txt2img = Files.writeString(examples.resolve(WorkflowFiles.DEFAULT_EXAMPLE), "{}");
        Files.writeString(examples.resolve("aaa.json"), "{}"); // sorts first, still not the default
        assertEquals(txt2img, files.startWorkflow(null).orElseThrow());
        Path mine = dir.resolve("mine.json");
        assertEquals(mine, files.startWorkflow(mine).orElseThrow(), "a named workflow wins");

        // the repository's examples folder, as ./noodle finds it (noodle.home or the working directory)
        Path repoExamples = EditorPaths.defaults().examplesDir();
        Path start = new WorkflowFiles(new MemoryStore(), dir.resolve("a.json"), dir.resolve("r.txt"), repoExamples)
                .startWorkflow(null).orElseThrow();
        assertEquals(Path.of("workflows", "txt2img.json"), start.subpath(start.getNameCount() - 2,
                start.getNameCount()));
        String json = Files.readString(start);
        assertTrue(json.contains("\"name\": \"txt2img\""), "the example names itself txt2img");
    }
}
