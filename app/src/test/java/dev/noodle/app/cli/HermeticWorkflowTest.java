package dev.noodle.app.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noodle.engine.model.DemoCheckpoint;
import dev.noodle.nodes.host.DemoAddons;
import dev.noodle.nodes.host.ModelFolders;
import dev.noodle.nodes.host.ModelKind;
import dev.noodle.nodes.interop.ModelHashes;
import dev.noodle.nodes.interop.PngTextChunks;
import dev.noodle.nodes.library.ModelLibrary;
import dev.noodle.nodes.library.SourceInfo;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A PNG made by Noodle records the model files it used (name, folder, SHA-256, source URL) and finds them again on
 * another machine: by hash under other names (same pixels), naming what is missing and how to get it, and flagging a
 * file with the right name but other content.
 */
class HermeticWorkflowTest {
    private static final String CKPT_URL = "https://civitai.com/api/download/models/4711";
    private static final String LORA_URL = "https://huggingface.co/noodle/style/resolve/main/style.safetensors";

    /** Checkpoint → LoRA → prompts → KSampler → decode → save, at 64² and 2 steps. */
    private static final String WORKFLOW = """
            {
              "format": 1,
              "name": "hermetic",
              "nodes": {
                "4": {"type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "mine.safetensors"}},
                "10": {"type": "LoraLoader", "inputs": {"model": ["4", 0], "clip": ["4", 1],
                       "lora_name": "style.safetensors", "strength_model": 1.0, "strength_clip": 1.0}},
                "6": {"type": "CLIPTextEncode", "inputs": {"text": "a lighthouse", "clip": ["10", 1]}},
                "7": {"type": "CLIPTextEncode", "inputs": {"text": "blurry", "clip": ["10", 1]}},
                "5": {"type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}},
                "3": {"type": "KSampler", "inputs": {"seed": 42, "steps": 2, "cfg": 7.0, "sampler_name": "euler",
                      "scheduler": "normal", "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0],
                      "denoise": 1.0, "model": ["10", 0]}},
                "8": {"type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
                "9": {"type": "SaveImage", "inputs": {"filename_prefix": "made", "images": ["8", 0]}}
              }
            }
            """;

    @Test
    void aPngFindsItsModelsByHashOnAnotherMachineAndNamesWhatIsMissing(@TempDir Path dir) throws Exception {
        // the project's generators: the demo checkpoint and a LoRA for it
        Path scratch = dir.resolve("scratch");
        Path ckpt = DemoCheckpoint.ensure(scratch.resolve("checkpoints").resolve(DemoCheckpoint.FILE_NAME));
        DemoAddons.ensureIfDemo(new ModelFolders(scratch), ModelKind.LORAS, DemoAddons.LORA);
        Path lora = scratch.resolve("loras").resolve(DemoAddons.LORA);
        String ckptSha = ModelHashes.sha256(ckpt);
        String loraSha = ModelHashes.sha256(lora);

        // machine A: the files under the workflow's names, downloaded from known places
        Path a = dir.resolve("a").resolve("models");
        copy(ckpt, a.resolve("checkpoints/mine.safetensors"));
        copy(lora, a.resolve("loras/style.safetensors"));
        try (ModelLibrary lib = ModelLibrary.open(a)) {
            lib.install(a.resolve("checkpoints/mine.safetensors"), SourceInfo.fromUrl(CKPT_URL), false);
            lib.install(a.resolve("loras/style.safetensors"), SourceInfo.fromUrl(LORA_URL), false);
        }
        Path wf = dir.resolve("hermetic.json");
        Files.writeString(wf, WORKFLOW);
        RunCommandTest.Result made = RunCommandTest.run("run", wf.toString(), "--models", a.toString(), "--out",
                dir.resolve("out-a").toString());
        assertEquals(0, made.code(), made.err());
        Path png = dir.resolve("out-a").resolve("made_00001_.png");

        // (d) the UI workflow in the PNG lists the models in ComfyUI's shape
        JsonNode ui = new ObjectMapper().readTree(PngTextChunks.read(png).get("workflow"));
        JsonNode models = ui.get("models");
        assertEquals(2, models.size(), ui.toPrettyString());
        List<String> fields = new ArrayList<>();
        models.get(0).fieldNames().forEachRemaining(fields::add);
        assertEquals(List.of("name", "url", "hash", "hash_type", "directory"), fields);
        assertEquals("mine.safetensors", models.get(0).get("name").asText());
        assertEquals(CKPT_URL, models.get(0).get("url").asText());
        assertEquals(ckptSha, models.get(0).get("hash").asText());
        assertEquals("SHA256", models.get(0).get("hash_type").asText());
        assertEquals("checkpoints", models.get(0).get("directory").asText());
        assertEquals("style.safetensors", models.get(1).get("name").asText());
        assertEquals(LORA_URL, models.get(1).get("url").asText());
        assertEquals(loraSha, models.get(1).get("hash").asText());
        assertEquals("loras", models.get(1).get("directory").asText());
        assertTrue(PngTextChunks.read(png).get("parameters").contains("Model hash: " + ckptSha.substring(0, 10)),
                "A1111's Model hash is in the parameters too");

        // (a) machine B: the same files under other names, no library records: found by hash, same pixels
        Path b = dir.resolve("b").resolve("models");
        copy(ckpt, b.resolve("checkpoints/sd15-tiny-renamed.safetensors"));
        copy(lora, b.resolve("loras/my-lora-v2.safetensors"));
        RunCommandTest.Result again = RunCommandTest.run("run", png.toString(), "--models", b.toString(), "--out",
                dir.resolve("out-b").toString());
        assertEquals(0, again.code(), again.err());
        assertTrue(again.err().contains("checkpoints/mine.safetensors was found by its SHA-256 as"
                + " checkpoints/sd15-tiny-renamed.safetensors"), again.err());
        assertTrue(again.err().contains("loras/style.safetensors was found by its SHA-256 as"
                + " loras/my-lora-v2.safetensors"), again.err());
        Path second = dir.resolve("out-b").resolve("made_00001_.png");
        assertSamePixels(png, second);
        JsonNode uiB = new ObjectMapper().readTree(PngTextChunks.read(second).get("workflow"));
        assertEquals("sd15-tiny-renamed.safetensors", uiB.get("models").get(0).get("name").asText(),
                "the new PNG records the local names with the same hashes and sources");
        assertEquals(ckptSha, uiB.get("models").get(0).get("hash").asText());
        assertEquals(CKPT_URL, uiB.get("models").get(0).get("url").asText());

        // (b) one model missing: the file, its SHA-256 and its source, and how to get it; nothing runs
        Files.delete(b.resolve("loras/my-lora-v2.safetensors"));
        RunCommandTest.Result missing = RunCommandTest.run("run", png.toString(), "--models", b.toString(), "--out",
                dir.resolve("out-c").toString());
        assertEquals(2, missing.code(), missing.err());
        assertTrue(missing.err().contains("missing: loras/style.safetensors (sha256 " + loraSha + ", source "
                + LORA_URL + ")"), missing.err());
        assertTrue(missing.err().contains("get it with: ./noodle models add " + LORA_URL), missing.err());
        assertFalse(missing.err().contains("Exception"), missing.err());
        assertFalse(missing.err().contains("missing: checkpoints"), "the checkpoint was found: " + missing.err());
        assertFalse(Files.exists(dir.resolve("out-c")), "nothing ran");

        // (c) a file with the recorded name but other content is flagged with both hashes
        Path other = b.resolve("loras/style.safetensors");
        copy(lora, other);
        byte[] bytes = Files.readAllBytes(other);
        bytes[bytes.length - 4] ^= 1; // the lowest mantissa bit of the last weight
        Files.write(other, bytes);
        String otherSha = ModelHashes.sha256(other);
        RunCommandTest.Result flagged = RunCommandTest.run("run", png.toString(), "--models", b.toString(), "--out",
                dir.resolve("out-d").toString(), "--form");
        assertEquals(0, flagged.code(), flagged.err());
        assertTrue(flagged.err().contains("warning: loras/style.safetensors is not the file the workflow was made"
                + " with: it has SHA-256 " + otherSha + ", the workflow recorded " + loraSha), flagged.err());
    }

    private static void copy(Path from, Path to) throws Exception {
        Files.createDirectories(to.getParent());
        Files.copy(from, to);
    }

    private static void assertSamePixels(Path first, Path second) throws Exception {
        BufferedImage x = ImageIO.read(first.toFile());
        BufferedImage y = ImageIO.read(second.toFile());
        assertEquals(x.getWidth(), y.getWidth());
        assertEquals(x.getHeight(), y.getHeight());
        assertArrayEquals(x.getRGB(0, 0, x.getWidth(), x.getHeight(), null, 0, x.getWidth()),
                y.getRGB(0, 0, y.getWidth(), y.getHeight(), null, 0, y.getWidth()), "same pixels");
    }
}
