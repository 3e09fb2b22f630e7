package dev.noodle.nodes.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.Workflow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model hash and Lora hashes in the A1111 infotext a graph writes, as A1111 writes them. */
class InfotextHashesTest {
    @TempDir
    Path dir;

    private InfotextHashes.ModelFiles in(String folder) {
        return name -> {
            Path p = dir.resolve(folder).resolve(name);
            if (!Files.exists(p)) {
                throw new NoSuchFileException(p.toString());
            }
            return p;
        };
    }

    @Test
    void checkpointAndLoraHashesGoWhereA1111PutsThem() throws IOException {
        Files.createDirectories(dir.resolve("checkpoints"));
        Files.createDirectories(dir.resolve("loras"));
        Files.writeString(dir.resolve("checkpoints/anything-v5.safetensors"), "noodle checkpoint v1\n");
        Files.write(dir.resolve("loras/add_detail.safetensors"), ModelHashCacheTest.tinySafetensors());
        // InfotextGraphTest.HIRES carries made-up hashes; the written infotext must carry the real files' hashes
        Workflow wf = InfotextGraph.toWorkflow(A1111Infotext.parse(InfotextGraphTest.HIRES),
                List.of("anything-v5.safetensors"));
        ModelHashCache cache = new ModelHashCache();
        List<String> warnings = new ArrayList<>();
        A1111Infotext out = InfotextHashes.withHashes(InfotextGraph.toInfotext(wf), wf, in("checkpoints"),
                in("loras"), cache, warnings::add);
        assertEquals(List.of(), warnings);
        Map<String, String> p = out.params();
        assertEquals(ModelHashCacheTest.V1.substring(0, 10), p.get("Model hash"));
        assertEquals("add_detail: " + ModelHashCacheTest.ADDNET.substring(0, 12), p.get("Lora hashes"));
        String text = out.format();
        assertTrue(text.contains("Model hash: 939f8bbd68, Model: anything-v5,"), text);
        assertTrue(text.contains(", Lora hashes: \"add_detail: 252b3318179c\", Version: v1.6.0"), text);
        // and it survives a PNG parameters chunk and A1111's parser
        byte[] png = PngTextChunks.write(InteropTestSupport.tinyPng(), Map.of("parameters", text));
        Path file = Files.write(dir.resolve("out.png"), png);
        assertEquals(text, PngTextChunks.read(file).get("parameters"));
        assertEquals("add_detail: 252b3318179c", A1111Infotext.parse(text).params().get("Lora hashes"));
        assertEquals(2, cache.computations());
    }

    @Test
    void newGraphGetsModelHashBeforeModelAndMissingFilesOnlyWarn() throws IOException {
        Files.createDirectories(dir.resolve("checkpoints"));
        Files.writeString(dir.resolve("checkpoints/sd15.safetensors"), "noodle checkpoint v2\n");
        Workflow wf = InfotextGraph.toWorkflow(A1111Infotext.parse("a cat <lora:missing:0.5>\nNegative prompt: dog"
                + "\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 1, Size: 512x512, Model: sd15"),
                List.of("sd15.safetensors"));
        // drop the imported parameters: what a graph built in Noodle looks like
        wf = new Workflow(wf.format(), wf.name(), wf.nodes(), wf.layout(), Map.of());
        List<String> warnings = new ArrayList<>();
        A1111Infotext out = InfotextHashes.withHashes(InfotextGraph.toInfotext(wf), wf, in("checkpoints"),
                in("loras"), new ModelHashCache(), warnings::add);
        List<String> keys = List.copyOf(out.params().keySet());
        assertEquals(keys.indexOf("Model") - 1, keys.indexOf("Model hash"), keys.toString());
        assertEquals(ModelHashCacheTest.V2.substring(0, 10), out.params().get("Model hash"));
        assertFalse(out.params().containsKey("Lora hashes"));
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("missing.safetensors"), warnings.toString());

        // a changed checkpoint: the hash follows the file, not the import
        Files.writeString(dir.resolve("checkpoints/other.safetensors"), "noodle checkpoint v1\n");
        var ckpt = InfotextGraphTest.only(wf, "CheckpointLoaderSimple");
        Workflow edited = wf.withNode(ckpt.withInput("ckpt_name", Literal.of("other.safetensors")));
        A1111Infotext again = InfotextHashes.withHashes(InfotextGraph.toInfotext(edited), edited, in("checkpoints"),
                in("loras"), new ModelHashCache(), w -> { });
        assertEquals(ModelHashCacheTest.V1.substring(0, 10), again.params().get("Model hash"));
    }
}
