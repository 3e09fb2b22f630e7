package dev.noodle.nodes.library;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.nodes.host.ModelKind;
import java.io.IOException;
import java.net.ProxySelector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Downloads by link from Civitai- and Hugging Face-shaped sites served over real HTTP on the loopback. */
class ModelDownloadsTest {
    @TempDir
    Path dir;

    FakeModelSites sites;
    DownloadSettings settings;

    @BeforeEach
    void start() throws IOException {
        sites = new FakeModelSites();
        settings = new DownloadSettings(sites.siteBase(), sites.siteBase(), null, null, direct(), 3, 10,
                Duration.ofSeconds(10));
    }

    @AfterEach
    void stop() {
        sites.close();
    }

    static ProxySelector direct() {
        return ProxySettings.selector(Map.of(), new java.util.Properties());
    }

    static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private Map<String, byte[]> twoFiles(String base, int n) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put(base + ".safetensors", bytes(n, 1));
        m.put(base + ".pt", bytes(n / 2, 2));
        return m;
    }

    @Test
    void civitaiDownloadLinkSavesThePrimaryFileWithItsPageFacts() throws IOException {
        Map<String, byte[]> files = twoFiles("detailTweaker", 300_000);
        sites.civitaiModel(58390, 62833, "LORA", "SD 1.5", List.of("detailed", "intricate"),
                "<p>Adds detail.</p>", files);
        List<long[]> progress = new ArrayList<>();
        DownloadedModel m = new ModelDownloads(settings).download(
                sites.siteBase() + "/api/download/models/62833", dir, (d, t) -> progress.add(new long[] {d, t}));

        assertArrayEquals(files.get("detailTweaker.safetensors"), Files.readAllBytes(m.file()));
        assertEquals(dir.resolve("detailTweaker.safetensors"), m.file());
        assertEquals(FakeModelSites.sha256(files.get("detailTweaker.safetensors")), m.sha256());
        assertTrue(m.verified());
        assertEquals("SD 1.5", m.baseModel());
        assertEquals(List.of("detailed", "intricate"), m.triggerWords());
        assertEquals("<p>Adds detail.</p>", m.notes());
        assertEquals("LORA", m.modelType());
        assertEquals(ModelKind.LORAS, m.kindHint());
        assertEquals(RemoteSite.CIVITAI, m.site());
        assertEquals(sites.siteBase() + "/models/58390?modelVersionId=62833", m.pageUrl());
        assertEquals(sites.siteBase() + "/api/download/models/62833", m.url());
        long[] last = progress.get(progress.size() - 1);
        assertEquals(300_000, last[0]);
        assertEquals(300_000, last[1]);
        assertOnly(m.file());
    }

    @Test
    void civitaiModelPageWithAVersionAndADownloadLinkWithAFileChoice() throws IOException {
        sites.civitaiModel(4201, 501, "Checkpoint", "SD 1.5", List.of(), "old", twoFiles("realistic_v1", 5000));
        sites.civitaiModel(4201, 502, "Checkpoint", "SDXL 1.0", List.of(), "new", twoFiles("realistic_v2", 6000));
        ModelDownloads downloads = new ModelDownloads(settings);

        DownloadedModel page = downloads.download(sites.siteBase() + "/models/4201/realistic-vision?modelVersionId=501",
                dir.resolve("a"), DownloadProgress.NONE);
        assertEquals("realistic_v1.safetensors", page.fileName());
        assertEquals("SD 1.5", page.baseModel());
        assertEquals(ModelKind.CHECKPOINTS, page.kindHint());

        DownloadedModel newest = downloads.download(sites.siteBase() + "/models/4201", dir.resolve("b"),
                DownloadProgress.NONE);
        assertEquals("realistic_v2.safetensors", newest.fileName());
        assertEquals("SDXL 1.0", newest.baseModel());

        DownloadedModel pickle = downloads.download(sites.siteBase()
                + "/api/download/models/502?type=Model&format=PickleTensor", dir.resolve("c"), DownloadProgress.NONE);
        assertEquals("realistic_v2.pt", pickle.fileName());
        assertArrayEquals(sites.files.get("realistic_v2.pt"), Files.readAllBytes(pickle.file()));
        assertTrue(pickle.verified());

        IOException none = assertThrows(IOException.class, () -> downloads.download(sites.siteBase()
                + "/api/download/models/502?format=GGUF", dir.resolve("d"), DownloadProgress.NONE));
        assertTrue(none.getMessage().contains("realistic_v2.safetensors"), none.getMessage());
    }

    @Test
    void huggingFaceResolveAndBlobLinksAreVerifiedAgainstThePublishedSha256() throws IOException {
        byte[] vae = bytes(200_000, 3);
        byte[] unet = bytes(150_000, 4);
        sites.hfFile("stabilityai/sd-vae-ft-mse-original", "main", "vae-ft-mse-840000-ema-pruned.safetensors", vae,
                true);
        sites.hfFile("someone/sdxl-things", "main", "unet/diffusion_pytorch_model.fp16.safetensors", unet, false);
        ModelDownloads downloads = new ModelDownloads(settings);

        DownloadedModel a = downloads.download(sites.siteBase()
                + "/stabilityai/sd-vae-ft-mse-original/resolve/main/vae-ft-mse-840000-ema-pruned.safetensors"
                + "?download=true", dir, DownloadProgress.NONE);
        assertArrayEquals(vae, Files.readAllBytes(a.file()));
        assertTrue(a.verified());
        assertEquals(RemoteSite.HUGGING_FACE, a.site());
        assertEquals(sites.siteBase() + "/stabilityai/sd-vae-ft-mse-original/blob/main/"
                + "vae-ft-mse-840000-ema-pruned.safetensors", a.pageUrl());

        // a /blob/ page link: the hash comes from the tree API (the HEAD carries none)
        DownloadedModel b = downloads.download(sites.siteBase()
                + "/someone/sdxl-things/blob/main/unet/diffusion_pytorch_model.fp16.safetensors", dir,
                DownloadProgress.NONE);
        assertArrayEquals(unet, Files.readAllBytes(b.file()));
        assertTrue(b.verified());
        assertFalse(sites.seen("site", "/api/models/someone/sdxl-things/tree/main/unet").isEmpty());
        assertFalse(sites.seen("site", "/someone/sdxl-things/resolve/main/unet/").isEmpty(), "blob became resolve");
    }

    @Test
    void aRenamedHuggingFaceRepositoryIsFollowed() throws IOException {
        byte[] b = bytes(40_000, 8);
        sites.hfFile("newowner/model", "main", "m.safetensors", b, false);
        sites.hfRenamed.put("oldowner/model", "newowner/model");
        DownloadedModel m = new ModelDownloads(settings).download(sites.siteBase()
                + "/oldowner/model/resolve/main/m.safetensors", dir, DownloadProgress.NONE);
        assertArrayEquals(b, Files.readAllBytes(m.file()));
        assertTrue(m.verified(), "the tree API of the new name gave the SHA-256");
    }

    @Test
    void anInterruptedDownloadResumesFromThePartFileWithARangeRequest() throws IOException {
        Map<String, byte[]> files = twoFiles("bigModel", 500_000);
        sites.civitaiModel(7, 70, "Checkpoint", "SD 1.5", List.of(), "", files);
        sites.dropNext.set(1);
        sites.dropAfter = 123_456;
        ModelDownloads once = new ModelDownloads(settings.withAttempts(1));
        String link = sites.siteBase() + "/api/download/models/70";

        IOException e = assertThrows(IOException.class, () -> once.download(link, dir, DownloadProgress.NONE));
        assertTrue(e.getMessage().contains("run the same command again to resume"), e.getMessage());
        Path part = dir.resolve("bigModel.safetensors.part");
        long kept = Files.size(part); // what reached the client before the drop (at most what the server sent)
        assertTrue(kept > 0 && kept <= 123_456, "kept " + kept);
        assertFalse(Files.exists(dir.resolve("bigModel.safetensors")), "never the final name before it is whole");

        List<String> notes = new ArrayList<>();
        DownloadedModel m = once.download(link, dir, progressNotes(notes));
        assertArrayEquals(files.get("bigModel.safetensors"), Files.readAllBytes(m.file()));
        List<FakeModelSites.Seen> gets = sites.seen("storage", "/files/bigModel.safetensors");
        assertEquals("bytes=" + kept + "-", gets.get(gets.size() - 1).header("Range"));
        assertTrue(notes.stream().anyMatch(n -> n.contains("resuming at " + kept)), notes.toString());
        assertOnly(m.file());
    }

    @Test
    void aDroppedConnectionIsResumedWithinOneDownload() throws IOException {
        sites.civitaiModel(8, 80, "LORA", "Pony", List.of("score_9"), "", twoFiles("ponyStyle", 400_000));
        sites.dropNext.set(2);
        sites.dropAfter = 100_000;
        DownloadedModel m = new ModelDownloads(settings).download(sites.siteBase() + "/api/download/models/80", dir,
                DownloadProgress.NONE);
        assertArrayEquals(sites.files.get("ponyStyle.safetensors"), Files.readAllBytes(m.file()));
        List<String> ranges = sites.seen("storage", "/files/ponyStyle").stream().map(s -> s.header("Range")).toList();
        assertEquals(3, ranges.size(), ranges.toString());
        assertNull(ranges.get(0));
        long second = Long.parseLong(ranges.get(1).replaceAll("\\D", ""));
        long third = Long.parseLong(ranges.get(2).replaceAll("\\D", ""));
        assertTrue(second > 0 && second <= 100_000 && third > second && third <= second + 100_000, ranges.toString());
        assertEquals("Pony", m.baseModel());
        assertOnly(m.file());
    }

    @Test
    void aStalledTransferIsCutAfterTheTimeoutAndResumed() throws IOException {
        sites.civitaiModel(15, 150, "LORA", "SD 1.5", List.of(), "", twoFiles("slow", 300_000));
        sites.stallNext.set(1);
        sites.stallMillis = 10_000;
        sites.dropAfter = 50_000;
        DownloadSettings quick = new DownloadSettings(sites.siteBase(), sites.siteBase(), null, null, direct(), 3, 10,
                Duration.ofSeconds(1));
        List<String> notes = new ArrayList<>();
        long t0 = System.nanoTime();
        DownloadedModel m = new ModelDownloads(quick).download(sites.siteBase() + "/api/download/models/150", dir,
                progressNotes(notes));
        assertArrayEquals(sites.files.get("slow.safetensors"), Files.readAllBytes(m.file()));
        assertTrue(notes.stream().anyMatch(n -> n.contains("no data for 1 s")), notes.toString());
        assertTrue((System.nanoTime() - t0) / 1e9 < 8, "did not wait for the stalled server");
    }

    @Test
    void aFileReplacedOnTheServerBetweenAttemptsIsNotStitched() throws IOException {
        byte[] before = bytes(200_000, 21);
        byte[] after = bytes(200_000, 22);
        sites.files.put("moving.safetensors", before);
        sites.dropNext.set(1);
        sites.dropAfter = 80_000;
        sites.onDrop = () -> sites.files.put("moving.safetensors", after);
        DownloadedModel m = new ModelDownloads(settings).download(sites.storageBase() + "/files/moving.safetensors",
                dir, DownloadProgress.NONE);
        assertArrayEquals(after, Files.readAllBytes(m.file()), "the new file whole, not half of each");
        assertFalse(m.verified(), "no SHA-256 is published for a plain address");
        var gets = sites.seen("storage", "/files/moving");
        assertTrue(gets.get(1).header("If-Range") != null, "the resume names the file it continues");
    }

    @Test
    void aBusyServerIsAskedAgainAndAPersistentlyBusyOneIsOneLine() throws IOException {
        sites.civitaiModel(16, 160, "LORA", "SD 1.5", List.of(), "", twoFiles("popular", 20_000));
        sites.busyNext.set(2);
        List<String> notes = new ArrayList<>();
        DownloadedModel m = new ModelDownloads(settings).download(sites.siteBase() + "/api/download/models/160", dir,
                progressNotes(notes));
        assertArrayEquals(sites.files.get("popular.safetensors"), Files.readAllBytes(m.file()));
        assertEquals(2, notes.stream().filter(n -> n.contains("HTTP 503")).count(), notes.toString());

        sites.busyNext.set(10);
        IOException e = assertThrows(IOException.class, () -> new ModelDownloads(settings)
                .download(sites.siteBase() + "/api/download/models/160", dir.resolve("b"), DownloadProgress.NONE));
        assertTrue(e.getMessage().contains("HTTP 503") && e.getMessage().contains("run the same command again"),
                e.getMessage());
        assertEmpty(dir.resolve("b"));
    }

    @Test
    void aServerIgnoringRangeRestartsTheFileCleanly() throws IOException {
        sites.civitaiModel(9, 90, "VAE", "SD 1.5", List.of(), "", twoFiles("vaeX", 50_000));
        Files.write(dir.resolve("vaeX.safetensors.part"), bytes(20_000, 99));
        sites.ignoreRanges = true;
        DownloadedModel m = new ModelDownloads(settings).download(sites.siteBase() + "/api/download/models/90", dir,
                DownloadProgress.NONE);
        assertArrayEquals(sites.files.get("vaeX.safetensors"), Files.readAllBytes(m.file()));
        assertOnly(m.file());
    }

    @Test
    void aStalePartFromAnotherFileIsDroppedWhenTheHashDisagrees() throws IOException {
        sites.civitaiModel(10, 100, "LORA", "SDXL 1.0", List.of(), "", twoFiles("changed", 60_000));
        Files.write(dir.resolve("changed.safetensors.part"), bytes(30_000, 1234));
        List<String> notes = new ArrayList<>();
        DownloadedModel m = new ModelDownloads(settings).download(sites.siteBase() + "/api/download/models/100", dir,
                progressNotes(notes));
        assertArrayEquals(sites.files.get("changed.safetensors"), Files.readAllBytes(m.file()));
        assertTrue(notes.stream().anyMatch(n -> n.contains("from the start")), notes.toString());
    }

    @Test
    void aWrongSha256IsRefusedAndLeavesNoFile() throws IOException {
        var v = sites.civitaiModel(11, 110, "LORA", "SD 1.5", List.of(), "", twoFiles("tampered", 40_000));
        String published = "AB".repeat(32);
        ((com.fasterxml.jackson.databind.node.ObjectNode) v.withArray("files").get(0).get("hashes"))
                .put("SHA256", published);
        IOException e = assertThrows(IOException.class, () -> new ModelDownloads(settings)
                .download(sites.siteBase() + "/api/download/models/110", dir, DownloadProgress.NONE));
        String actual = FakeModelSites.sha256(sites.files.get("tampered.safetensors"));
        assertTrue(e.getMessage().contains(actual) && e.getMessage().contains(published.toLowerCase()),
                e.getMessage());
        assertEmpty(dir);
    }

    @Test
    void aRedirectToTheLoginPageIsExplainedAndNothingIsSaved() throws IOException {
        sites.civitaiModel(12, 120, "Checkpoint", "SD 1.5", List.of(), "", twoFiles("membersOnly", 10_000));
        sites.needsKey.add(120L);
        String link = sites.siteBase() + "/api/download/models/120";
        IOException e = assertThrows(IOException.class, () -> new ModelDownloads(settings)
                .download(link, dir, DownloadProgress.NONE));
        assertTrue(e.getMessage().contains("needs a Civitai API key") && e.getMessage().contains("CIVITAI_TOKEN"),
                e.getMessage());
        assertEmpty(dir);

        IOException wrong = assertThrows(IOException.class, () -> new ModelDownloads(settings.withTokens("nope",
                null)).download(link, dir, DownloadProgress.NONE));
        assertTrue(wrong.getMessage().contains("did not accept the API key"), wrong.getMessage());
        assertFalse(wrong.getMessage().contains("nope"), "the key is never shown");
        assertEmpty(dir);

        DownloadedModel m = new ModelDownloads(settings.withTokens(FakeModelSites.GOOD_KEY, null))
                .download(link, dir, DownloadProgress.NONE);
        assertArrayEquals(sites.files.get("membersOnly.safetensors"), Files.readAllBytes(m.file()));
        var storage = sites.seen("storage", "/files/membersOnly");
        assertNull(storage.get(0).header("Authorization"), "the key stays with Civitai, not the storage host");

        // a key pasted in the link (?token=), as Civitai's guide shows, works too and is not recorded
        Files.delete(m.file());
        DownloadedModel pasted = new ModelDownloads(settings).download(link + "?token=" + FakeModelSites.GOOD_KEY,
                dir, DownloadProgress.NONE);
        assertArrayEquals(sites.files.get("membersOnly.safetensors"), Files.readAllBytes(pasted.file()));
        assertEquals(link, pasted.url());
    }

    @Test
    void aWebPageWhereAModelWasExpectedIsExplainedNotSaved() throws IOException {
        sites.files.put("page.safetensors", "<!DOCTYPE html><html>Cloudflare says hi</html>".getBytes());
        String link = sites.storageBase() + "/files/page.safetensors";
        IOException sniffed = assertThrows(IOException.class, () -> new ModelDownloads(settings)
                .download(link, dir, DownloadProgress.NONE));
        assertTrue(sniffed.getMessage().contains("web page, not a model file"), sniffed.getMessage());
        assertEmpty(dir);

        sites.storageType = "text/html; charset=utf-8";
        sites.files.put("page.safetensors", bytes(1000, 5));
        IOException typed = assertThrows(IOException.class, () -> new ModelDownloads(settings)
                .download(link, dir, DownloadProgress.NONE));
        assertTrue(typed.getMessage().contains("web page"), typed.getMessage());
        assertEmpty(dir);
    }

    @Test
    void aGatedHuggingFaceRepositoryAsksForHfToken() throws IOException {
        byte[] b = bytes(30_000, 6);
        sites.hfFile("org/gated-model", "main", "model.safetensors", b, true);
        sites.hfGated.add("org/gated-model");
        String link = sites.siteBase() + "/org/gated-model/resolve/main/model.safetensors";
        IOException e = assertThrows(IOException.class, () -> new ModelDownloads(settings)
                .download(link, dir, DownloadProgress.NONE));
        assertTrue(e.getMessage().contains("HF_TOKEN") && e.getMessage().contains("gated"), e.getMessage());
        assertEmpty(dir);
        DownloadedModel m = new ModelDownloads(settings.withTokens(null, FakeModelSites.HF_KEY))
                .download(link, dir, DownloadProgress.NONE);
        assertArrayEquals(b, Files.readAllBytes(m.file()));
    }

    @Test
    void missingThingsAndDeadServersAreOneLineErrors() throws IOException {
        ModelDownloads d = new ModelDownloads(settings);
        IOException noVersion = assertThrows(IOException.class, () -> d.download(sites.siteBase()
                + "/api/download/models/999?token=secret-key", dir, DownloadProgress.NONE));
        assertTrue(noVersion.getMessage().contains("HTTP 404"), noVersion.getMessage());
        assertFalse(noVersion.getMessage().contains("secret-key"), noVersion.getMessage());
        IOException noFile = assertThrows(IOException.class, () -> d.download(sites.siteBase()
                + "/a/b/resolve/main/x.safetensors", dir, DownloadProgress.NONE));
        assertTrue(noFile.getMessage().contains("no file x.safetensors"), noFile.getMessage());
        IOException notALink = assertThrows(IOException.class, () -> d.download(sites.siteBase() + "/a/b/tree/main",
                dir, DownloadProgress.NONE));
        assertTrue(notALink.getMessage().contains("not a file link"), notALink.getMessage());
        IOException dead = assertThrows(IOException.class, () -> d.download("http://127.0.0.1:1/m.safetensors", dir,
                DownloadProgress.NONE));
        assertTrue(dead.getMessage().startsWith("Could not connect to 127.0.0.1:1"), dead.getMessage());
        assertEmpty(dir);
    }

    @Test
    void aFullDiskSaysWhichFileAndHowToGoOn() throws IOException {
        Path full = Path.of("/dev/full");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isWritable(full), "needs /dev/full");
        sites.civitaiModel(13, 130, "LORA", "SD 1.5", List.of(), "", twoFiles("noRoom", 70_000));
        Path part = dir.resolve("noRoom.safetensors.part");
        Files.createSymbolicLink(part, full);
        IOException e = assertThrows(IOException.class, () -> new ModelDownloads(settings)
                .download(sites.siteBase() + "/api/download/models/130", dir, DownloadProgress.NONE));
        assertTrue(e.getMessage().startsWith("Could not write " + part) && e.getMessage().contains("free space"),
                e.getMessage());
        assertFalse(Files.exists(dir.resolve("noRoom.safetensors")));
    }

    @Test
    void aServerSendingMoreThanThePublishedSizeIsCutOff() throws IOException {
        var v = sites.civitaiModel(14, 140, "LORA", "SD 1.5", List.of(), "", twoFiles("endless", 3_000_000));
        ((com.fasterxml.jackson.databind.node.ObjectNode) v.withArray("files").get(0)).put("sizeKB", 1000.0);
        IOException e = assertThrows(IOException.class, () -> new ModelDownloads(settings)
                .download(sites.siteBase() + "/api/download/models/140", dir, DownloadProgress.NONE));
        assertTrue(e.getMessage().contains("more than the 1024000 bytes"), e.getMessage());
        assertEmpty(dir);
    }

    private static DownloadProgress progressNotes(List<String> notes) {
        return new DownloadProgress() {
            @Override
            public void update(long done, long total) {}

            @Override
            public void note(String line) {
                notes.add(line);
            }
        };
    }

    private static void assertOnly(Path file) throws IOException {
        try (Stream<Path> s = Files.list(file.getParent())) {
            assertEquals(List.of(file), s.toList());
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
