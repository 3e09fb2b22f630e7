package dev.noodle.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.app.cli.RunCommandTest.Result;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.model.FormInput;
import dev.noodle.graph.model.Workflow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code noodle run FILE --form} prints the workflow's form; {@code --set NAME=VALUE} sets its fields by name. */
class RunFormTest {
    private static final String TXT2IMG = "../workflows/txt2img.json";

    private static Result run(String... args) {
        return RunCommandTest.run(args);
    }

    @Test
    void formPrintsNamesTypesRangesAndCurrentValuesAfterTheSets(@TempDir Path dir) {
        Result r = run("run", TXT2IMG, "--form", "--models", dir.toString(), "--set", "steps=4", "--set",
                "5.width=640");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals("Form of " + TXT2IMG + "; set a field with --set NAME=VALUE:", lines.get(0));
        assertEquals(8, lines.size(), r.out());
        assertTrue(lines.get(1).matches("  prompt +STRING += \"beautiful scenery nature.*\" +text \\(several lines\\)"
                + " +\"Prompt\""), lines.get(1));
        assertTrue(lines.get(4).matches("  steps +INT += 4 +1\\.\\.10000 +\"Steps\""), lines.get(4));
        assertTrue(lines.get(5).matches("  cfg +FLOAT += 8\\.0 +0\\.0\\.\\.100\\.0 step 0\\.1 +\"CFG scale\""),
                lines.get(5));
        assertTrue(lines.get(6).matches("  width +INT += 640 +16\\.\\.16384 step 8 +\"Width\""), lines.get(6));
        assertFalse(Files.exists(dir.resolve("out")), "nothing ran");
    }

    @Test
    void aWorkflowWithoutAFormSaysSoAndAStaleEntryIsShownAsBroken(@TempDir Path dir) throws Exception {
        Workflow wf = WorkflowJson.read(Path.of(TXT2IMG));
        Path none = dir.resolve("none.json");
        Files.writeString(none, WorkflowJson.write(wf.withForm(List.of())));
        Result r = run("run", none.toString(), "--form", "--models", dir.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith(none + " has no form."), r.out());

        Path stale = dir.resolve("stale.json");
        Files.writeString(stale, WorkflowJson.write(wf.withForm(List.of(new FormInput("seed", "3", "seed", null),
                new FormInput("gone", "42", "seed", null)))));
        Result s = run("run", stale.toString(), "--form", "--models", dir.toString());
        assertEquals(0, s.code(), s.err());
        assertTrue(s.out().contains("  gone  broken: node 42 (input 'seed') is no longer in the workflow"), s.out());
        Result set = run("run", stale.toString(), "--set", "gone=3", "--models", dir.toString());
        assertEquals(2, set.code(), set.err());
        assertTrue(set.err().contains("--set 'gone=3': gone: node 42 (input 'seed') is no longer in the workflow"),
                set.err());
    }

    @Test
    void badNamesAndValuesAreRefusedNamingTheFieldAndNothingRuns(@TempDir Path dir) {
        Result unknown = run("run", TXT2IMG, "--set", "sead=1", "--models", dir.toString());
        assertEquals(2, unknown.code(), unknown.err());
        assertTrue(unknown.err().contains("--set 'sead=1': 'sead' is not a name in the workflow's form (its names"
                + " are prompt, negative, seed, steps, cfg, width, height)"), unknown.err());
        Result fraction = run("run", TXT2IMG, "--set", "steps=2.5", "--models", dir.toString());
        assertEquals(2, fraction.code(), fraction.err());
        assertTrue(fraction.err().contains("--set 'steps=2.5': steps: '2.5' is not a whole number (node 3 input"
                + " 'steps')"), fraction.err());
        Result range = run("run", TXT2IMG, "--set", "cfg=500", "--models", dir.toString());
        assertEquals(2, range.code(), range.err());
        assertTrue(range.err().contains("cfg: 500.0 is outside 0.0..100.0 (node 3 input 'cfg')"), range.err());
        assertFalse(range.err().contains("\tat "), range.err());
        assertFalse(Files.exists(dir.resolve("out")));
    }

    @Test
    void formNamesAndNodeInputsSetTogetherRunOnTheDemoModel(@TempDir Path dir) throws Exception {
        Result r = run("run", TXT2IMG, "--models", dir.resolve("models").toString(), "--out",
                dir.resolve("out").toString(), "--set", "width=64", "--set", "height=72", "--set", "steps=2",
                "--set", "prompt=a red fox", "--set", "9.filename_prefix=formrun");
        assertEquals(0, r.code(), r.err());
        Path png = dir.resolve("out/formrun_00001_.png");
        java.awt.image.BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(64, img.getWidth());
        assertEquals(72, img.getHeight());
        String text = new String(Files.readAllBytes(png), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(text.contains("a red fox"), "the PNG's prompt carries the form's value");
    }
}
