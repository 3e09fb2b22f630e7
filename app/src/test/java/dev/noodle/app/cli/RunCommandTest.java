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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code noodle run} as a user meets it: exit codes and one readable line per problem, no stack traces. */
class RunCommandTest {
    record Result(int code, String err) {}

    static Result run(String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            int code = new CommandLine(new NoodleCommand())
                    .setExecutionExceptionHandler(NoodleCommand::handleExecutionException).execute(args);
            return new Result(code, buf.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(old);
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
}
