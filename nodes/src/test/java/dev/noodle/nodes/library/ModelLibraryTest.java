package dev.noodle.nodes.library;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.engine.model.DemoCheckpoint;
import dev.noodle.engine.model.TinyCheckpoints;
import dev.noodle.engine.unet.UNetConfig;
import dev.noodle.nodes.host.DemoAddons;
import dev.noodle.nodes.interop.ModelHashCache;
import dev.noodle.nodes.interop.ModelHashes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Installing files into the models folders, reading sidecars, scanning, and the database's failure modes. */
class ModelLibraryTest {
    @TempDir
    Path dir;

    private Path models() {
        return dir.resolve("home/models");
    }

    @Test
    void installFilesEachKindInItsFolderAndRecordsItsHashes() throws IOException {
        Path downloads = Files.createDirectories(dir.resolve("downloads"));
        Path lora = LibraryFixtures.sdxlKohyaLora(downloads.resolve("detail-xl.safetensors"), false, Map.of());
        Path emb = LibraryFixtures.embedding(downloads.resolve("bad-hands.safetensors"), 768, false);
        Path ckpt = TinyCheckpoints.write(downloads.resolve("tiny-sd2.safetensors"), TinyCheckpoints.Kind.SD2);
        String loraSha = ModelHashes.sha256(lora);
        try (ModelLibrary lib = ModelLibrary.open(models())) {
            InstallResult r = lib.install(lora, new SourceInfo("https://example.org/detail.safetensors", null,
                    loraSha, List.of("detailed"), "from a test", null), false);
            assertEquals(models().resolve("loras/detail-xl.safetensors"), r.destination());
            assertEquals("filed detail-xl.safetensors as LoRA for SDXL in models/loras/detail-xl.safetensors (sha256 "
                    + loraSha + ")", r.summary());
            assertTrue(Files.isRegularFile(lora), "copied, the original stays");
            assertEquals(loraSha.substring(0, 10), r.entry().autoV2());
            assertEquals(ModelHashes.addnetSha256(lora), r.entry().addnetHash());
            assertEquals(List.of("detailed"), r.entry().triggerWords());
            assertEquals("https://example.org/detail.safetensors", r.entry().sourceUrl());
            InstallResult e = lib.install(emb, null, true);
            assertEquals(models().resolve("embeddings/bad-hands.safetensors"), e.destination());
            assertFalse(Files.exists(emb), "moved");
            assertEquals("", e.entry().addnetHash(), "no addnet hash for an embedding");
            InstallResult c = lib.install(ckpt, null, false);
            assertEquals("checkpoint for SD 2.x", c.entry().describe());
            assertEquals(models().resolve("checkpoints/tiny-sd2.safetensors"), c.destination());
            assertEquals(List.of("checkpoints/tiny-sd2.safetensors", "embeddings/bad-hands.safetensors",
                    "loras/detail-xl.safetensors"), lib.list(null, null).stream().map(ModelEntry::path).toList());
            Path mislabelled = LibraryFixtures.sdxlKohyaLora(dir.resolve("said-sd15.safetensors"), false, Map.of());
            InstallResult m = lib.install(mislabelled, new SourceInfo(null, null, null, null, null, BaseModel.SD1),
                    false);
            assertEquals(BaseModel.SDXL, m.entry().base(), "the tensors win over the page");
            assertEquals(List.of("its source says SD 1.x but its tensors are SDXL's (second text encoder"
                    + " (lora_te2_)); filed as SDXL"), m.identification().warnings());
            assertEquals(List.of("loras/detail-xl.safetensors", "loras/said-sd15.safetensors"),
                    lib.list(BaseModel.SDXL, null).stream().map(ModelEntry::path).toList());
            assertEquals(List.of("embeddings/bad-hands.safetensors"),
                    lib.list(null, ModelType.EMBEDDING).stream().map(ModelEntry::path).toList());
            assertEquals("loras/detail-xl.safetensors", lib.findBySha256(loraSha).get(0).path());
            // installing the same file again changes nothing; a different file of the same name is refused
            assertTrue(lib.install(lora, null, false).alreadyPresent());
            Path other = LibraryFixtures.sdxlKohyaLora(dir.resolve("elsewhere/detail-xl.safetensors"), true, Map.of());
            LibraryException clash = assertThrows(LibraryException.class, () -> lib.install(other, null, false));
            assertTrue(clash.getMessage().contains("models/loras/detail-xl.safetensors already exists and is a"
                    + " different file"), clash.getMessage());
            assertTrue(Files.isRegularFile(other), "the refused file is left where it was");
            assertEquals(loraSha, ModelHashes.sha256(models().resolve("loras/detail-xl.safetensors")),
                    "the filed file is not replaced");
        }
        // the records survive closing; the hash cache reads the hashes install recorded instead of hashing again
        try (ModelLibrary lib = ModelLibrary.open(models())) {
            assertEquals(4, lib.list(null, null).size());
        }
        ModelHashCache cache = new ModelHashCache(ModelLibrary.hashStore(models()));
        assertEquals(loraSha, cache.sha256(models().resolve("loras/detail-xl.safetensors")));
        assertEquals(0, cache.computations());
    }

    @Test
    void refusesWhatItCannotIdentifyAndAWrongHashLeavingNoFile() throws IOException {
        Path page = Files.writeString(dir.resolve("model.safetensors"), "<html><body>Log in to download</body></html>");
        Path lora = LibraryFixtures.sdxlKohyaLora(dir.resolve("x.safetensors"), false, Map.of());
        try (ModelLibrary lib = ModelLibrary.open(models())) {
            LibraryException e = assertThrows(LibraryException.class, () -> lib.install(page, null, false));
            assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().endsWith("not filed"),
                    e.getMessage());
            LibraryException wrong = assertThrows(LibraryException.class, () -> lib.install(lora,
                    new SourceInfo(null, null, "0".repeat(64), null, null, null), true));
            assertTrue(wrong.getMessage().contains("its source publishes " + "0".repeat(64)), wrong.getMessage());
            assertTrue(Files.isRegularFile(lora));
            assertFalse(Files.exists(models().resolve("loras/x.safetensors")));
            assertEquals(List.of(), lib.list(null, null));
            // a download kept under a temporary name is filed under the name it is given
            Path part = Files.copy(lora, dir.resolve("x.safetensors.part"));
            assertEquals(models().resolve("loras/downloaded.safetensors"),
                    lib.install(part, "downloaded.safetensors", SourceInfo.fromUrl("https://example.org/d"), true)
                            .destination());
            assertFalse(Files.exists(part));
            LibraryException badName = assertThrows(LibraryException.class, () -> lib.install(lora, "../evil"
                    + ".safetensors", null, false));
            assertTrue(badName.getMessage().contains("not a usable file name"), badName.getMessage());
            Path zip = Files.copy(lora, dir.resolve("style.zip"));
            LibraryException ending = assertThrows(LibraryException.class, () -> lib.install(zip, null, false));
            assertTrue(ending.getMessage().contains("is a LoRA for SDXL but its name style.zip does not end in"
                    + " .safetensors"), ending.getMessage());
        }
    }

    @Test
    void readsCivitaiAndA1111SidecarsAndCarriesThePreview() throws IOException {
        Path downloads = Files.createDirectories(dir.resolve("downloads"));
        Path lora = LibraryFixtures.sdxlKohyaLora(downloads.resolve("pony-style.safetensors"), false, Map.of());
        String sha = ModelHashes.sha256(lora);
        Files.writeString(downloads.resolve("pony-style.civitai.info"), """
                {"id": 456, "modelId": 123, "name": "v1.0", "baseModel": "Pony",
                 "trainedWords": ["ponystyle, score_9", "glowing"],
                 "description": "<p>A style LoRA</p>",
                 "downloadUrl": "https://civitai.com/api/download/models/456",
                 "files": [{"primary": true, "hashes": {"SHA256": "%s"}}]}""".formatted(sha.toUpperCase()));
        Files.writeString(downloads.resolve("pony-style.json"),
                "{\"description\": \"mine\", \"sd version\": \"SDXL\", \"activation text\": \"glowing, extra\","
                        + " \"notes\": \"use at 0.7\"}");
        Files.write(downloads.resolve("pony-style.preview.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G'});
        try (ModelLibrary lib = ModelLibrary.open(models())) {
            ModelEntry e = lib.install(lora, null, false).entry();
            assertEquals(BaseModel.PONY, e.base(), "Civitai's base model names Pony for an SDXL-shaped LoRA");
            assertEquals(List.of("ponystyle", "score_9", "glowing", "extra"), e.triggerWords());
            assertEquals("https://civitai.com/models/123?modelVersionId=456", e.pageUrl());
            assertEquals("https://civitai.com/api/download/models/456", e.sourceUrl());
            assertTrue(e.notes().contains("use at 0.7") && e.notes().contains("A style LoRA"), e.notes());
            assertEquals("loras/pony-style.preview.png", e.previewPath());
            assertTrue(Files.isRegularFile(models().resolve("loras/pony-style.civitai.info")));
            assertEquals(List.of("loras/pony-style.safetensors"),
                    lib.list(BaseModel.PONY, null).stream().map(ModelEntry::path).toList());
            assertEquals(1, lib.list(BaseModel.SDXL, ModelType.LORA).size(), "Pony shows under SDXL");
        }
        // a damaged sidecar is ignored: the model is still filed
        Path other = LibraryFixtures.embedding(downloads.resolve("neg.safetensors"), 768, false);
        Files.writeString(downloads.resolve("neg.civitai.info"), "{\"trainedWords\": [");
        try (ModelLibrary lib = ModelLibrary.open(models())) {
            assertEquals(BaseModel.SD1, lib.install(other, null, false).entry().base());
        }
    }

    @Test
    void scanIndexesWhatIsInTheFoldersAndForgetsRemovedFiles() throws IOException {
        DemoAddons.ensure(models());
        Path misplaced = LibraryFixtures.embedding(models().resolve("loras/actually-an-embedding.safetensors"), 768,
                false);
        Files.writeString(models().resolve("checkpoints/broken.safetensors"), "not a model at all");
        try (ModelLibrary lib = ModelLibrary.open(models())) {
            ModelLibrary.ScanReport first = lib.scan();
            assertEquals(10, first.added(), first.toString());
            assertEquals(2, first.problems().size(), first.problems().toString());
            assertTrue(first.problems().stream().anyMatch(p -> p.contains("actually-an-embedding.safetensors is an"
                    + " embedding for SD 1.x but lies in loras/; move it to embeddings/")), first.problems().toString());
            assertTrue(first.problems().stream().anyMatch(p -> p.contains("broken.safetensors")));
            assertEquals(ModelType.CHECKPOINT, lib.find("checkpoints/" + DemoCheckpoint.FILE_NAME).orElseThrow().type());
            ModelLibrary.ScanReport again = lib.scan();
            assertEquals(0, again.added());
            assertEquals(10, again.unchanged());
            Files.delete(misplaced);
            assertEquals(1, lib.scan().removed());
            assertTrue(lib.find("loras/actually-an-embedding.safetensors").isEmpty());
        }
    }

    @Test
    void aDamagedDatabaseIsOneClearLine() throws IOException {
        Files.createDirectories(models());
        Files.writeString(ModelLibrary.databaseBeside(models()), "this is not an H2 database, it was overwritten");
        LibraryException e = assertThrows(LibraryException.class, () -> ModelLibrary.open(models()));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertTrue(e.getMessage().contains("noodle-library.mv.db") && e.getMessage().contains("move it aside"),
                e.getMessage());
    }

    @Test
    void sd15LoraFromTheRealUnetLayoutIsFiledForSd15() throws IOException {
        Path lora = LibraryFixtures.kohyaLora(dir.resolve("add-detail.safetensors"), UNetConfig.sd15(),
                LibraryFixtures.attention(List.of("attn2.to_k")), 768, 12,
                Map.of("ss_network_module", "networks.lora", "ss_base_model_version", "sd_v1"));
        try (ModelLibrary lib = ModelLibrary.open(models())) {
            ModelEntry e = lib.install(lora, null, true).entry();
            assertEquals("LoRA for SD 1.x", e.describe());
            assertTrue(e.metadataJson().contains("\"ss_base_model_version\":\"sd_v1\""), e.metadataJson());
            assertEquals(1, lib.list(BaseModel.SD1, ModelType.LORA).size());
            assertEquals(0, lib.list(BaseModel.SDXL, null).size());
        }
    }
}
