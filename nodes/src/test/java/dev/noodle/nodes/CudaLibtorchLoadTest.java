package dev.noodle.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.noodle.engine.runtime.CudaLibtorch;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CUDA libtorch of {@code ./noodle gpu install} works with DJL's {@code cu128} JNI library: loaded in its own JVM
 * (forced, on the CPU), it renders the demo model's golden txt2img with the same pixels, within the golden test's
 * tolerance, as DJL's stock CPU libtorch in another JVM. Runs when {@code NOODLE_GPU_RUNTIME} or {@code
 * -Dnoodle.gpu.runtime} names an installed folder; skipped otherwise (the folder is about 2 GB). With an NVIDIA
 * driver, the golden image is also rendered on the GPU.
 */
class CudaLibtorchLoadTest {
    @TempDir
    Path tmp;

    @Test
    void cudaBuildLoadsAndComputesLikeTheStockCpuLibtorch() throws Exception {
        String where = System.getProperty("noodle.gpu.runtime", System.getenv("NOODLE_GPU_RUNTIME"));
        assumeTrue(where != null && CudaLibtorch.manifest(Path.of(where)).isPresent(),
                "no installed CUDA libtorch: set NOODLE_GPU_RUNTIME to a ./noodle gpu install --dir folder");
        Path dir = Path.of(where).toAbsolutePath();
        assertEquals(List.of(), CudaLibtorch.verify(CudaLibtorch.lib(dir)));

        Map<String, String> cuda = probe(tmp.resolve("cuda"), "-Dnoodle.device=cpu", "-Dnoodle.gpu.runtime=" + dir,
                "-Dnoodle.gpu.force=true");
        assertEquals(CudaLibtorch.lib(dir).toString(), cuda.get("LIBTORCH"), "DJL loaded the installed folder");
        assertEquals("true", cuda.get("CUDA_FOLDER_USED"));
        if (CudaLibtorch.installedDriver().isEmpty()) {
            assertEquals("0", cuda.get("GPUS"), "no driver: the CUDA build sees no GPU");
        }
        assertEquals("SUCCESS", cuda.get("STATUS"));

        Map<String, String> stock = probe(tmp.resolve("stock"), "-Dnoodle.device=cpu",
                "-Dnoodle.gpu.runtime=" + tmp.resolve("none"));
        assertTrue(!stock.get("LIBTORCH").startsWith(dir.toString()), "the baseline uses DJL's own libtorch");
        assertEquals("SUCCESS", stock.get("STATUS"));

        BufferedImage a = ImageIO.read(tmp.resolve("cuda/test_00001_.png").toFile());
        BufferedImage b = ImageIO.read(tmp.resolve("stock/test_00001_.png").toFile());
        BufferedImage golden = ImageIO.read(Path.of("src/test/resources/dev/noodle/nodes/demo-txt2img-64-seed42.png")
                .toFile());
        assertSameWithinGoldenTolerance(a, golden, "CUDA build vs the golden image", 2, 0.5);
        assertSameWithinGoldenTolerance(a, b, "CUDA build vs stock CPU libtorch", 2, 0.5);
    }

    /**
     * On a machine with a driver: the same image computed on the GPU, in fp32 within the CPU's tolerance, and in fp16
     * (the default there) within {@link DemoPipelineTest#FP16_MAX_DIFF} / {@link DemoPipelineTest#FP16_MEAN_DIFF}.
     */
    @Test
    void onTheGpuTheGoldenImageHolds() throws Exception {
        String where = System.getProperty("noodle.gpu.runtime", System.getenv("NOODLE_GPU_RUNTIME"));
        assumeTrue(where != null && CudaLibtorch.manifest(Path.of(where)).isPresent(),
                "no installed CUDA libtorch: set NOODLE_GPU_RUNTIME to a ./noodle gpu install --dir folder");
        assumeTrue(CudaLibtorch.installedDriver().isPresent(), "no NVIDIA driver on this machine");
        Path dir = Path.of(where).toAbsolutePath();
        BufferedImage golden = ImageIO.read(Path.of("src/test/resources/dev/noodle/nodes/demo-txt2img-64-seed42.png")
                .toFile());
        Map<String, String> fp32 = probe(tmp.resolve("fp32"), "-Dnoodle.device=gpu", "-Dnoodle.dtype=fp32",
                "-Dnoodle.gpu.runtime=" + dir);
        assertEquals("SUCCESS", fp32.get("STATUS"), fp32.get("MESSAGE"));
        assertTrue(Integer.parseInt(fp32.get("GPUS")) > 0, "the CUDA libtorch sees the GPU");
        assertSameWithinGoldenTolerance(ImageIO.read(tmp.resolve("fp32/test_00001_.png").toFile()), golden,
                "GPU fp32 vs the golden image", 2, 0.5);
        Map<String, String> fp16 = probe(tmp.resolve("fp16"), "-Dnoodle.device=gpu", "-Dnoodle.gpu.runtime=" + dir);
        assertEquals("SUCCESS", fp16.get("STATUS"), fp16.get("MESSAGE"));
        assertSameWithinGoldenTolerance(ImageIO.read(tmp.resolve("fp16/test_00001_.png").toFile()), golden,
                "GPU fp16 vs the golden image", DemoPipelineTest.FP16_MAX_DIFF, DemoPipelineTest.FP16_MEAN_DIFF);
    }

    /** Every channel within {@code maxDiff} of 255, the mean difference under {@code meanDiff}. */
    private static void assertSameWithinGoldenTolerance(BufferedImage a, BufferedImage b, String what, int maxDiff,
            double meanDiff) {
        assertEquals(b.getWidth(), a.getWidth());
        assertEquals(b.getHeight(), a.getHeight());
        int worst = 0;
        long sum = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                for (int s = 0; s < 24; s += 8) {
                    int d = Math.abs(((a.getRGB(x, y) >> s) & 0xff) - ((b.getRGB(x, y) >> s) & 0xff));
                    worst = Math.max(worst, d);
                    sum += d;
                }
            }
        }
        double mean = sum / (a.getWidth() * a.getHeight() * 3.0);
        System.out.println(what + ": max channel difference " + worst + ", mean " + mean);
        assertTrue(worst <= maxDiff && mean < meanDiff, what + ": max channel difference " + worst + ", mean " + mean);
    }

    private static Map<String, String> probe(Path out, String... props) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx4g", "--enable-native-access=ALL-UNNAMED",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"));
        cmd.addAll(List.of(props));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), CudaLibtorchProbe.class.getName(),
                out.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "probe did not finish");
        System.out.println(text);
        assertEquals(0, p.exitValue(), "probe failed:\n" + text);
        Map<String, String> facts = new TreeMap<>();
        for (String line : text.split("\\R")) {
            int eq = line.indexOf('=');
            if (eq > 0 && line.substring(0, eq).matches("[A-Z_]+")) {
                facts.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return facts;
    }
}
