package dev.noodle.app.packs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.app.cli.NoodleCommand;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Node packs as a user meets them on the command line: the example pack built from the repository and dropped into
 * {@code custom_nodes/} is listed by {@code noodle nodes} and runs in a workflow; broken packs are refused by name and
 * the rest still runs; {@code --disable-custom-nodes} loads none.
 */
class NodePacksCliTest {
    record Result(int code, String out, String err) {}

    static Result noodle(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = new CommandLine(new NoodleCommand())
                    .setExecutionExceptionHandler(NoodleCommand::handleExecutionException).execute(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    private static Result run(Path home, String prompt, String out, String... extra) throws Exception {
        Path file = Files.writeString(home.resolve(out + ".json"), prompt);
        List<String> args = new ArrayList<>(List.of("run", file.toString(), "--models", home.resolve("models")
                .toString(), "--out", home.resolve(out).toString()));
        args.addAll(List.of(extra));
        return noodle(args.toArray(String[]::new));
    }

    @Test
    void theExamplePackIsListedWithItsNodesAndItsJar(@TempDir Path home) throws Exception {
        Path jar = PackJars.example(home.resolve("custom_nodes/example-pack.jar"));
        Result r = noodle("nodes", "--models", home.resolve("models").toString());
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.get(0).startsWith("noodle 0.1.0 (built in): "), r.out());
        assertTrue(lines.stream().anyMatch(l -> l.matches(" +KSampler +KSampler +sampling")), r.out());
        int pack = lines.indexOf("example-pack 1.0.0 (" + jar.toAbsolutePath().normalize() + "): 2 node types");
        assertTrue(pack > 0, r.out());
        assertTrue(lines.get(pack + 1).matches(" +ExampleInvertImage +Invert Image +example/image"), r.out());
        assertTrue(lines.get(pack + 2).matches(" +ExampleImageBrightness +Image Brightness +example/image"), r.out());
        assertTrue(r.err().contains("custom node packs are code you chose to run")
                && r.err().contains("example-pack 1.0.0"), "the notice names the pack: " + r.err());

        Result off = noodle("nodes", "--models", home.resolve("models").toString(), "--disable-custom-nodes");
        assertEquals(0, off.code(), off.err());
        assertFalse(off.out().contains("example-pack") || off.out().contains("ExampleInvertImage"), off.out());
        assertTrue(off.out().startsWith("noodle 0.1.0 (built in): "), off.out());
        assertEquals("", off.err());
    }

    @Test
    void invertImageFromTheExamplePackRunsAndInvertsTheDecodedPixels(@TempDir Path home) throws Exception {
        PackJars.example(home.resolve("custom_nodes/example-pack.jar"));
        Result plain = run(home, TestPacks.txt2img("plain", null), "plain");
        assertEquals(0, plain.code(), plain.err());
        Result inverted = run(home, TestPacks.txt2img("inverted", "ExampleInvertImage"), "inverted");
        assertEquals(0, inverted.code(), inverted.err());
        assertTrue(inverted.err().contains("custom node packs are code you chose to run"), inverted.err());

        BufferedImage a = ImageIO.read(home.resolve("plain/plain_00001_.png").toFile());
        BufferedImage b = ImageIO.read(home.resolve("inverted/inverted_00001_.png").toFile());
        assertEquals(a.getWidth(), b.getWidth());
        int differing = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                int p = a.getRGB(x, y);
                int q = b.getRGB(x, y);
                for (int shift = 0; shift <= 16; shift += 8) {
                    int expected = 255 - (p >> shift & 0xff);
                    int got = q >> shift & 0xff;
                    assertTrue(Math.abs(expected - got) <= 1, "pixel " + x + "," + y + ": " + got + " is not 255 - "
                            + (p >> shift & 0xff));
                    differing += expected != (p >> shift & 0xff) ? 1 : 0;
                }
            }
        }
        assertTrue(differing > 0, "the image is not its own negative");
    }

    @Test
    void brokenPacksAreRefusedByNameAndEverythingElseRuns(@TempDir Path home) throws Exception {
        Path customNodes = home.resolve("custom_nodes");
        TestPacks.notAJar(customNodes.resolve("bad.jar"));
        TestPacks.redefiningKSampler(customNodes.resolve("evil.jar"));
        TestPacks.throwingAtLoad(customNodes.resolve("crashy.jar"));
        TestPacks.newerApi(customNodes.resolve("future.jar"));
        PackJars.example(customNodes.resolve("example-pack.jar"));
        Files.writeString(customNodes.resolve("README.txt"), "not a jar: ignored\n");

        Result list = noodle("nodes", "--models", home.resolve("models").toString());
        assertEquals(0, list.code(), list.err());
        List<String> warnings = list.err().lines().filter(l -> l.startsWith("noodle: warning: ")).toList();
        assertEquals(4, warnings.size(), list.err());
        assertTrue(warnings.stream().anyMatch(w -> w.contains(customNodes.resolve("bad.jar").toString()
                + " is not a valid jar (") && w.endsWith("remove it or replace it.")), list.err());
        assertTrue(warnings.stream().anyMatch(w -> w.contains("evil.jar: node pack 'evil-pack 1.0.0' redefines the"
                + " node type 'KSampler', which is built into Noodle")), list.err());
        assertTrue(warnings.stream().anyMatch(w -> w.contains("crashy.jar: node pack 'crashy-pack 0.1' failed while"
                + " creating its nodes (IllegalStateException: cannot find its settings)")), list.err());
        assertTrue(warnings.stream().anyMatch(w -> w.contains("future.jar: node pack 'future-pack 2.0' was written"
                + " for node API 3")), list.err());
        assertFalse(list.err().contains("\tat "), "no stack trace: " + list.err());
        assertTrue(list.out().contains("example-pack 1.0.0 ("), "the good pack still loads: " + list.out());
        assertFalse(list.out().contains("evil-pack") || list.out().contains("EvilExtra"),
                "the whole redefining pack is refused: " + list.out());

        // KSampler is still Noodle's, and a workflow using it and the example pack runs
        Result r = run(home, TestPacks.txt2img("ok", "ExampleInvertImage"), "ok");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("evil-pack"), "run prints the refusals too: " + r.err());
        assertTrue(Files.isRegularFile(home.resolve("ok/ok_00001_.png")), r.err());
    }

    @Test
    void aPackNodeFailingAtRunTimeFailsThatRunNamingThePack(@TempDir Path home) throws Exception {
        TestPacks.failingAtRunTime(home.resolve("custom_nodes/fragile.jar"));
        Result r = run(home, TestPacks.txt2img("fragile", "FragileInvert"), "fragile");
        assertEquals(1, r.code(), r.err());
        List<String> errors = r.err().lines().filter(l -> l.startsWith("error: ")).toList();
        assertEquals(1, errors.size(), r.err());
        assertTrue(errors.get(0).startsWith("error: node 10 (FragileInvert): NoClassDefFoundError: test/fragile/Missing"),
                errors.get(0));
        assertTrue(errors.get(0).endsWith("(node pack fragile-pack 1.0.0)"), errors.get(0));
        assertFalse(r.err().contains("\tat "), r.err());

        Result next = run(home, TestPacks.txt2img("after", null), "after");
        assertEquals(0, next.code(), next.err());
    }

    @Test
    void disableCustomNodesOpensNoJar(@TempDir Path home) throws Exception {
        TestPacks.notAJar(home.resolve("custom_nodes/bad.jar"));
        PackJars.example(home.resolve("custom_nodes/example-pack.jar"));
        Result plain = run(home, TestPacks.txt2img("plain", null), "plain", "--disable-custom-nodes");
        assertEquals(0, plain.code(), plain.err());
        assertFalse(plain.err().contains("bad.jar") || plain.err().contains("example-pack"), plain.err());

        Result withPack = run(home, TestPacks.txt2img("inv", "ExampleInvertImage"), "inv", "--disable-custom-nodes");
        assertEquals(2, withPack.code(), withPack.err());
        assertTrue(withPack.err().contains("ExampleInvertImage"), withPack.err());
    }
}
