package dev.noodle.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.app.cli.RunCommandTest.Result;
import dev.noodle.nodes.sampling.FewStepPresets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code noodle run FILE --preset NAME}: the few-step preset set on the samplers before any --set, listed, refused. */
class RunPresetTest {
    private static final String TXT2IMG = "../workflows/txt2img.json";

    private static String field(String form, String name) {
        return form.lines().filter(l -> l.startsWith("  " + name + " ")).findFirst().orElseThrow(() ->
                new AssertionError(name + " not in " + form));
    }

    @Test
    void aPresetSetsTheSamplerAndAnExplicitSetStillWins(@TempDir Path dir) {
        Result r = RunCommandTest.run("run", TXT2IMG, "--preset", "lightning-4", "--form", "--models", dir.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(field(r.out(), "steps").matches("  steps +INT += 4 .*"), r.out());
        assertTrue(field(r.out(), "cfg").matches("  cfg +FLOAT += 1\\.0 .*"), r.out());
        assertTrue(r.err().contains("preset lightning-4: euler/sgm_uniform, 4 steps, cfg 1"), r.err());

        Result t = RunCommandTest.run("run", TXT2IMG, "--preset", "turbo", "--set", "steps=2", "--form", "--models",
                dir.toString());
        assertEquals(0, t.code(), t.err());
        assertTrue(field(t.out(), "steps").matches("  steps +INT += 2 .*"), t.out());
        assertTrue(field(t.out(), "width").matches("  width +INT += 512 .*"), t.out());
    }

    @Test
    void listAndUnknownNames(@TempDir Path dir) {
        Result list = RunCommandTest.run("run", "--preset", "list");
        assertEquals(0, list.code(), list.err());
        List<String> lines = list.out().lines().toList();
        assertEquals(FewStepPresets.all().size(), lines.size(), list.out());
        for (FewStepPresets.Preset p : FewStepPresets.all()) {
            assertTrue(list.out().contains(p.id() + " ") && list.out().contains(p.settings()), p.id());
        }
        Result bad = RunCommandTest.run("run", TXT2IMG, "--preset", "lightning-3", "--models", dir.toString());
        assertEquals(2, bad.code());
        assertEquals("noodle: unknown preset 'lightning-3'; known: " + FewStepPresets.ids() + " (or --preset list)",
                bad.err().strip());
    }

    @Test
    void anLcmRunInsertsModelSamplingAndSavesAnImage(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        Result r = RunCommandTest.run("run", TXT2IMG, "--preset", "lcm", "--set", "width=64", "--set", "height=64",
                "--models", dir.resolve("models").toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        try (Stream<Path> s = Files.list(out)) {
            assertEquals(1, s.filter(p -> p.toString().endsWith(".png")).count());
        }
        assertTrue(r.err().contains("preset lcm: lcm/sgm_uniform, 4 steps, cfg 1.5, ModelSamplingDiscrete lcm"),
                r.err());
    }
}
