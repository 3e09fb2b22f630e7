package dev.noodle.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.engine.model.TinyCheckpoints;
import dev.noodle.nodes.host.DemoAddons;
import dev.noodle.nodes.interop.ModelHashes;
import dev.noodle.nodes.library.ModelLibrary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code noodle models add|list|scan} as a user meets them, run in-process. */
class ModelsCommandTest {
    @TempDir
    Path dir;

    /** An SDXL LoRA as kohya sd-scripts writes one (LDM UNet names, both text encoders), zero factors. */
    static Path sdxlLora(Path file, String... metadata) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        for (int i = 0; i + 1 < metadata.length; i += 2) {
            w.metadata(metadata[i], metadata[i + 1]);
        }
        String[][] modules = {{"lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k", "640", "2048"},
                {"lora_te1_text_model_encoder_layers_0_self_attn_q_proj", "768", "768"},
                {"lora_te2_text_model_encoder_layers_0_self_attn_q_proj", "1280", "1280"}};
        for (String[] m : modules) {
            int out = Integer.parseInt(m[1]);
            int in = Integer.parseInt(m[2]);
            w.addF16(m[0] + ".lora_down.weight", new long[] {4, in}, new float[4 * in]);
            w.addF16(m[0] + ".lora_up.weight", new long[] {out, 4}, new float[out * 4]);
            w.addF32(m[0] + ".alpha", new long[] {}, new float[] {4});
        }
        Files.createDirectories(file.getParent());
        w.write(file);
        return file;
    }

    @Test
    void addFilesEachFileInItsFolderAndSaysWhatItDid() throws IOException {
        Path models = dir.resolve("models");
        Path downloads = Files.createDirectories(dir.resolve("downloads"));
        Path lora = sdxlLora(downloads.resolve("detail-xl.safetensors"));
        Path ckpt = TinyCheckpoints.write(downloads.resolve("my-sd2.safetensors"), TinyCheckpoints.Kind.SD2_V);
        Path hn = downloads.resolve("anime.pt");
        DemoAddons.ensureHypernetwork(hn, 768);
        ConvertCommandTest.Result r = ConvertCommandTest.run("models", "add", "--models", models.toString(),
                lora.toString(), ckpt.toString(), hn.toString());
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(List.of(
                "filed detail-xl.safetensors as LoRA for SDXL in models/loras/detail-xl.safetensors (sha256 "
                        + ModelHashes.sha256(lora) + ")",
                "filed my-sd2.safetensors as checkpoint (v-prediction) for SD 2.x in models/checkpoints/my-sd2"
                        + ".safetensors (sha256 " + ModelHashes.sha256(ckpt) + ")",
                "filed anime.pt as hypernetwork for SD 1.x in models/hypernetworks/anime.pt (sha256 "
                        + ModelHashes.sha256(hn) + ")"), lines);
        assertTrue(Files.isRegularFile(models.resolve("loras/detail-xl.safetensors")));
        assertTrue(Files.isRegularFile(lora), "copied unless --move");

        // a login page saved under a model's name is refused, the others still filed; exit code 1
        Path page = Files.writeString(downloads.resolve("pony.safetensors"), "<html>Please log in</html>");
        Path pony = sdxlLora(downloads.resolve("pony-style.safetensors"), "ss_base_model_version", "sdxl_base_v1-0",
                "ss_sd_model_name", "ponyDiffusionV6XL_v6StartWithThisOne.safetensors");
        r = ConvertCommandTest.run("models", "add", "--models", models.toString(), "--move", page.toString(),
                pony.toString());
        assertEquals(1, r.code());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("noodle: ") && r.err().contains("pony.safetensors") && r.err().contains(
                "not filed"), r.err());
        assertTrue(r.out().startsWith("filed pony-style.safetensors as LoRA for Pony (SDXL) in models/loras/"),
                r.out());
        assertTrue(Files.notExists(pony), "moved");

        // list: table, filters, JSON
        r = ConvertCommandTest.run("models", "list", "--models", models.toString());
        assertEquals(0, r.code(), r.err());
        List<String> table = r.out().lines().toList();
        assertTrue(table.get(0).startsWith("KIND") && table.get(0).contains("AUTOV2"), table.get(0));
        assertEquals(5, table.size(), r.out());
        assertTrue(r.out().contains(ModelHashes.sha256(lora).substring(0, 10)), r.out());
        r = ConvertCommandTest.run("models", "list", "--models", models.toString(), "--base", "sdxl", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        List<String> paths = new ArrayList<>();
        json.forEach(n -> paths.add(n.path("path").asText()));
        assertEquals(List.of("loras/detail-xl.safetensors", "loras/pony-style.safetensors"), paths,
                "Pony LoRAs run on SDXL, so --base sdxl lists them");
        assertEquals("pony", json.get(1).path("base").asText());
        assertEquals(ModelHashes.addnetSha256(models.resolve("loras/detail-xl.safetensors")),
                json.get(0).path("addnet").asText());
        assertEquals("sdxl_base_v1-0", json.get(1).path("metadata").path("ss_base_model_version").asText());
        r = ConvertCommandTest.run("models", "list", "--models", models.toString(), "--kind", "hypernetwork");
        assertEquals(2, r.out().lines().count(), r.out());
        r = ConvertCommandTest.run("models", "list", "--models", models.toString(), "--base", "sd3");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("sd15, sd2, sdxl"), r.err());
    }

    @Test
    void scanIndexesTheFoldersAndBadDatabasesAreOneLine() throws IOException {
        Path models = dir.resolve("models");
        DemoAddons.ensure(models);
        ConvertCommandTest.Result r = ConvertCommandTest.run("models", "list", "--models", models.toString());
        assertTrue(r.out().contains("noodle models scan"), "an empty library says how to fill it: " + r.out());
        r = ConvertCommandTest.run("models", "scan", "--models", models.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains(": 9 added, 0 updated, 0 unchanged, 0 removed"), r.out());
        r = ConvertCommandTest.run("models", "list", "--models", models.toString(), "--kind", "upscaler", "--json");
        assertEquals(DemoAddons.UPSCALER, new ObjectMapper().readTree(r.out()).get(0).path("path").asText()
                .replace("upscale_models/", ""));
        Files.writeString(ModelLibrary.databaseBeside(models), "garbage, not a database");
        r = ConvertCommandTest.run("models", "scan", "--models", models.toString());
        assertEquals(1, r.code());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains(ModelLibrary.FILE_NAME), r.err());
    }
}
