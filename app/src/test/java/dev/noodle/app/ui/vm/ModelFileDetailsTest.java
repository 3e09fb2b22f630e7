package dev.noodle.app.ui.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.nodes.host.ModelFolders;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model-file combo details from real tiny files: sizes, LoRA base models from the header only, the cache. */
class ModelFileDetailsTest {
    private static final String UNET_K = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k";

    @TempDir Path root;
    private ExecutorService pool;
    private ModelFileDetails details;

    @BeforeEach
    void setUp() {
        pool = Executors.newSingleThreadExecutor();
        details = new ModelFileDetails(new ModelFolders(root), pool);
    }

    @AfterEach
    void tearDown() {
        pool.shutdownNow();
    }

    /** A kohya LoRA with one cross-attention module whose context width tells the family. */
    private Path lora(String name, int context, Map<String, String> metadata, String extraKey) throws Exception {
        SafetensorsWriter w = new SafetensorsWriter();
        metadata.forEach(w::metadata);
        w.addF32(UNET_K + ".lora_down.weight", new long[] {2, context}, new float[2 * context]);
        w.addF32(UNET_K + ".lora_up.weight", new long[] {320, 2}, new float[640]);
        if (extraKey != null) {
            w.addF32(extraKey + ".lora_down.weight", new long[] {2, 4}, new float[8]);
            w.addF32(extraKey + ".lora_up.weight", new long[] {4, 2}, new float[8]);
        }
        Path file = root.resolve("loras").resolve(name);
        Files.createDirectories(file.getParent());
        w.write(file);
        return file;
    }

    private Map<String, String> get(String input, List<String> options) throws Exception {
        return details.details(input, options).get(10, TimeUnit.SECONDS);
    }

    @Test
    void loraBaseModelFromMetadataElseGuessedFromKeysAndWidths() throws Exception {
        Path declared = lora("xl_declared.safetensors", 768, Map.of("ss_base_model_version", "sdxl_base_v1-0"), null);
        lora("sd1_guess.safetensors", 768, Map.of(), null);
        lora("sd2_guess.safetensors", 1024, Map.of(), null);
        lora("xl_guess.safetensors", 2048, Map.of(), null);
        lora("sub/xl_te2.safetensors", 768, Map.of(), "lora_te2_text_model_encoder_layers_0_self_attn_q_proj");
        Files.writeString(root.resolve("loras/not_a_lora.safetensors"), "");
        new SafetensorsWriter().addF32("model.weight", new long[] {2}, new float[2])
                .write(root.resolve("loras/weights.safetensors"));

        Map<String, String> d = get("lora_name", List.of("xl_declared.safetensors", "sd1_guess.safetensors",
                "sd2_guess.safetensors", "xl_guess.safetensors", "sub/xl_te2.safetensors", "weights.safetensors",
                "not_a_lora.safetensors", "missing.safetensors", "demo: built-in"));
        assertEquals(ModelFileDetails.size(Files.size(declared)) + " · SDXL", d.get("xl_declared.safetensors"));
        assertTrue(d.get("sd1_guess.safetensors").endsWith(" · SD 1.x (guessed)"), d.toString());
        assertTrue(d.get("sd2_guess.safetensors").endsWith(" · SD 2.x (guessed)"), d.toString());
        assertTrue(d.get("xl_guess.safetensors").endsWith(" · SDXL (guessed)"), d.toString());
        assertTrue(d.get("sub/xl_te2.safetensors").endsWith(" · SDXL (guessed)"), d.toString());
        assertTrue(d.get("weights.safetensors").endsWith(" · not a LoRA"), d.toString());
        assertEquals("0 B · invalid: empty file", d.get("not_a_lora.safetensors"), d.toString());
        assertEquals(7, d.size(), "missing files and built-in entries have no details: " + d);
    }

    @Test
    void checkpointsShowTheirSize() throws Exception {
        Path ckpt = root.resolve("checkpoints/tiny.safetensors");
        Files.createDirectories(ckpt.getParent());
        new SafetensorsWriter().addF32("w", new long[] {308_642}, new float[308_642]).write(ckpt);
        assertEquals(Map.of("tiny.safetensors", "1.2 MB"), get("ckpt_name", List.of("tiny.safetensors")));
        assertEquals(Map.of(), get("sampler_name", List.of("euler")), "not a model file input");
    }

    /**
     * Bad-inputs S1: model files that cannot be a model say "invalid" (with why) in the list instead of only their
     * size, so the user sees it before a run fails; nothing throws. Valid checkpoints, zip .ckpt files and other
     * inputs are untouched.
     */
    @Test
    void aSavedMergeShowsItsRecipe() throws Exception {
        Path ckpts = Files.createDirectories(root.resolve("checkpoints"));
        var recipe = dev.noodle.nodes.values.ModelRecipe.merge("ModelMergeBlocks",
                new java.util.LinkedHashMap<>(Map.of("input", 0.3)), List.of(
                        new dev.noodle.nodes.values.ModelRecipe("a.safetensors", "ab12", null, null, Map.of(), List.of()),
                        new dev.noodle.nodes.values.ModelRecipe("b.safetensors", "cd34", null, null, Map.of(),
                                List.of())));
        new SafetensorsWriter().metadata(dev.noodle.nodes.values.ModelRecipe.METADATA_KEY,
                        dev.noodle.nodes.values.ModelRecipe.metadataText(recipe, null))
                .addF32("w", new long[] {4}, new float[4]).write(ckpts.resolve("merged.safetensors"));
        new SafetensorsWriter().addF32("w", new long[] {4}, new float[4]).write(ckpts.resolve("plain.safetensors"));
        Map<String, String> d = get("ckpt_name", List.of("merged.safetensors", "plain.safetensors"));
        assertEquals(ModelFileDetails.size(Files.size(ckpts.resolve("merged.safetensors")))
                + " · merge: ModelMergeBlocks (input 0.3) of a.safetensors, b.safetensors", d.get("merged.safetensors"));
        assertEquals(ModelFileDetails.size(Files.size(ckpts.resolve("plain.safetensors"))), d.get("plain.safetensors"));
    }

    @Test
    void s1EmptyTinyAndDamagedModelFilesAreListedAsInvalid() throws Exception {
        Path ckpts = Files.createDirectories(root.resolve("checkpoints"));
        Files.write(ckpts.resolve("empty.safetensors"), new byte[0]);
        Files.write(ckpts.resolve("seven.safetensors"), new byte[] {1, 2, 3, 4, 5, 6, 7});
        Files.write(ckpts.resolve("short.ckpt"), new byte[] {'P', 'K', 3, 4});
        Path whole = root.resolve("whole.safetensors");
        new SafetensorsWriter().addF32("w", new long[] {64}, new float[64]).write(whole);
        byte[] cut = java.util.Arrays.copyOf(Files.readAllBytes(whole), (int) Files.size(whole) - 100);
        Files.write(ckpts.resolve("cut.safetensors"), cut); // a download that stopped early
        byte[] notJson = new byte[16];
        notJson[0] = 8; // an 8-byte header that is not JSON
        System.arraycopy("{oops: }".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, notJson, 8, 8);
        Files.write(ckpts.resolve("garbled.safetensors"), notJson);
        Files.write(ckpts.resolve("photo.safetensors"), new byte[4096]); // zeros: no known format
        Files.write(ckpts.resolve("zip.ckpt"), new byte[] {'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0});
        new SafetensorsWriter().addF32("w", new long[] {4}, new float[4]).write(ckpts.resolve("ok.safetensors"));
        Path loras = Files.createDirectories(root.resolve("loras"));
        Files.write(loras.resolve("empty.safetensors"), new byte[0]);
        Files.write(loras.resolve("three.pt"), new byte[] {1, 2, 3});
        Files.write(loras.resolve("cut.safetensors"), cut);

        Map<String, String> c = get("ckpt_name", List.of("empty.safetensors", "seven.safetensors", "short.ckpt",
                "cut.safetensors", "garbled.safetensors", "photo.safetensors", "zip.ckpt", "ok.safetensors"));
        assertEquals("0 B · invalid: empty file", c.get("empty.safetensors"));
        assertEquals("7 B · invalid: too small to be a model", c.get("seven.safetensors"));
        assertEquals("4 B · invalid: too small to be a model", c.get("short.ckpt"), "by size, whatever the name");
        assertEquals(ModelFileDetails.size(cut.length) + " · invalid: truncated file", c.get("cut.safetensors"));
        assertEquals("16 B · invalid: damaged header", c.get("garbled.safetensors"));
        assertEquals("4.1 KB · invalid: not a model file", c.get("photo.safetensors"));
        assertEquals("10 B", c.get("zip.ckpt"), "zip checkpoints are not opened for the list");
        assertFalse(OptionDetails.marksUnusable(c.get("ok.safetensors")), c.toString());
        assertEquals(ModelFileDetails.size(Files.size(ckpts.resolve("ok.safetensors"))), c.get("ok.safetensors"));

        Map<String, String> l = get("lora_name", List.of("empty.safetensors", "three.pt", "cut.safetensors"));
        assertEquals("0 B · invalid: empty file", l.get("empty.safetensors"));
        assertEquals("3 B · invalid: too small to be a model", l.get("three.pt"));
        assertEquals(ModelFileDetails.size(cut.length) + " · invalid: truncated file", l.get("cut.safetensors"));
        for (String detail : List.of(c.get("empty.safetensors"), c.get("garbled.safetensors"), l.get("three.pt"),
                "1 KB · unreadable")) {
            assertTrue(OptionDetails.marksUnusable(detail), detail);
        }
        assertFalse(OptionDetails.marksUnusable("151.1 MB · SDXL (guessed)"));
    }

    @Test
    void headersAreReadOnceUntilTheFileChanges() throws Exception {
        Path file = lora("a.safetensors", 768, Map.of("ss_base_model_version", "sd_v1x"), null);
        FileTime time = Files.getLastModifiedTime(file);
        long size = Files.size(file);
        String first = get("lora_name", List.of("a.safetensors")).get("a.safetensors");
        assertTrue(first.endsWith(" · SD 1.x"), first);
        get("lora_name", List.of("a.safetensors"));
        assertEquals(1, details.headerReads(), "same size and mtime: cached");

        lora("a.safetensors", 768, Map.of("ss_base_model_version", "sdxl_b"), null); // same size, new header
        assertEquals(size, Files.size(file));
        Files.setLastModifiedTime(file, time);
        assertEquals(first, get("lora_name", List.of("a.safetensors")).get("a.safetensors"), "key is size+mtime");
        assertEquals(1, details.headerReads());

        Files.setLastModifiedTime(file, FileTime.fromMillis(time.toMillis() + 5000));
        String second = get("lora_name", List.of("a.safetensors")).get("a.safetensors");
        assertEquals(2, details.headerReads());
        assertTrue(second.endsWith(" · SDXL"), second);
    }

    @Test
    void readingHappensOnTheExecutorNotTheCaller() throws Exception {
        lora("a.safetensors", 768, Map.of(), null);
        Thread[] ran = new Thread[1];
        ModelFileDetails d = new ModelFileDetails(new ModelFolders(root), r -> {
            Thread t = new Thread(() -> {
                ran[0] = Thread.currentThread();
                r.run();
            });
            t.start();
        });
        assertEquals(1, d.details("lora_name", List.of("a.safetensors")).get(10, TimeUnit.SECONDS).size());
        assertNotEquals(Thread.currentThread(), ran[0]);
    }

    @Test
    void sizesInDecimalUnits() {
        assertEquals("300 B", ModelFileDetails.size(300));
        assertEquals("12.0 KB", ModelFileDetails.size(12_000));
        assertEquals("2.1 GB", ModelFileDetails.size(2_132_000_000L));
    }
}
