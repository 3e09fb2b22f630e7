package dev.noodle.nodes;

import dev.noodle.nodes.host.ExtraModelPaths;
import dev.noodle.nodes.host.ModelFolders;
import dev.noodle.nodes.host.ModelKind;
import dev.noodle.nodes.host.NodeEnvironment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.engine.adapters.EmbeddingLibrary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ComfyUI's {@code extra_model_paths.yaml} (bad-inputs M1, M2): folders of another install are listed and loaded;
 * a bad section is skipped with a warning naming the file and section while the others load; a file YAML cannot
 * parse or that uses Java tags loads nothing and says why.
 */
class ExtraModelPathsTest {
    private static Path touch(Path p) throws IOException {
        Files.createDirectories(p.getParent());
        Files.write(p, new byte[] {1});
        return p;
    }

    private static ExtraModelPaths load(Path yaml, String text) throws IOException {
        Files.writeString(yaml, text);
        return ExtraModelPaths.load(yaml, Map.of("HOME", yaml.getParent().resolve("home").toString(),
                "SD", yaml.getParent().resolve("sd").toString())::get);
    }

    @Test
    void anA1111InstallsFoldersAreListedAndResolvedAfterTheModelsRoot(@TempDir Path dir) throws IOException {
        Path webui = dir.resolve("stable-diffusion-webui");
        touch(webui.resolve("models/Stable-diffusion/dreamshaper.safetensors"));
        touch(webui.resolve("models/Stable-diffusion/sub/old.ckpt"));
        touch(webui.resolve("models/Lora/detail.safetensors"));
        touch(webui.resolve("models/LyCORIS/loha.safetensors"));
        Path theirs = touch(webui.resolve("models/Stable-diffusion/shared.safetensors"));
        Path ours = touch(dir.resolve("models/checkpoints/shared.safetensors"));
        ExtraModelPaths extra = load(dir.resolve(ExtraModelPaths.FILE_NAME), """
                a111:
                    base_path: stable-diffusion-webui/
                    checkpoints: models/Stable-diffusion
                    configs: models/Stable-diffusion
                    loras: |
                         models/Lora
                         models/LyCORIS
                    upscale_models: models/ESRGAN
                """);
        assertEquals(List.of(), extra.warnings(), "upscale_models/configs are kinds Noodle ignores quietly");
        ModelFolders folders = new ModelFolders(dir.resolve("models"), extra);
        assertEquals(List.of("dreamshaper.safetensors", "shared.safetensors", "sub/old.ckpt"),
                folders.list(ModelKind.CHECKPOINTS));
        assertEquals(List.of("detail.safetensors", "loha.safetensors"), folders.list(ModelKind.LORAS));
        assertEquals(webui.resolve("models/LyCORIS/loha.safetensors"), folders.resolve(ModelKind.LORAS,
                "loha.safetensors"));
        assertEquals(ours.toAbsolutePath(), folders.resolve(ModelKind.CHECKPOINTS, "shared.safetensors"),
                "the models root is searched first; " + theirs + " is shadowed");
        // containment holds in the extra folders too
        assertThrows(IllegalArgumentException.class,
                () -> folders.resolve(ModelKind.CHECKPOINTS, "../Lora/detail.safetensors"));
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> folders.resolve(ModelKind.CHECKPOINTS, "nope.safetensors"));
        assertTrue(missing.getMessage().contains("Stable-diffusion"), "names every folder searched: "
                + missing.getMessage());
    }

    @Test
    void isDefaultFoldersAreSearchedBeforeTheModelsRoot(@TempDir Path dir) throws IOException {
        Path theirs = touch(dir.resolve("comfy/models/checkpoints/shared.safetensors"));
        touch(dir.resolve("models/checkpoints/shared.safetensors"));
        ExtraModelPaths extra = load(dir.resolve("extra.yaml"), """
                comfyui:
                    base_path: comfy
                    is_default: true
                    checkpoints:
                      - models/checkpoints
                """);
        assertEquals(theirs, new ModelFolders(dir.resolve("models"), extra).resolve(ModelKind.CHECKPOINTS,
                "shared.safetensors"));
    }

    @Test
    void m1BadSectionsAreSkippedWithAWarningAndTheOthersLoad(@TempDir Path dir) throws IOException {
        touch(dir.resolve("home/sd/Lora/a.safetensors"));
        touch(dir.resolve("sd/embeddings/cat.pt"));
        touch(dir.resolve("rel/vae/v.safetensors"));
        ExtraModelPaths extra = load(dir.resolve("extra_model_paths.yaml"), """
                just_text: hello
                gone:
                    base_path: /no/such/folder/anywhere
                    checkpoints: models
                home:
                    base_path: ~/sd
                    loras: Lora
                var:
                    base_path: $SD
                    embeddings: embeddings
                    vae: 42
                relative:
                    base_path: rel
                    vae: vae
                    hypernetworks: not-there
                """);
        ModelFolders folders = new ModelFolders(dir.resolve("models"), extra);
        assertEquals(List.of("a.safetensors"), folders.list(ModelKind.LORAS), "~ is expanded");
        assertEquals(List.of("cat.pt"), folders.list(ModelKind.EMBEDDINGS), "$VAR is expanded");
        assertEquals(List.of("v.safetensors"), folders.list(ModelKind.VAE), "a relative base is the YAML's folder");
        List<String> w = extra.warnings();
        assertEquals(4, w.size(), w.toString());
        assertTrue(w.get(0).contains("extra_model_paths.yaml section 'just_text'") && w.get(0).contains("mapping"),
                w.get(0));
        assertTrue(w.get(1).contains("'gone'") && w.get(1).contains("/no/such/folder/anywhere"), w.get(1));
        assertTrue(w.get(2).contains("'var'") && w.get(2).contains("'vae'"), w.get(2));
        assertTrue(w.get(3).contains("'relative'") && w.get(3).contains("not-there"), w.get(3));
    }

    @Test
    void m1TabIndentationLoadsNothingAndSaysWhichLine(@TempDir Path dir) throws IOException {
        touch(dir.resolve("sd/Lora/a.safetensors"));
        ExtraModelPaths extra = load(dir.resolve("extra_model_paths.yaml"),
                "a111:\n    base_path: sd\n\tloras: Lora\n");
        assertEquals(1, extra.warnings().size(), extra.warnings().toString());
        String w = extra.warnings().get(0);
        assertTrue(w.contains("extra_model_paths.yaml line 3") && w.contains("tab"), w);
        assertEquals(List.of(), new ModelFolders(dir.resolve("models"), extra).list(ModelKind.LORAS));
    }

    @Test
    void m1TheTopLevelMustBeSections(@TempDir Path dir) throws IOException {
        ExtraModelPaths extra = load(dir.resolve("e.yaml"), "- checkpoints\n- loras\n");
        assertEquals(1, extra.warnings().size());
        assertTrue(extra.warnings().get(0).contains("top level"), extra.warnings().get(0));
        assertEquals(List.of(), load(dir.resolve("empty.yaml"), "# nothing yet\n").warnings());
    }

    @Test
    void m2JavaTagsAreRefusedAndNothingIsInstantiated(@TempDir Path dir) throws IOException {
        touch(dir.resolve("sd/Lora/a.safetensors"));
        for (String evil : List.of(
                "a111:\n  base_path: sd\n  loras: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader"
                        + " [[!!java.net.URL [\"http://127.0.0.1:1/x.jar\"]]]]\n",
                "x: !!java.io.File [\"/etc/passwd\"]\n",
                "a111: !custom {base_path: sd}\n")) {
            ExtraModelPaths extra = load(dir.resolve("extra_model_paths.yaml"), evil);
            assertEquals(1, extra.warnings().size(), evil);
            assertTrue(extra.warnings().get(0).contains("refused") && extra.warnings().get(0).contains("tag"),
                    extra.warnings().get(0));
            assertEquals(List.of(), new ModelFolders(dir.resolve("models"), extra).list(ModelKind.LORAS), evil);
        }
    }

    @Test
    void aliasBombsAreRefusedQuickly(@TempDir Path dir) throws IOException {
        StringBuilder y = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x]\n");
        char prev = 'a';
        for (char c = 'b'; c <= 'k'; c++) {
            y.append(c).append(": &").append(c).append(" [");
            for (int i = 0; i < 9; i++) {
                y.append(i == 0 ? "" : ", ").append('*').append(prev);
            }
            y.append("]\n");
            prev = c;
        }
        ExtraModelPaths extra = load(dir.resolve("bomb.yaml"), y.toString());
        assertEquals(1, extra.warnings().size(), extra.warnings().toString());
        assertTrue(extra.warnings().get(0).contains("not valid YAML"), extra.warnings().get(0));
    }

    @Test
    void embeddingsInExtraFoldersResolveFromPrompts(@TempDir Path dir) throws IOException {
        Path cat = touch(dir.resolve("webui/embeddings/style/cat.pt"));
        touch(dir.resolve("models/embeddings/dog.safetensors"));
        ExtraModelPaths extra = load(dir.resolve(ExtraModelPaths.FILE_NAME),
                "a111:\n  base_path: webui\n  embeddings: embeddings\n");
        ModelFolders folders = new ModelFolders(dir.resolve("models"), extra);
        EmbeddingLibrary lib = EmbeddingLibrary.scan(folders.folders(ModelKind.EMBEDDINGS), 768);
        assertEquals(cat, lib.resolve("cat"));
        assertEquals(dir.resolve("models/embeddings/dog.safetensors").toAbsolutePath(), lib.resolve("dog"));
    }

    @Test
    void theFileBesideTheModelsFolderIsFoundAndAGivenMissingFileIsAnError(@TempDir Path dir) throws IOException {
        touch(dir.resolve("webui/models/Lora/x.safetensors"));
        Files.writeString(dir.resolve(ExtraModelPaths.FILE_NAME), "w:\n  base_path: webui\n  loras: models/Lora\n");
        NodeEnvironment env = NodeEnvironment.of(dir.resolve("models"), dir.resolve("output"));
        assertEquals(List.of("x.safetensors"), env.models().list(ModelKind.LORAS));
        java.io.UncheckedIOException e = assertThrows(java.io.UncheckedIOException.class,
                () -> NodeEnvironment.of(dir.resolve("models"), dir.resolve("output"), dir.resolve("nope.yaml")));
        assertTrue(e.getMessage().contains("nope.yaml") && e.getMessage().contains("does not exist"), e.getMessage());
    }
}
