package dev.noodle.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code noodle run} as a user meets it: exit codes and one readable line per problem, no stack traces. */
class RunCommandTest {
    record Result(int code, String err, String out) {}

    static Result run(String... args) {
        PrintStream old = System.err;
        PrintStream oldOut = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            CommandLine cl = NoodleCommand.commandLine();
            cl.setErr(new java.io.PrintWriter(System.err, true));
            int code = cl.execute(args);
            return new Result(code, buf.toString(StandardCharsets.UTF_8), out.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(old);
            System.setOut(oldOut);
        }
    }

    @Test
    void anInvalidComfyUiPromptExitsTwoWithOneLinePerProblem(@TempDir Path dir) throws Exception {
        Path prompt = dir.resolve("bad.json");
        Files.writeString(prompt, """
                {
                  "1": {"class_type": "NoSuchNode", "inputs": {}},
                  "3": {"class_type": "KSampler", "inputs": {"seed": 1, "steps": 0, "cfg": 8, "sampler_name": "euler",
                        "scheduler": "normal", "positive": ["6", 0], "negative": ["7", 0],
                        "latent_image": ["99", 0], "denoise": 1, "model": ["4", 0]}},
                  "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "noodle-demo-tiny-sd15.safetensors"}},
                  "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a", "clip": ["7", 0]}},
                  "7": {"class_type": "ConditioningCombine", "inputs": {"conditioning_1": ["6", 0], "conditioning_2": ["6", 0]}},
                  "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
                  "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "x", "images": ["8", 0]}}
                }
                """);
        Result r = run("run", prompt.toString(), "--models", dir.resolve("models").toString(), "--out",
                dir.resolve("out").toString());
        assertEquals(2, r.code(), r.err());
        List<String> lines = r.err().lines().filter(l -> l.startsWith("invalid: ")).toList();
        assertTrue(lines.stream().anyMatch(l -> l.contains("node 1") && l.contains("NoSuchNode")), r.err());
        assertTrue(lines.stream().anyMatch(l -> l.contains("node 3") && l.contains("steps")), r.err());
        assertTrue(lines.stream().anyMatch(l -> l.contains("99")), "link to a missing node: " + r.err());
        assertTrue(lines.stream().anyMatch(l -> l.contains("cycle") || l.contains("dependency_cycle")), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        assertFalse(Files.exists(dir.resolve("out")), "nothing ran");
    }

    @Test
    void missingAndMalformedFilesExitTwo(@TempDir Path dir) throws Exception {
        Result missing = run("run", dir.resolve("nope.json").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("nope.json"), missing.err());
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{ \"3\": { \"class_type\": ");
        Result malformed = run("run", bad.toString());
        assertEquals(2, malformed.code());
        assertTrue(malformed.err().contains("bad.json"), malformed.err());
        assertFalse(malformed.err().contains("\tat "), malformed.err());
    }

    @Test
    void aBadOverrideIsRefusedNamingTheNode(@TempDir Path dir) throws Exception {
        Result r = run("run", Path.of("../workflows/txt2img.json").toString(), "--set", "42.seed=1", "--models",
                dir.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("no node '42'"), r.err());
    }

    @Test
    void aFolderIsNamedAsOneWithItsWorkflowFiles(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("b.json"), "{}");
        Files.writeString(dir.resolve("a.png"), "x");
        Files.writeString(dir.resolve("notes.txt"), "x");
        Result r = run("run", dir.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains(dir + " is a folder"), r.err());
        List<String> listed = r.err().lines().filter(l -> l.startsWith("  ")).map(String::strip).toList();
        assertEquals(List.of(dir.resolve("a.png").toString(), dir.resolve("b.json").toString()), listed, r.err());
        assertFalse(r.err().contains("no such workflow file"), r.err());
    }

    @Test
    void overridesAreCheckedAgainstTheNodeAndSaidInPlainWords(@TempDir Path dir) throws Exception {
        Result text = run("run", "../workflows/txt2img.json", "--set", "3.seed=abc", "--models", dir.toString());
        assertEquals(2, text.code(), text.err());
        assertTrue(text.err().contains("invalid: node 3 (KSampler) input 'seed': 'abc' is not a whole number"),
                text.err());
        assertFalse(text.err().contains("int()") || text.err().contains("a INT"), text.err());
        Result wrongNode = run("run", "../workflows/txt2img.json", "--set", "5.seed=1", "--models", dir.toString());
        assertEquals(2, wrongNode.code(), wrongNode.err());
        assertTrue(wrongNode.err().contains("node 5 (EmptyLatentImage) has no input 'seed'; its inputs are width,"
                + " height, batch_size"), wrongNode.err());
    }

    @Test
    void aMissingCheckpointNamesTheFolderToPutItIn(@TempDir Path dir) throws Exception {
        Result r = run(smallTxt2img(dir, "--set", "4.ckpt_name=mine.safetensors"));
        assertEquals(2, r.code(), r.err());
        Path folder = dir.resolve("models/checkpoints").toAbsolutePath().normalize();
        assertTrue(r.err().contains("'mine.safetensors' is not in " + folder + ". Put the file in that folder"),
                r.err());
        assertFalse(Files.exists(dir.resolve("out")), "nothing ran");
    }

    @Test
    void aRunSaysWhereEachImageWentAndRunningThePngAgainWritesTheSameFile(@TempDir Path dir) throws Exception {
        // a ComfyUI API prompt with its inputs in an order of the author's choosing
        Path prompt = dir.resolve("shuffled.json");
        Files.writeString(prompt, """
                {
                  "9": {"class_type": "SaveImage", "inputs": {"images": ["8", 0], "filename_prefix": "again"}},
                  "3": {"class_type": "KSampler", "inputs": {"positive": ["6", 0], "cfg": 8, "negative": ["7", 0],
                        "steps": 2, "latent_image": ["5", 0], "denoise": 1, "seed": 42, "model": ["4", 0],
                        "sampler_name": "euler", "scheduler": "normal"}},
                  "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "noodle-demo-tiny-sd15.safetensors"}},
                  "6": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["4", 1], "text": "a cat"}},
                  "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "", "clip": ["4", 1]}},
                  "5": {"class_type": "EmptyLatentImage", "inputs": {"batch_size": 1, "height": 64, "width": 64}},
                  "8": {"class_type": "VAEDecode", "inputs": {"vae": ["4", 2], "samples": ["3", 0]}}
                }
                """);
        String models = dir.resolve("models").toString();
        Path out = dir.resolve("out");
        Result first = run("run", prompt.toString(), "--models", models, "--out", out.toString());
        assertEquals(0, first.code(), first.err());
        Path png = out.resolve("again_00001_.png");
        assertEquals(List.of("saved " + png.toAbsolutePath()), first.out().lines().toList(), first.out());

        Result again = run("run", png.toString(), "--models", models, "--out", out.toString());
        assertEquals(0, again.code(), again.err());
        Path second = out.resolve("again_00002_.png");
        assertEquals(List.of("saved " + second.toAbsolutePath()), again.out().lines().toList(), again.out());
        assertEquals(-1, Files.mismatch(png, second), "the re-run writes the same bytes");
    }

    @Test
    void helpListsEveryKindOfFileTheReadmeDoes() throws Exception {
        Result r = run("run", "--help");
        assertEquals(0, r.code(), r.err());
        String help = r.out().replaceAll("\\s+", " ");
        // the README's list: "a Noodle workflow, a ComfyUI API prompt, a ComfyUI UI workflow, or a PNG made by
        // Noodle, ComfyUI or AUTOMATIC1111 (its embedded workflow, or its infotext turned into a graph)"
        String readme = Files.readString(Path.of("../README.md")).replaceAll("\\s+", " ");
        for (String kind : List.of("Noodle workflow", "ComfyUI API prompt", "ComfyUI UI workflow", "PNG",
                "AUTOMATIC1111", "infotext", "embedded workflow")) {
            assertTrue(readme.contains(kind), "README lists " + kind);
            assertTrue(help.contains(kind), "run --help lists " + kind + ": " + help);
        }
    }

    @Test
    void aMistypedCommandSuggestsTheCloseOnes() {
        for (String[] args : new String[][] {{"rnu"}, {"rnu", "../workflows/txt2img.json"}}) {
            Result r = run(args);
            assertEquals(2, r.code(), r.err());
            assertTrue(r.err().contains("'rnu' is not a command or a file. Did you mean: noodle run?"), r.err());
            assertFalse(r.err().contains("soak") || r.err().contains("convert"), r.err());
        }
        assertEquals(List.of("run"), CommandSuggestions.closest("rnu", List.of("bench", "convert", "run", "serve",
                "soak")));
        assertEquals(List.of("convert", "concert"), CommandSuggestions.closest("convrt", List.of("concert", "convert",
                "run")), "best match first");
        assertEquals(List.of(), CommandSuggestions.closest("xyzzy", List.of("bench", "convert", "run")));
    }

    private static String[] smallTxt2img(Path dir, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("run", "../workflows/txt2img.json", "--models",
                dir.resolve("models").toString(), "--out", dir.resolve("out").toString(), "--set", "5.width=64",
                "--set", "5.height=64", "--set", "3.steps=2"));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    @Test
    void theExampleRunsOnTheDemoModelAndARepeatReRunsNothing(@TempDir Path dir) throws Exception {
        Result r = run(smallTxt2img(dir, "--repeat", "2"));
        assertEquals(0, r.code(), r.err());
        Path png = dir.resolve("out/ComfyUI_00001_.png");
        assertTrue(Files.isRegularFile(png), r.err());
        assertEquals(64, ImageIO.read(png.toFile()).getWidth());
        assertTrue(r.err().contains("demo model"), "the demo model says its images are abstract: " + r.err());
        List<String> finished = r.err().lines().filter(l -> l.startsWith("finished: ")).toList();
        assertEquals(2, finished.size(), r.err());
        assertTrue(finished.get(0).startsWith("finished: 7 executed, 0 cached"), finished.get(0));
        // The second run in the same process loads no model and encodes no text: every node comes from the cache.
        assertTrue(finished.get(1).startsWith("finished: 0 executed, 7 cached"), finished.get(1));
        assertTrue(r.err().contains("node 4: cached") && r.err().contains("node 6: cached"), r.err());
    }

    @Test
    void aSizeThatIsAMultipleOfEightButNotOfSixtyFourRuns(@TempDir Path dir) throws Exception {
        // ComfyUI takes any multiple of 8: 72×64 pixels is a 9×8 latent, whose odd side the UNet rounds up on
        // the way down and restores on the way up
        Result r = run("run", "../workflows/txt2img.json", "--models", dir.resolve("models").toString(), "--out",
                dir.resolve("out").toString(), "--set", "5.width=72", "--set", "5.height=64", "--set", "3.steps=2");
        assertEquals(0, r.code(), r.err());
        java.awt.image.BufferedImage png = ImageIO.read(dir.resolve("out/ComfyUI_00001_.png").toFile());
        assertEquals(72, png.getWidth());
        assertEquals(64, png.getHeight());
    }

    @Test
    void aNodeFailingAtRunTimeExitsOneWithOneLineNamingTheNode(@TempDir Path dir) throws Exception {
        Path ckpts = Files.createDirectories(dir.resolve("models/checkpoints"));
        Files.write(ckpts.resolve("broken.safetensors"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
        Result r = run(smallTxt2img(dir, "--set", "4.ckpt_name=broken.safetensors"));
        assertEquals(1, r.code(), r.err());
        List<String> errors = r.err().lines().filter(l -> l.startsWith("error: ")).toList();
        assertEquals(1, errors.size(), r.err());
        assertTrue(errors.get(0).startsWith("error: node 4 (CheckpointLoaderSimple): "), errors.get(0));
        assertTrue(errors.get(0).contains("broken.safetensors"), errors.get(0));
        assertFalse(r.err().contains("\tat "), "no stack trace without --debug: " + r.err());
        assertFalse(Files.exists(dir.resolve("out/ComfyUI_00001_.png")));

        Result debug = run(smallTxt2img(dir, "--set", "4.ckpt_name=broken.safetensors", "--debug"));
        assertEquals(1, debug.code(), debug.err());
        assertTrue(debug.err().contains("\tat "), "--debug prints the stack trace: " + debug.err());
    }

    @Test
    void aCheckpointInAnA1111FolderListedInExtraModelPathsRuns(@TempDir Path dir) throws Exception {
        Path webui = Files.createDirectories(dir.resolve("webui/models/Stable-diffusion"));
        dev.noodle.engine.model.DemoCheckpoint.ensure(webui.resolve("mine.safetensors"));
        Files.writeString(dir.resolve("extra_model_paths.yaml"), """
                broken: 3
                a111:
                    base_path: webui
                    checkpoints: models/Stable-diffusion
                """);
        Result r = run(smallTxt2img(dir, "--set", "4.ckpt_name=mine.safetensors"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("noodle: warning: ") && r.err().contains("section 'broken'"),
                "the bad section is named and skipped: " + r.err());
        assertTrue(Files.isRegularFile(dir.resolve("out/ComfyUI_00001_.png")), r.err());

        Result missing = run(smallTxt2img(dir, "--extra-model-paths", dir.resolve("none.yaml").toString()));
        assertEquals(2, missing.code(), missing.err());
        assertTrue(missing.err().contains("none.yaml"), missing.err());
    }
}
