package dev.noodle.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.app.ui.vm.GraphEditorViewModel;
import dev.noodle.app.ui.vm.ModelLibraryViewModel;
import dev.noodle.app.ui.vm.ModelMismatch;
import dev.noodle.engine.model.DemoCheckpoint;
import dev.noodle.engine.model.TinyCheckpoints;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.nodes.host.ModelKind;
import dev.noodle.nodes.library.BaseModel;
import dev.noodle.nodes.library.ModelEntry;
import dev.noodle.nodes.library.ModelType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Models panel's view model on a real model library: a dropped SDXL LoRA is filed in loras/ and listed, a scan
 * records the SD 1.x demo checkpoint, the base/kind/text filters pick the right files, "used in" names the nodes; and
 * the base-model warning of a LoRA Loader follows the checkpoint it is wired to.
 */
class ModelLibraryViewModelTest {
    @TempDir
    Path home;

    /** UI tasks wait here until {@link #drain} runs them, as Platform.runLater would after the current event. */
    private final Deque<Runnable> uiTasks = new ArrayDeque<>();

    private void drain() {
        while (!uiTasks.isEmpty()) {
            uiTasks.removeFirst().run();
        }
    }

    private ModelLibraryViewModel models(GraphEditorViewModel editor) {
        return new ModelLibraryViewModel(editor, home.resolve("models"), Runnable::run, uiTasks::addLast);
    }

    private static Workflow loraOn(String checkpoint, String lora) {
        return Workflow.empty("t")
                .withNode(NodeInstance.of("1", "CheckpointLoaderSimple", Map.of("ckpt_name", Literal.of(checkpoint))))
                .withNode(NodeInstance.of("2", "LoraLoader", Map.of("model", Link.of("1", 0), "clip", Link.of("1", 1),
                        "lora_name", Literal.of(lora), "strength_model", Literal.of(1.0))))
                .withNode(NodeInstance.of("3", "KSampler", Map.of("model", Link.of("2", 0))));
    }

    @Test
    void aDroppedLoraIsFiledListedFilteredAndItsUsesNamed() throws Exception {
        Path models = home.resolve("models");
        DemoCheckpoint.ensure(models.resolve("checkpoints").resolve(DemoCheckpoint.FILE_NAME));
        Path dropped = ModelFixtures.sdxlLora(home.resolve("Downloads").resolve("xl-style.safetensors"));
        GraphEditorViewModel editor = new GraphEditorViewModel(new NodeRegistry());
        ModelLibraryViewModel vm = models(editor);

        var said = vm.install(dropped);
        assertTrue(vm.busyProperty().get() || said.isDone());
        drain();
        assertEquals("filed xl-style.safetensors as LoRA for SDXL in models/loras/xl-style.safetensors (sha256 ",
                said.get().substring(0, said.get().indexOf("(sha256 ") + 8));
        assertTrue(Files.isRegularFile(models.resolve("loras/xl-style.safetensors")), "copied into loras/");
        assertTrue(Files.isRegularFile(dropped), "a drop copies; the original stays");
        assertFalse(vm.busyProperty().get());
        assertEquals(List.of("loras/xl-style.safetensors"), vm.shown().stream().map(ModelEntry::path).toList());

        vm.scan();
        drain();
        assertTrue(vm.statusProperty().get().startsWith("Scanned: 1 added"), vm.statusProperty().get());
        assertEquals(List.of("checkpoints/" + DemoCheckpoint.FILE_NAME, "loras/xl-style.safetensors"),
                vm.shown().stream().map(ModelEntry::path).toList());

        vm.baseFilterProperty().set(BaseModel.SDXL);
        assertEquals(List.of("xl-style.safetensors"), vm.shown().stream().map(ModelEntry::fileName).toList());
        vm.baseFilterProperty().set(BaseModel.SD1);
        assertEquals(List.of(DemoCheckpoint.FILE_NAME), vm.shown().stream().map(ModelEntry::fileName).toList());
        vm.typeFilterProperty().set(ModelType.LORA);
        assertTrue(vm.shown().isEmpty(), "no SD 1.x LoRA in the library");
        vm.baseFilterProperty().set(null);
        assertEquals(List.of("xl-style.safetensors"), vm.shown().stream().map(ModelEntry::fileName).toList());
        vm.typeFilterProperty().set(null);
        vm.searchProperty().set("XL-STYLE");
        assertEquals(List.of("xl-style.safetensors"), vm.shown().stream().map(ModelEntry::fileName).toList());
        ModelEntry ckpt = vm.entries().get(0);
        vm.searchProperty().set(ckpt.sha256().substring(0, 8));
        assertEquals(List.of(ckpt), List.copyOf(vm.shown()));
        vm.searchProperty().set("no such words");
        assertTrue(vm.shown().isEmpty());

        editor.load(loraOn(DemoCheckpoint.FILE_NAME, "xl-style.safetensors"));
        ModelEntry lora = vm.entries().get(1);
        assertEquals(List.of("node 2 (LoraLoader)"), vm.usedIn(lora));
        assertEquals(List.of("node 1 (CheckpointLoaderSimple)"), vm.usedIn(ckpt));
    }

    @Test
    void aDroppedFileThatIsNoModelIsRefusedInOneLineAndNothingIsFiled() throws Exception {
        Path junk = home.resolve("Downloads/login-page.safetensors");
        Files.createDirectories(junk.getParent());
        Files.writeString(junk, "<!DOCTYPE html><html><body>Please log in</body></html>");
        ModelLibraryViewModel vm = models(new GraphEditorViewModel(new NodeRegistry()));
        var said = vm.install(junk);
        drain();
        String line = said.get();
        assertTrue(line.startsWith("Could not file login-page.safetensors: ") && line.endsWith("not filed")
                && !line.contains("\n") && !line.contains("Exception"), line);
        assertTrue(vm.entries().isEmpty());
        assertFalse(Files.exists(home.resolve("models/loras/login-page.safetensors")));
    }

    @Test
    void aDroppedLinkIsDownloadedWithProgressAndFiled() throws Exception {
        byte[] lora = Files.readAllBytes(ModelFixtures.sdxlLora(home.resolve("served/xl-link.safetensors")));
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/files/xl-link.safetensors", ex -> {
            ex.getResponseHeaders().add("Content-Type", "application/octet-stream");
            ex.sendResponseHeaders(200, lora.length);
            try (var out = ex.getResponseBody()) {
                out.write(lora);
            }
        });
        server.start();
        try {
            ModelLibraryViewModel vm = models(new GraphEditorViewModel(new NodeRegistry()));
            vm.setDownloads(() -> new dev.noodle.nodes.library.ModelDownloads(
                    dev.noodle.nodes.library.DownloadSettings.fromEnvironment(Map.of(), new java.util.Properties())));
            List<String> seen = new java.util.ArrayList<>();
            vm.statusProperty().addListener((o, a, b) -> seen.add(b));
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/files/xl-link.safetensors";
            var said = vm.installLink(url);
            drain();
            assertTrue(said.get().startsWith("filed xl-link.safetensors as LoRA for SDXL in"
                    + " models/loras/xl-link.safetensors"), said.get());
            assertTrue(seen.stream().anyMatch(l -> l.startsWith("Downloading " + url + ": 100% of ")), seen.toString());
            assertEquals(List.of("loras/xl-link.safetensors"), vm.entries().stream().map(ModelEntry::path).toList());
            assertEquals(url, vm.entries().get(0).sourceUrl());
            assertFalse(vm.busyProperty().get());

            var refused = vm.installLink("http://127.0.0.1:" + server.getAddress().getPort() + "/files/none");
            drain();
            assertTrue(refused.get().startsWith("Could not add http://127.0.0.1:"), refused.get());
            assertEquals(1, vm.entries().size());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void anSdxlLoraOnAnSd1CheckpointIsWarnedAndOnAnSdxlCheckpointNot() throws Exception {
        Path models = home.resolve("models");
        DemoCheckpoint.ensure(models.resolve("checkpoints").resolve(DemoCheckpoint.FILE_NAME));
        TinyCheckpoints.write(models.resolve("checkpoints/tiny-xl.safetensors"), TinyCheckpoints.Kind.SDXL);
        ModelFixtures.sdxlLora(models.resolve("loras/xl-style.safetensors"));
        GraphEditorViewModel editor = new GraphEditorViewModel(new NodeRegistry());
        ModelLibraryViewModel vm = models(editor);

        // not in the library yet: both files are identified from their headers in the background
        editor.load(loraOn(DemoCheckpoint.FILE_NAME, "xl-style.safetensors"));
        drain();
        ModelMismatch.Finding f = vm.warnings().get("2");
        assertTrue(f != null && f.serious(), "warned: " + vm.warnings());
        assertTrue(f.text().startsWith("LoRA for SDXL on an SD 1.x checkpoint (" + DemoCheckpoint.FILE_NAME + ")"),
                f.text());
        assertEquals(1, vm.warnings().size(), "the checkpoint and the sampler have nothing to warn of");

        editor.setInput("1", "ckpt_name", "tiny-xl.safetensors");
        drain();
        assertTrue(vm.warnings().isEmpty(), "an SDXL LoRA on an SDXL checkpoint: " + vm.warnings());

        // recorded in the library: the library's base models are used, and the warning comes back on SD 1.x
        vm.scan();
        drain();
        assertEquals(3, vm.entries().size());
        editor.setInput("1", "ckpt_name", DemoCheckpoint.FILE_NAME);
        assertTrue(vm.warnings().containsKey("2"), "known from the library without reading files again");
    }

    @Test
    void loadersWithoutAModelInputAreMatchedThroughWhatTheyFeedAndPonyOnSdxlIsOnlyANote() {
        Workflow wf = Workflow.empty("t")
                .withNode(NodeInstance.of("1", "CheckpointLoaderSimple", Map.of("ckpt_name", Literal.of("sd15.ckpt"))))
                .withNode(NodeInstance.of("2", "KSampler", Map.of("model", Link.of("1", 0))))
                .withNode(NodeInstance.of("3", "VAELoader", Map.of("vae_name", Literal.of("xl-vae.safetensors"))))
                .withNode(NodeInstance.of("4", "VAEDecode", Map.of("samples", Link.of("2", 0), "vae", Link.of("3", 0))))
                .withNode(NodeInstance.of("5", "VAELoader", Map.of("vae_name", Literal.of("sd2-vae.safetensors"))))
                .withNode(NodeInstance.of("6", "VAEDecode", Map.of("samples", Link.of("2", 0), "vae", Link.of("5", 0))))
                .withNode(NodeInstance.of("7", "CLIPTextEncode", Map.of("clip", Link.of("1", 1),
                        "text", Literal.of("a cat, (embedding:sd-style:1.2), embedding:xl-hands."))));
        Map<String, BaseModel> bases = Map.of("sd15.ckpt", BaseModel.SD1, "xl-vae.safetensors", BaseModel.SDXL,
                "sd2-vae.safetensors", BaseModel.SD2, "sd-style", BaseModel.SD1, "xl-hands", BaseModel.SDXL);
        Map<String, ModelMismatch.Finding> found = ModelMismatch.check(wf,
                (kind, name) -> java.util.Optional.ofNullable(bases.get(name)));
        assertEquals(List.of("3", "7"), List.copyOf(found.keySet()), "SD 1.x and 2.x share their VAE: " + found);
        assertTrue(found.get("7").text().startsWith("embedding for SDXL on an SD 1.x checkpoint"), found.get("7").text());
        assertEquals("xl-hands", found.get("7").file());
        assertTrue(found.get("3").text().startsWith("VAE for SDXL on an SD 1.x checkpoint"), found.get("3").text());

        var pony = ModelMismatch.compare("9", ModelKind.LORAS, "p.safetensors", BaseModel.PONY, "xl.safetensors",
                BaseModel.SDXL).orElseThrow();
        assertFalse(pony.serious(), "Pony on SDXL runs");
        var refiner = ModelMismatch.compare("9", ModelKind.LORAS, "x.safetensors", BaseModel.SDXL, "r.safetensors",
                BaseModel.SDXL_REFINER).orElseThrow();
        assertTrue(refiner.serious(), "an SDXL LoRA does not fit the refiner");
        assertTrue(ModelMismatch.compare("9", ModelKind.LORAS, "x", BaseModel.SD1, "y", BaseModel.SD1).isEmpty());
    }
}
