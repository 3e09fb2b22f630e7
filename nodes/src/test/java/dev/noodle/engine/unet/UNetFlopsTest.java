package dev.noodle.engine.unet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The bench's analytic FLOP count against an independent count: src/test/python/unet_flops.py walks the published
 * diffusers configs of SDXL base and SD 1.5 (down/mid/up blocks, not LDM's input/output blocks) at the same sizes.
 */
class UNetFlopsTest {
    private static double python(String model, int batch, int h, int w, int tokens) throws Exception {
        Path python = Path.of("/usr/bin/python3");
        assumeTrue(Files.isExecutable(python), "python3 is not installed");
        Process p = new ProcessBuilder(python.toString(), "src/test/python/unet_flops.py", model,
                Integer.toString(batch), Integer.toString(h), Integer.toString(w), Integer.toString(tokens))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "unet_flops.py timed out");
        assertEquals(0, p.exitValue(), out);
        return Double.parseDouble(out);
    }

    @Test
    void sdxlMatchesTheCountFromTheDiffusersConfig() throws Exception {
        // 1024² and 768² CFG steps, an odd latent (the downsamples round up and the upsamples return), long prompts
        int[][] cases = {{2, 128, 128, 77}, {2, 96, 96, 77}, {1, 13, 11, 154}, {2, 64, 80, 231}};
        for (int[] c : cases) {
            double expected = python("sdxl", c[0], c[1], c[2], c[3]);
            double got = UNetFlops.forward(UNetConfig.sdxl(), c[0], c[1], c[2], c[3]);
            assertEquals(expected, got, expected * 1e-12, java.util.Arrays.toString(c));
        }
    }

    @Test
    void sd15MatchesTheCountFromTheDiffusersConfig() throws Exception {
        double expected = python("sd15", 1, 64, 64, 77);
        assertEquals(expected, UNetFlops.forward(UNetConfig.sd15(), 1, 64, 64, 77), expected * 1e-12);
        // the figure the SD 1.5 bench rows have always divided by: about 0.80 TFLOP per 512² image
        assertEquals(0.80e12, expected, 0.01e12);
    }

    @Test
    void sdxlAt1024IsAboutThirteenAndAHalfTeraflopPerCfgStep() {
        // order-of-magnitude guard independent of either counter: ~4× SD 1.5's per-pixel work at 4× the pixels
        double step = UNetFlops.forward(UNetConfig.sdxl(), 2, 128, 128, 77);
        assertTrue(step > 13e12 && step < 14e12, "SDXL 1024² CFG step: " + step);
        assertEquals(2 * UNetFlops.forward(UNetConfig.sdxl(), 1, 128, 128, 77), step, step * 1e-12);
    }

    @Test
    void refusesEmptySizes() {
        assertThrows(IllegalArgumentException.class, () -> UNetFlops.forward(UNetConfig.sdxl(), 2, 0, 128, 77));
    }
}
