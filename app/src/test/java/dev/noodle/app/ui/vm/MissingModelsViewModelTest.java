package dev.noodle.app.ui.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.graph.json.ComfyUiFormat;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import dev.noodle.nodes.host.ModelFolders;
import dev.noodle.nodes.interop.ModelHashCache;
import dev.noodle.nodes.interop.ModelHashes;
import dev.noodle.nodes.library.DownloadProgress;
import dev.noodle.nodes.library.WorkflowModels;
import dev.noodle.nodes.library.WorkflowModels.ModelRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The editor's list of a workflow's missing models: one row per model, a fetch action where a source is known. */
class MissingModelsViewModelTest {
    private static final String URL = "https://huggingface.co/me/style/resolve/main/style.safetensors";
    private static final String UI = """
            {"last_node_id": 2, "last_link_id": 0, "nodes": [
              {"id": 1, "type": "CheckpointLoaderSimple", "pos": [0, 0], "size": [300, 100], "flags": {}, "order": 0,
               "mode": 0, "properties": {}, "widgets_values": ["base.safetensors"]},
              {"id": 2, "type": "LoraLoaderModelOnly", "pos": [0, 200], "size": [300, 100], "flags": {}, "order": 1,
               "mode": 0, "properties": {}, "widgets_values": ["style.safetensors", 1.0]}],
             "links": [], "groups": [], "config": {}, "extra": {}, "version": 0.4}
            """;

    @Test
    void aMissingModelIsListedFetchedFromItsSourceAndFoundByHash(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("models");
        Files.createDirectories(root.resolve("checkpoints"));
        Files.writeString(root.resolve("checkpoints/base.safetensors"), "checkpoint");
        Path published = dir.resolve("published-lora.safetensors");
        Files.writeString(published, "lora bytes");
        String loraSha = ModelHashes.sha256(published);
        String ckptSha = ModelHashes.sha256(root.resolve("checkpoints/base.safetensors"));
        Workflow wf = withNames(ComfyUiFormat.read(WorkflowModels.record(UI, List.of(
                new ModelRef("base.safetensors", "checkpoints", ckptSha, ""),
                new ModelRef("style.safetensors", "loras", loraSha, URL))), "t.json", null));

        List<String> fetched = new ArrayList<>();
        MissingModelsViewModel vm = new MissingModelsViewModel(new ModelFolders(root), new ModelHashCache(),
                (url, progress) -> {
                    fetched.add(url);
                    progress.update(10, 10);
                    Files.createDirectories(root.resolve("loras"));
                    Files.copy(published, root.resolve("loras/style-v1.safetensors")); // the site's own name
                });
        Workflow shown = vm.check(wf);
        assertEquals(List.of(new MissingModelsViewModel.Row("loras/style.safetensors (sha256 " + loraSha
                + ", source " + URL + ")", "get it with: ./noodle models add " + URL, URL)), vm.missing());
        assertTrue(vm.missing().get(0).canFetch());
        assertTrue(vm.hasProblems());

        List<Long> progress = new ArrayList<>();
        DownloadProgress p = (done, total) -> progress.add(done);
        shown = vm.fetch(vm.missing().get(0), shown, p);
        assertEquals(List.of(URL), fetched);
        assertEquals(List.of(10L), progress);
        assertEquals(List.of(), vm.missing());
        assertEquals(Literal.of("style-v1.safetensors"), shown.nodes().get("2").input("lora_name"));
        assertEquals(List.of("loras/style.safetensors was found by its SHA-256 as loras/style-v1.safetensors; the"
                + " workflow now uses that file"), vm.messages());
    }

    @Test
    void aFailedFetchSaysWhichModelAndAModelWithoutSourceHasNoAction(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("models");
        Workflow wf = withNames(ComfyUiFormat.read(WorkflowModels.record(UI, List.of(
                new ModelRef("base.safetensors", "checkpoints", "c".repeat(64), ""),
                new ModelRef("style.safetensors", "loras", "d".repeat(64), URL))), "t.json", null));
        MissingModelsViewModel vm = new MissingModelsViewModel(new ModelFolders(root), new ModelHashCache(),
                (url, progress) -> {
                    throw new IOException("the server answered 404 Not Found");
                });
        vm.check(wf);
        assertEquals(2, vm.missing().size());
        MissingModelsViewModel.Row noSource = vm.missing().get(1); // models with a source are listed first
        assertFalse(noSource.canFetch());
        assertTrue(noSource.hint().contains("put it in " + root.resolve("checkpoints").toAbsolutePath()),
                noSource.hint());
        IOException e = assertThrows(IOException.class, () -> vm.fetch(vm.missing().get(0), wf,
                DownloadProgress.NONE));
        assertEquals("could not fetch loras/style.safetensors (sha256 " + "d".repeat(64) + ", source " + URL
                + "): the server answered 404 Not Found", e.getMessage());
        assertEquals(2, vm.missing().size(), "unchanged");
    }

    /** Without a registry the widget values stay unnamed: name them as the schemas would. */
    private static Workflow withNames(Workflow wf) {
        Map<String, NodeInstance> nodes = new LinkedHashMap<>(wf.nodes());
        nodes.put("1", nodes.get("1").withInput("ckpt_name", Literal.of("base.safetensors")));
        nodes.put("2", nodes.get("2").withInput("lora_name", Literal.of("style.safetensors")));
        return wf.withNodes(nodes);
    }
}
