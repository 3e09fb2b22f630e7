package dev.noodle.nodes.library;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.engine.model.DemoCheckpoint;
import dev.noodle.nodes.host.DemoAddons;
import dev.noodle.nodes.host.ModelKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Install by link: random-weight files in the real layouts, served from Civitai- and Hugging Face-shaped sites on
 * the loopback, each land in their kind's folder with their source recorded in the library.
 */
class LinkInstallerTest {
    @TempDir
    Path dir;

    FakeModelSites sites;
    ModelDownloads downloads;
    Path upstream;
    Path models;

    @BeforeEach
    void start() throws IOException {
        sites = new FakeModelSites();
        downloads = new ModelDownloads(new DownloadSettings(sites.siteBase(), sites.siteBase(), null, null,
                ModelDownloadsTest.direct(), 3, 10, Duration.ofSeconds(10)));
        upstream = dir.resolve("upstream");
        DemoAddons.ensure(upstream);
        models = dir.resolve("models");
        Files.createDirectories(models);
    }

    @AfterEach
    void stop() {
        sites.close();
    }

    private byte[] upstream(ModelKind kind, String name) throws IOException {
        return Files.readAllBytes(upstream.resolve(kind.folder()).resolve(name));
    }

    @Test
    void eachKindLandsInItsFolderWithItsSourceRecorded() throws IOException {
        record Case(long version, String type, ModelKind kind, String name, String siteName) {}
        List<Case> cases = List.of(
                new Case(1001, "Checkpoint", ModelKind.CHECKPOINTS, DemoCheckpoint.FILE_NAME, "tinyCheckpoint"),
                new Case(1002, "LORA", ModelKind.LORAS, DemoAddons.LORA, "detailLora"),
                new Case(1003, "TextualInversion", ModelKind.EMBEDDINGS, DemoAddons.EMBEDDING, "badHands"),
                new Case(1004, "VAE", ModelKind.VAE, DemoAddons.VAE, "kl-f8"),
                new Case(1005, "Hypernetwork", ModelKind.HYPERNETWORKS, DemoAddons.HYPERNETWORK, "hyperStyle"),
                new Case(1006, "Controlnet", ModelKind.CONTROLNET, DemoAddons.CONTROLNET, "cannyNet"),
                new Case(1007, "Upscaler", ModelKind.UPSCALE_MODELS, DemoAddons.UPSCALER, "sharp4x"));
        try (ModelLibrary library = ModelLibrary.open(models)) {
            for (Case c : cases) {
                String ext = c.name().substring(c.name().lastIndexOf('.'));
                String published = c.siteName() + ext;
                sites.civitaiModel(c.version() - 1000, c.version(), c.type(), "SD 1.5", List.of("trigger" + c.version()),
                        "<p>About " + c.siteName() + "</p>", Map.of(published, upstream(c.kind(), c.name())));
                InstallResult r = LinkInstaller.install(downloads, library,
                        sites.siteBase() + "/api/download/models/" + c.version(), DownloadProgress.NONE);
                Path expected = models.resolve(c.kind().folder()).resolve(published);
                assertEquals(expected, r.destination(), c.toString());
                assertArrayEquals(upstream(c.kind(), c.name()), Files.readAllBytes(expected), c.toString());
                ModelEntry e = library.find(c.kind().folder() + "/" + published).orElseThrow();
                assertEquals(FakeModelSites.sha256(upstream(c.kind(), c.name())), e.sha256());
                assertEquals(sites.siteBase() + "/api/download/models/" + c.version(), e.sourceUrl());
                assertEquals(sites.siteBase() + "/models/" + (c.version() - 1000) + "?modelVersionId=" + c.version(),
                        e.pageUrl());
                assertTrue(e.triggerWords().contains("trigger" + c.version()), e.triggerWords().toString());
                assertTrue(e.notes().contains("About " + c.siteName()), e.notes());
            }
        }
        assertEmpty(LinkInstaller.downloadsFolder(models));
    }

    @Test
    void aHuggingFaceLinkAndAPonyPageLabel() throws IOException {
        byte[] vae = upstream(ModelKind.VAE, DemoAddons.VAE);
        sites.hfFile("someone/tiny-vae", "main", "vae/tiny-vae.safetensors", vae, true);
        byte[] pony = Files.readAllBytes(LibraryFixtures.sdxlKohyaLora(dir.resolve("p.safetensors"), false,
                Map.of()));
        sites.civitaiModel(77, 7700, "LORA", "Pony", List.of("score_9"), "pony style",
                Map.of("ponyStyle.safetensors", pony));
        try (ModelLibrary library = ModelLibrary.open(models)) {
            InstallResult hf = LinkInstaller.install(downloads, library,
                    sites.siteBase() + "/someone/tiny-vae/blob/main/vae/tiny-vae.safetensors", DownloadProgress.NONE);
            assertEquals(models.resolve("vae/tiny-vae.safetensors"), hf.destination());
            assertEquals(sites.siteBase() + "/someone/tiny-vae/blob/main/vae/tiny-vae.safetensors",
                    hf.entry().pageUrl());

            InstallResult p = LinkInstaller.install(downloads, library, sites.siteBase() + "/models/77",
                    DownloadProgress.NONE);
            assertEquals(models.resolve("loras/ponyStyle.safetensors"), p.destination());
            assertEquals(BaseModel.PONY, p.entry().base(), "the page's Pony label refines the SDXL shapes");
        }
    }

    @Test
    void aFileTheLibraryCannotFileIsKeptAndNamed() throws IOException {
        sites.civitaiModel(5, 500, "Other", "SD 1.5", List.of(), "", Map.of("notAModel.safetensors",
                ModelDownloadsTest.bytes(5000, 9)));
        try (ModelLibrary library = ModelLibrary.open(models)) {
            LibraryException e = assertThrows(LibraryException.class, () -> LinkInstaller.install(downloads,
                    library, sites.siteBase() + "/api/download/models/500", DownloadProgress.NONE));
            Path kept = LinkInstaller.downloadsFolder(models).resolve("notAModel.safetensors");
            assertTrue(e.getMessage().contains("kept as " + kept), e.getMessage());
            assertTrue(Files.isRegularFile(kept));
            // asking again uses the verified download instead of fetching it again
            int before = sites.seen("storage", "/files/notAModel").size();
            assertThrows(LibraryException.class, () -> LinkInstaller.install(downloads, library,
                    sites.siteBase() + "/api/download/models/500", DownloadProgress.NONE));
            assertEquals(before, sites.seen("storage", "/files/notAModel").size());
            assertFalse(library.list(null, null).stream().anyMatch(m -> m.path().contains("notAModel")));
        }
    }

    private static void assertEmpty(Path folder) throws IOException {
        if (Files.isDirectory(folder)) {
            try (Stream<Path> s = Files.list(folder)) {
                assertEquals(List.of(), s.toList());
            }
        }
    }
}
