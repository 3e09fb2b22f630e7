package dev.noodle.engine.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.noodle.engine.image.ImageResize.PillowFilter;
import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.io.SafetensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PrepImageForClipVision's crops, pad, Pillow filters and contrast-adaptive sharpening against a re-statement with
 * Pillow and torch ({@code src/test/python/prep_clip_vision_reference.py}).
 */
class ClipVisionPrepTest {
    @TempDir
    Path dir;

    private record Case(String name, PillowFilter filter, ClipVisionPrep.Position position, double sharpening) {}

    @Test
    void matchesPillowAndTorch() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        assumeTrue(Files.isExecutable(python), "python3 is not installed");
        Process probe = new ProcessBuilder(python.toString(), "-c", "import torch, numpy, PIL")
                .redirectErrorStream(true).start();
        assumeTrue(probe.waitFor(120, TimeUnit.SECONDS) && probe.exitValue() == 0, "python3 has no torch or PIL");
        for (int[] hw : new int[][] {{37, 53}, {61, 29}, {300, 260}}) {
            check(hw[0], hw[1], python);
        }
    }

    private void check(int h, int w, Path python) throws Exception {
        int b = 2;
        Random r = new Random(h * 31L + w);
        float[] img = new float[b * h * w * 3];
        for (int i = 0; i < img.length; i++) {
            // smooth structure plus noise, with flat black and white patches (the sharpening's 0/0 and clamps)
            int x = (i / 3) % w;
            int y = (i / 3 / w) % h;
            float v = (float) (0.5 + 0.35 * Math.sin(x * 0.4 + y * 0.23 + i % 3) + 0.1 * r.nextGaussian());
            if (x < 5 && y < 5) {
                v = 0f;
            } else if (x > w - 5 && y > h - 5) {
                v = 1f;
            }
            img[i] = Math.max(0f, Math.min(1f, v));
        }
        List<Case> cases = new ArrayList<>();
        int n = 0;
        for (PillowFilter f : PillowFilter.values()) {
            cases.add(new Case("c" + n++, f, ClipVisionPrep.Position.CENTER, 0));
        }
        for (ClipVisionPrep.Position p : ClipVisionPrep.Position.values()) {
            cases.add(new Case("c" + n++, PillowFilter.LANCZOS, p, 0));
        }
        cases.add(new Case("c" + n++, PillowFilter.BICUBIC, ClipVisionPrep.Position.PAD, 0.35));
        cases.add(new Case("c" + n++, PillowFilter.LANCZOS, ClipVisionPrep.Position.TOP, 1.0));
        Path in = dir.resolve("in" + h + "x" + w + ".safetensors");
        new SafetensorsWriter().addF32("image", new long[] {b, h, w, 3}, img).write(in);
        Path out = dir.resolve("out" + h + "x" + w + ".safetensors");
        List<String> cmd = new ArrayList<>(List.of(python.toString(), "src/test/python/prep_clip_vision_reference.py",
                in.toString(), out.toString()));
        for (Case c : cases) {
            cmd.add(c.name + ":" + c.filter.name() + ":" + c.position.comfyName() + ":" + c.sharpening);
        }
        Process ref = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(ref.getInputStream().readAllBytes());
        assertTrue(ref.waitFor(300, TimeUnit.SECONDS), "reference timed out");
        assertEquals(0, ref.exitValue(), log);
        try (ModelFile expected = ModelFiles.open(out)) {
            for (Case c : cases) {
                float[] want = expected.loadFloats(c.name);
                float[] got = ClipVisionPrep.prepare(img, b, h, w, c.filter, c.position, c.sharpening);
                assertEquals(want.length, got.length, c.toString());
                double worst = 0;
                for (int i = 0; i < want.length; i++) {
                    worst = Math.max(worst, Math.abs(want[i] - got[i]));
                }
                assertTrue(worst <= (c.sharpening > 0 ? 1e-5 : 1e-7), h + "x" + w + " " + c + ": off by " + worst);
            }
        }
    }
}
