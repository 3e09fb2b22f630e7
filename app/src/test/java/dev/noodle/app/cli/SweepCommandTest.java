package dev.noodle.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noodle.nodes.interop.PngTextChunks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code noodle sweep} on the demo model: a LoRA-strength × clip-skip grid whose cells re-run only what their
 * values change, each cell's PNG carrying its own workflow.
 */
class SweepCommandTest {
    /** Checkpoint → LoRA (10) → clip skip (11) → prompts → KSampler → decode → save, at 64² and 2 steps. */
    static final String LORA_CLIP_SKIP = """
            {
              "format": 1,
              "name": "lora_clip_skip",
              "nodes": {
                "4": {"type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "noodle-demo-tiny-sd15.safetensors"}},
                "10": {"type": "LoraLoader", "inputs": {"model": ["4", 0], "clip": ["4", 1],
                       "lora_name": "noodle-demo-lora.safetensors", "strength_model": 1.0, "strength_clip": 1.0}},
                "11": {"type": "CLIPSetLastLayer", "inputs": {"clip": ["10", 1], "stop_at_clip_layer": -1}},
                "6": {"type": "CLIPTextEncode", "inputs": {"text": "a lighthouse", "clip": ["11", 0]}},
                "7": {"type": "CLIPTextEncode", "inputs": {"text": "blurry", "clip": ["11", 0]}},
                "5": {"type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}},
                "3": {"type": "KSampler", "inputs": {"seed": 42, "steps": 2, "cfg": 7.0, "sampler_name": "euler",
                      "scheduler": "normal", "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0],
                      "denoise": 1.0, "model": ["10", 0]}},
                "8": {"type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
                "9": {"type": "SaveImage", "inputs": {"filename_prefix": "cell", "images": ["8", 0]}}
              }
            }
            """;

    @Test
    void aLoraStrengthByClipSkipSweepMakesTheGridAndReRunsOnlyWhatChanged(@TempDir Path dir) throws Exception {
        Path wf = dir.resolve("lora.json");
        Files.writeString(wf, LORA_CLIP_SKIP);
        RunCommandTest.Result r = RunCommandTest.run("sweep", wf.toString(), "--x", "10.strength_model=0-1 [2]",
                "--y", "11.stop_at_clip_layer=-1,-2", "--models", dir.resolve("models").toString(), "--out",
                dir.resolve("out").toString());
        assertEquals(0, r.code(), r.err() + r.out());
        List<String> cells = r.out().lines().filter(l -> l.startsWith("cell ")).toList();
        assertEquals(4, cells.size(), r.out());
        // the LoRA (X) re-runs more nodes than clip skip (Y), so it is the outer loop: clip skip changes fastest
        assertEquals("cell 1/4 (strength_model: 0.0, stop_at_clip_layer: -1): ran 4 CheckpointLoaderSimple,"
                + " 10 LoraLoader, 11 CLIPSetLastLayer, 6 CLIPTextEncode, 7 CLIPTextEncode, 5 EmptyLatentImage,"
                + " 3 KSampler, 8 VAEDecode, 9 SaveImage; cached nothing", cells.get(0));
        // clip skip changed: text encoding and below re-run; the checkpoint and the LoRA come from the cache
        assertEquals("cell 2/4 (strength_model: 0.0, stop_at_clip_layer: -2): ran 11 CLIPSetLastLayer,"
                + " 6 CLIPTextEncode, 7 CLIPTextEncode, 3 KSampler, 8 VAEDecode, 9 SaveImage; cached"
                + " 4 CheckpointLoaderSimple, 10 LoraLoader, 5 EmptyLatentImage", cells.get(1));
        // LoRA strength changed: the LoRA and below re-run; the loader does not
        assertEquals("cell 3/4 (strength_model: 1.0, stop_at_clip_layer: -1): ran 10 LoraLoader,"
                + " 11 CLIPSetLastLayer, 6 CLIPTextEncode, 7 CLIPTextEncode, 3 KSampler, 8 VAEDecode, 9 SaveImage;"
                + " cached 4 CheckpointLoaderSimple, 5 EmptyLatentImage", cells.get(2));
        assertEquals("cell 4/4 (strength_model: 1.0, stop_at_clip_layer: -2): ran 11 CLIPSetLastLayer,"
                + " 6 CLIPTextEncode, 7 CLIPTextEncode, 3 KSampler, 8 VAEDecode, 9 SaveImage; cached"
                + " 4 CheckpointLoaderSimple, 10 LoraLoader, 5 EmptyLatentImage", cells.get(3));

        List<Path> saved = r.out().lines().filter(l -> l.startsWith("saved ")).map(l -> Path.of(l.substring(6)))
                .toList();
        assertEquals(4, saved.size(), r.out());
        // each cell's PNG carries its own workflow: its LoRA strength and clip skip
        double[] strength = {0.0, 0.0, 1.0, 1.0};
        long[] skip = {-1, -2, -1, -2};
        for (int i = 0; i < 4; i++) {
            JsonNode prompt = new ObjectMapper().readTree(PngTextChunks.read(saved.get(i)).get("prompt"));
            assertEquals(strength[i], prompt.get("10").get("inputs").get("strength_model").asDouble(), "cell " + i);
            assertEquals(skip[i], prompt.get("11").get("inputs").get("stop_at_clip_layer").asLong(), "cell " + i);
        }
        String gridLine = r.out().lines().filter(l -> l.startsWith("grid ")).findFirst().orElseThrow();
        Path grid = Path.of(gridLine.substring(5));
        assertEquals(dir.resolve("out/xyz_grid_00001_.png").toAbsolutePath(), grid.toAbsolutePath());
        Map<String, String> text = PngTextChunks.read(grid);
        JsonNode sweep = new ObjectMapper().readTree(text.get("sweep"));
        assertEquals("strength_model", sweep.get("axes").get(0).get("label").asText());
        assertEquals(4, sweep.get("cells").size());
        assertEquals(saved.get(2).getFileName().toString(), sweep.get("cells").get(1).get("file").asText(),
                "grid index 1 is X = 1.0, Y = -1: the third cell run");
        var img = ImageIO.read(grid.toFile());
        assertTrue(img.getWidth() > 2 * 64 && img.getHeight() > 2 * 64, img.getWidth() + "x" + img.getHeight());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void badAxesExitTwoNamingTheAxis(@TempDir Path dir) throws Exception {
        Path wf = dir.resolve("lora.json");
        Files.writeString(wf, LORA_CLIP_SKIP);
        RunCommandTest.Result r = RunCommandTest.run("sweep", wf.toString(), "--x", "10.strength_model=0,x",
                "--models", dir.resolve("models").toString(), "--out", dir.resolve("out").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("X axis: 'x' for 'strength_model': 'x' is not a number"), r.err());
        RunCommandTest.Result z = RunCommandTest.run("sweep", wf.toString(), "--x", "10.strength_model=0,1",
                "--z", "3.seed=1,2", "--models", dir.resolve("models").toString());
        assertEquals(2, z.code(), z.err());
        assertTrue(z.err().contains("--z needs a --y"), z.err());
        assertFalse(Files.exists(dir.resolve("out")), "nothing ran");
    }
}
