package dev.noodle.app.ui;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.app.ui.vm.GraphEditorViewModel;
import dev.noodle.app.ui.vm.WorkflowFileViewModel;
import dev.noodle.app.ui.vm.WorkflowFiles;
import dev.noodle.app.ui.vm.WorkflowStore;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.Workflow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Saving, autosave and recovery without the FX thread (the window only asks for files and shows dialogs). */
class WorkflowFileViewModelTest {
    @TempDir
    Path home;

    /** Workflow JSON on a disk that can fill up. */
    static final class Disk implements WorkflowStore {
        volatile boolean full;
        volatile int saves;

        @Override
        public Workflow read(Path file) throws IOException {
            return WorkflowJson.read(file);
        }

        @Override
        public void save(Workflow wf, Path file) throws IOException {
            if (full) {
                throw new IOException("No space left on device");
            }
            saves++;
            WorkflowJson.save(wf, file);
        }
    }

    private final Disk disk = new Disk();
    private final GraphEditorViewModel editor = new GraphEditorViewModel(FakeNodes.registry());
    private final List<Runnable> uiTasks = new ArrayList<>();

    private WorkflowFiles files() {
        return new WorkflowFiles(disk, home.resolve("autosave.json"), home.resolve("recent.txt"),
                home.resolve("examples"));
    }

    @Test
    void savingAnUntitledWorkflowNamesItAfterTheFileAndClearsTheRecoveryCopy() throws Exception {
        WorkflowFiles files = files();
        WorkflowFileViewModel vm = new WorkflowFileViewModel(editor, files, uiTasks::add);
        editor.load(Workflow.empty(WorkflowFileViewModel.UNTITLED));
        TestGraphs.buildPipeline(editor);
        assertEquals(Optional.empty(), vm.currentFile());
        assertEquals("Untitled.json", vm.suggestedFileName());
        vm.autosaveNow();
        vm.closeKeepingRecovery();
        assertTrue(Files.exists(files.autosaveFile()), "unsaved changes were autosaved");

        WorkflowFileViewModel again = new WorkflowFileViewModel(editor, files, uiTasks::add);
        Path target = home.resolve("portrait.json");
        WorkflowFileViewModel.SaveResult r = again.saveTo(target);
        assertTrue(r.saved());
        assertNull(r.error());
        assertEquals("portrait", editor.workflow().name());
        assertFalse(editor.dirtyProperty().get());
        assertEquals(Optional.of(target), again.currentFile());
        assertFalse(Files.exists(files.autosaveFile()), "a save removes the recovery copy");
        assertEquals("portrait", WorkflowJson.read(target).name());
        assertEquals(editor.workflow().nodes(), WorkflowJson.read(target).nodes());
        again.closeCleanly();
    }

    @Test
    void aFailedSaveChangesNothingAndSaysWhy() throws Exception {
        WorkflowFileViewModel vm = new WorkflowFileViewModel(editor, files(), uiTasks::add);
        editor.load(Workflow.empty(WorkflowFileViewModel.UNTITLED));
        String[] ids = TestGraphs.buildPipeline(editor);
        Path target = home.resolve("first.json");
        assertTrue(vm.saveTo(target).saved());
        byte[] before = Files.readAllBytes(target);

        editor.setInput(ids[3], "steps", 12L);
        disk.full = true;
        WorkflowFileViewModel.SaveResult r = vm.saveTo(target);
        assertFalse(r.saved());
        assertEquals("No space left on device", r.error());
        assertEquals(target, r.file());
        assertArrayEquals(before, Files.readAllBytes(target));
        assertTrue(editor.dirtyProperty().get());
        assertEquals("first", editor.workflow().name());
        assertEquals(new Literal(12L), editor.workflow().node(ids[3]).input("steps"));
        assertEquals("Not saved: No space left on device", editor.messageProperty().get());
        vm.closeCleanly();
    }

    @Test
    void autosaveWritesOnlyNewUnsavedChangesAndReportsFailuresOnTheUiThread() throws Exception {
        WorkflowFiles files = files();
        WorkflowFileViewModel vm = new WorkflowFileViewModel(editor, files, uiTasks::add);
        editor.load(Workflow.empty(WorkflowFileViewModel.UNTITLED));
        vm.autosaveNow();
        String[] ids = TestGraphs.buildPipeline(editor);
        vm.autosaveNow();
        vm.autosaveNow(); // nothing changed since: no second write
        for (int i = 0; i < 500 && disk.saves == 0; i++) {
            Thread.sleep(10); // the write runs on the autosave thread
        }
        disk.full = true;
        editor.setInput(ids[3], "steps", 9L);
        vm.autosaveNow(); // fails in the background
        vm.closeKeepingRecovery();
        assertEquals(1, disk.saves, "one write for one batch of changes; none while clean");
        assertEquals(1, uiTasks.size(), "the failure is reported through the UI thread");
        uiTasks.get(0).run();
        assertEquals("Autosave failed: No space left on device", editor.messageProperty().get());
        assertTrue(vm.recoverable().isPresent(), "the copy before the failure is kept");
        vm.autosaveNow(); // closed: no more writes
        disk.full = false;
        assertEquals(1, disk.saves);
    }

    @Test
    void aRecoveryCopyCanBeRestoredOrDiscarded() throws Exception {
        WorkflowFiles files = files();
        Workflow lost = Workflow.empty("lost work");
        files.writeAutosave(lost);
        WorkflowFileViewModel vm = new WorkflowFileViewModel(editor, files, uiTasks::add);
        Workflow recovered = vm.recoverable().orElseThrow();
        assertEquals("lost work", recovered.name());
        vm.restore(recovered);
        assertEquals("lost work", editor.workflow().name());
        assertTrue(editor.dirtyProperty().get(), "restored work is unsaved");
        vm.discardRecovery();
        assertEquals(Optional.empty(), vm.recoverable());
        vm.closeCleanly();
    }
}
