package dev.noodle.engine.upscale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.io.SafetensorsFile;
import dev.noodle.engine.upscale.SwinIRConfig.Upsampler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The full-size published SwinIR layouts: the tensors Noodle expects for SwinIR-M ×4 (classical and real-world
 * GAN), SwinIR-S ×4 and SwinIR-L ×4 are the state dicts of spandrel's SwinIR module built with the same
 * hyper-parameters ({@code resources/upscale/swinir/spandrel_state_dicts.txt}, name, shape and dtype in order), and
 * so is what {@code tools/make_random_swinir.py} writes, which then loads and runs.
 */
class SwinIRFilesTest {
    @TempDir
    Path dir;

    /** The hyper-parameters of each variant, as the published files hold them (attn_mask for 64×64 training). */
    static final Map<String, SwinIRConfig> PUBLISHED = new LinkedHashMap<>();

    static {
        int[] six6 = {6, 6, 6, 6, 6, 6};
        PUBLISHED.put("m-x4", new SwinIRConfig(180, six6, six6, 8, 360, false, Upsampler.PIXELSHUFFLE, 4, 64, 64));
        PUBLISHED.put("m-x4-gan", new SwinIRConfig(180, six6, six6, 8, 360, false, Upsampler.NEAREST_CONV, 4, 64,
                64));
        PUBLISHED.put("s-x4", new SwinIRConfig(60, new int[] {6, 6, 6, 6}, new int[] {6, 6, 6, 6}, 8, 120, false,
                Upsampler.PIXELSHUFFLE_DIRECT, 4, 0, 64));
        int[] nine6 = new int[9];
        int[] nine8 = new int[9];
        Arrays.fill(nine6, 6);
        Arrays.fill(nine8, 8);
        PUBLISHED.put("l-x4-gan", new SwinIRConfig(240, nine6, nine8, 8, 480, true, Upsampler.NEAREST_CONV, 4, 64,
                64));
    }

    /** The "name [shape] dtype" lines of one variant in the spandrel list. */
    static List<String> spandrel(String variant) throws Exception {
        Path p = Path.of(SwinIRFilesTest.class.getResource("/upscale/swinir/spandrel_state_dicts.txt").toURI());
        List<String> out = new ArrayList<>();
        boolean in = false;
        for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
            if (line.startsWith("[")) {
                in = line.equals("[" + variant + "]");
            } else if (in && !line.isBlank() && !line.startsWith("#")) {
                out.add(line);
            }
        }
        assertTrue(out.size() > 100, variant + " in the spandrel list");
        return out;
    }

    @Test
    void expectedTensorsAreSpandrelsStateDicts() throws Exception {
        for (Map.Entry<String, SwinIRConfig> e : PUBLISHED.entrySet()) {
            List<String> mine = new ArrayList<>();
            for (Map.Entry<String, long[]> t : e.getValue().parameterShapes().entrySet()) {
                String shape = Arrays.toString(t.getValue());
                mine.add(t.getKey() + " " + shape + " "
                        + (t.getKey().endsWith("relative_position_index") ? "I64" : "F32"));
            }
            assertEquals(spandrel(e.getKey()), mine, e.getKey());
        }
        assertEquals(550, PUBLISHED.get("m-x4").parameterShapes().size());
    }

    private static Path tool() {
        return Path.of("..", "tools", "make_random_swinir.py");
    }

    private static String run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("python3", tool().toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "the generator timed out");
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    private static void assumeNumpy() throws IOException, InterruptedException {
        Process probe;
        try {
            probe = new ProcessBuilder("python3", "-c", "import numpy").redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "python3 is not installed");
            return;
        }
        assumeTrue(probe.waitFor(120, TimeUnit.SECONDS) && probe.exitValue() == 0, "python3 has no numpy");
    }

    @Test
    void theGeneratorWritesSpandrelsKeys() throws Exception {
        assumeNumpy();
        for (String variant : PUBLISHED.keySet()) {
            List<String> listed = run("--variant", variant, "--list").lines().filter(l -> !l.isBlank()).toList();
            assertEquals(spandrel(variant), listed, variant);
        }
    }

    @Test
    void aGeneratedLightweightFileLoadsAndUpscales() throws Exception {
        assumeNumpy();
        Path f = dir.resolve("rnd-SwinIR-S_x4.safetensors");
        run("--variant", "s-x4", "--out", f.toString());
        try (SafetensorsFile file = SafetensorsFile.open(f);
                SwinIR net = SwinIR.load(SwinIR.unwrap(file));
                NDManager m = NDManager.newBaseManager()) {
            assertEquals(PUBLISHED.get("s-x4"), net.config());
            assertEquals(8, net.sizeMultiple());
            NDArray x = m.randomUniform(0f, 1f, new Shape(1, 3, 13, 10));
            NDArray y = net.forward(x, m);
            assertEquals(new Shape(1, 3, 52, 40), y.getShape());
            for (float v : y.toFloatArray()) {
                assertTrue(Float.isFinite(v));
            }
        }
    }
}
