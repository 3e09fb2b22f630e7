package dev.noodle.engine.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.io.SafetensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Canny against an independent torch re-statement of kornia's algorithm ({@code nodes/src/test/python/
 * canny_reference.py}) on a synthetic image (a disc, a rotated square, a soft ramp and noise), at ComfyUI's default
 * thresholds and at lower ones; and a hand-checkable step edge.
 */
class CannyTest {
    @TempDir
    Path dir;

    static final int H = 48;
    static final int W = 56;

    static float[] synthetic() {
        float[] img = new float[H * W * 3];
        Random r = new Random(3);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                double v = 0.15 + 0.3 * x / W; // ramp
                if (Math.hypot(x - 16, y - 18) < 10) {
                    v = 0.9;
                }
                double u = (x - 38) * Math.cos(0.5) + (y - 30) * Math.sin(0.5);
                double t = -(x - 38) * Math.sin(0.5) + (y - 30) * Math.cos(0.5);
                if (Math.abs(u) < 8 && Math.abs(t) < 8) {
                    v = 0.05;
                }
                for (int c = 0; c < 3; c++) {
                    double tint = c == 0 ? 1.0 : c == 1 ? 0.8 : 1.2;
                    img[(y * W + x) * 3 + c] = (float) Math.clamp(v * tint + 0.03 * r.nextGaussian(), 0, 1);
                }
            }
        }
        return img;
    }

    @Test
    void matchesTheTorchReStatementOfKornia() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        assumeTrue(Files.isExecutable(python), "python3 is not installed");
        Process probe = new ProcessBuilder(python.toString(), "-c", "import torch, numpy").redirectErrorStream(true)
                .start();
        assumeTrue(probe.waitFor(120, TimeUnit.SECONDS) && probe.exitValue() == 0, "python3 has no torch");
        float[] img = synthetic();
        Path in = dir.resolve("image.safetensors");
        new SafetensorsWriter().addF32("image", new long[] {H, W, 3}, img).write(in);
        for (float[] th : new float[][] {{0.4f, 0.8f}, {0.1f, 0.3f}}) {
            Path out = dir.resolve("canny-" + th[0] + ".safetensors");
            Process ref = new ProcessBuilder(python.toString(), "src/test/python/canny_reference.py", in.toString(),
                    Float.toString(th[0]), Float.toString(th[1]), out.toString()).redirectErrorStream(true).start();
            String log = new String(ref.getInputStream().readAllBytes());
            assertTrue(ref.waitFor(120, TimeUnit.SECONDS), "reference timed out");
            assertEquals(0, ref.exitValue(), log);
            Canny.Result got = Canny.detect(img, H, W, 3, th[0], th[1]);
            try (ModelFile f = ModelFiles.open(out)) {
                float[] mag = f.loadFloats("magnitude");
                float[] edges = f.loadFloats("edges");
                int magMismatch = 0;
                int edgeMismatch = 0;
                int edgeCount = 0;
                for (int i = 0; i < H * W; i++) {
                    // a pixel whose magnitude ties its neighbour within float rounding may be kept by one side only
                    if (Math.abs(mag[i] - got.magnitude()[i]) > 1e-4f) {
                        magMismatch++;
                    }
                    if (edges[i] != got.edges()[i]) {
                        edgeMismatch++;
                    }
                    edgeCount += edges[i] == 1f ? 1 : 0;
                }
                String what = "thresholds " + th[0] + "/" + th[1];
                assertTrue(edgeCount > 60, what + ": the image has edges (" + edgeCount + ")");
                assertTrue(magMismatch <= 2, what + ": " + magMismatch + " magnitudes differ");
                assertTrue(edgeMismatch <= 2, what + ": " + edgeMismatch + " edge pixels differ of " + edgeCount);
            }
        }
    }

    @Test
    void aVerticalStepGivesOneThinLineOnItsCentre() {
        int h = 12;
        int w = 12;
        float[] img = new float[h * w];
        for (int y = 0; y < h; y++) {
            img[y * w + 5] = 0.5f; // a step centred on column 5
            for (int x = 6; x < w; x++) {
                img[y * w + x] = 1f;
            }
        }
        Canny.Result r = Canny.detect(img, h, w, 1, 0.4f, 0.8f);
        for (int y = 0; y < h; y++) {
            int count = 0;
            for (int x = 0; x < w; x++) {
                count += r.edges()[y * w + x] == 1f ? 1 : 0;
            }
            assertEquals(1, count, "row " + y + " has one edge pixel");
            assertEquals(1f, r.edges()[y * w + 5], "row " + y + ": the edge is on the step's centre");
        }
        assertThrows(IllegalArgumentException.class, () -> Canny.detect(new float[4], 2, 2, 1, 0.1f, 0.2f));
        assertThrows(IllegalArgumentException.class, () -> Canny.detect(new float[9], 3, 3, 1, 0.5f, 0.2f));
    }
}
