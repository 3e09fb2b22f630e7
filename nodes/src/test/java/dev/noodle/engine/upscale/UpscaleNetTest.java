package dev.noodle.engine.upscale;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.io.DType;
import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.engine.io.TensorInfo;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.io.pickle.ForbiddenGlobalException;
import dev.noodle.engine.upscale.RandomUpscalers.Container;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Upscale networks: detection of architecture, layout, blocks and scale from keys and shapes (the published
 * full-size files' layouts included), forwards against the independent torch reference
 * ({@code nodes/src/test/python/upscale_reference.py}) on random weights in every layout, and clear errors for
 * damaged, hostile and foreign files.
 */
class UpscaleNetTest {
    @TempDir
    Path dir;

    /** A source that has shapes but no values: enough to detect full-size configurations without writing them. */
    record ShapesOnly(Map<String, long[]> shapes) implements TensorSource {
        @Override
        public Set<String> keys() {
            return shapes.keySet();
        }

        @Override
        public TensorInfo info(String key) {
            return new TensorInfo(key, DType.F32, shapes.get(key));
        }

        @Override
        public NDArray load(String key, NDManager manager, DataType compute) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String describe() {
            return "shapes";
        }
    }

    static long params(Map<String, long[]> shapes) {
        return shapes.values().stream().mapToLong(s -> Arrays.stream(s).reduce(1, (a, b) -> a * b)).sum();
    }

    /** The published files' key layouts (as spandrel's ESRGAN/Compact detection and conversion tables name them). */
    @Test
    void fullSizeLayoutsAreThePublishedFiles() {
        Map<String, long[]> x4 = RandomUpscalers.realEsrganX4Full().shapes();
        assertEquals(2 + 23 * 3 * 5 * 2 + 2 + 2 * 2 + 2 + 2, x4.size());
        assertArrayEquals(new long[] {64, 3, 3, 3}, x4.get("conv_first.weight"));
        assertArrayEquals(new long[] {32, 64, 3, 3}, x4.get("body.0.rdb1.conv1.weight"));
        assertArrayEquals(new long[] {32, 160, 3, 3}, x4.get("body.22.rdb3.conv4.weight"));
        assertArrayEquals(new long[] {64, 192, 3, 3}, x4.get("body.22.rdb3.conv5.weight"));
        for (String k : new String[] {"conv_body", "conv_up1", "conv_up2", "conv_hr"}) {
            assertArrayEquals(new long[] {64, 64, 3, 3}, x4.get(k + ".weight"), k);
            assertArrayEquals(new long[] {64}, x4.get(k + ".bias"), k);
        }
        assertArrayEquals(new long[] {3, 64, 3, 3}, x4.get("conv_last.weight"));
        assertEquals(16_697_987, params(x4)); // RealESRGAN_x4plus: 16.7 M parameters, a 67 MB float32 file

        Map<String, long[]> x2 = RandomUpscalers.realEsrganX2Full().shapes();
        assertArrayEquals(new long[] {64, 12, 3, 3}, x2.get("conv_first.weight"));
        assertEquals(x4.keySet(), x2.keySet());

        Map<String, long[]> us = RandomUpscalers.ultraSharpFull().shapes();
        assertEquals(new TreeSet<>(x4.keySet()).size(), us.size());
        assertArrayEquals(new long[] {64, 3, 3, 3}, us.get("model.0.weight"));
        assertArrayEquals(new long[] {32, 64, 3, 3}, us.get("model.1.sub.0.RDB1.conv1.0.weight"));
        assertArrayEquals(new long[] {64, 192, 3, 3}, us.get("model.1.sub.22.RDB3.conv5.0.weight"));
        assertArrayEquals(new long[] {64, 64, 3, 3}, us.get("model.1.sub.23.weight")); // the trunk conv
        assertArrayEquals(new long[] {64, 64, 3, 3}, us.get("model.3.weight"));
        assertArrayEquals(new long[] {64, 64, 3, 3}, us.get("model.6.weight"));
        assertArrayEquals(new long[] {64, 64, 3, 3}, us.get("model.8.weight")); // HR conv
        assertArrayEquals(new long[] {3, 64, 3, 3}, us.get("model.10.weight"));
        assertEquals(params(x4), params(us));

        Map<String, long[]> general = RandomUpscalers.generalX4v3Full().shapes();
        assertArrayEquals(new long[] {64, 3, 3, 3}, general.get("body.0.weight"));
        assertArrayEquals(new long[] {64}, general.get("body.1.weight"));
        assertArrayEquals(new long[] {48, 64, 3, 3}, general.get("body.66.weight"));
        assertEquals(1_213_296, params(general)); // realesr-general-x4v3: 1.2 M parameters, a 4.9 MB file
        assertArrayEquals(new long[] {48, 64, 3, 3}, RandomUpscalers.animeVideoV3Full().shapes().get("body.34.weight"));

        // spandrel's detection and hyper-parameter rules (architectures/ESRGAN and Compact) read the same values
        // from these key lists: its key conditions hold, its scale is 2^((len(model) − 5) / 3), its block count
        // len(model.1.sub) − 1, and the compact num_conv (highest body index − 2) / 2 with scale √(out / 3)
        assertTrue(x4.keySet().containsAll(List.of("conv_first.weight", "body.0.rdb1.conv1.weight",
                "conv_body.weight", "conv_last.weight")));
        assertTrue(us.keySet().containsAll(List.of("model.0.weight", "model.1.sub.0.RDB1.conv1.0.weight")));
        int seqLen = 1 + us.keySet().stream().filter(k -> k.matches("model\\.\\d+\\..*"))
                .mapToInt(k -> Integer.parseInt(k.split("\\.")[1])).max().orElseThrow();
        assertEquals(4, 1 << ((seqLen - 5) / 3));
        int subLen = 1 + us.keySet().stream().filter(k -> k.startsWith("model.1.sub."))
                .mapToInt(k -> Integer.parseInt(k.split("\\.")[3])).max().orElseThrow();
        assertEquals(23, subLen - 1);
        assertTrue(general.keySet().containsAll(List.of("body.0.weight", "body.1.weight")));
        int highest = general.keySet().stream().mapToInt(k -> Integer.parseInt(k.split("\\.")[1])).max().orElseThrow();
        assertEquals(32, (highest - 2) / 2);
        assertEquals(4, (int) Math.sqrt(general.get("body." + highest + ".bias")[0] / 3));
    }

    @Test
    void detectsLayoutBlocksFeaturesAndScale() {
        for (RrdbNet.Config c : new RrdbNet.Config[] {RandomUpscalers.realEsrganX4Full(),
                RandomUpscalers.realEsrganX2Full(), RandomUpscalers.ultraSharpFull(),
                new RrdbNet.Config(RrdbNet.Layout.BSRGAN, 3, 3, 64, 32, 23, 2, 1),
                new RrdbNet.Config(RrdbNet.Layout.ESRGAN, 3, 3, 32, 16, 6, 1, 1),
                new RrdbNet.Config(RrdbNet.Layout.ESRGAN, 3, 3, 64, 32, 23, 3, 1),
                new RrdbNet.Config(RrdbNet.Layout.REAL_ESRGAN, 48, 3, 64, 32, 23, 2, 4)}) {
            ShapesOnly s = new ShapesOnly(c.shapes());
            assertTrue(RrdbNet.matches(s.keys()), c.toString());
            assertEquals(c, RrdbNet.detect(s));
        }
        assertEquals(4, RandomUpscalers.realEsrganX4Full().scale());
        assertEquals(2, RandomUpscalers.realEsrganX2Full().scale());
        assertEquals(1, new RrdbNet.Config(RrdbNet.Layout.REAL_ESRGAN, 48, 3, 64, 32, 23, 2, 4).scale());
        for (CompactNet.Config c : new CompactNet.Config[] {RandomUpscalers.generalX4v3Full(),
                RandomUpscalers.animeVideoV3Full(), new CompactNet.Config(16, 2, 2)}) {
            ShapesOnly s = new ShapesOnly(c.shapes());
            assertTrue(CompactNet.matches(s.keys()) && !RrdbNet.matches(s.keys()), c.toString());
            assertEquals(c, CompactNet.detect(s));
        }
        assertTrue(!CompactNet.matches(RandomUpscalers.realEsrganX4Full().shapes().keySet()));
    }

    private static Path python() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        assumeTrue(Files.isExecutable(python), "python3 is not installed");
        Process probe = new ProcessBuilder(python.toString(), "-c", "import torch, numpy").redirectErrorStream(true)
                .start();
        assumeTrue(probe.waitFor(120, TimeUnit.SECONDS) && probe.exitValue() == 0, "python3 has no torch");
        return python;
    }

    static float[] randomImage(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextFloat();
        }
        return v;
    }

    /** Runs the reference on {@code weights} and Noodle's forward, and compares them. */
    private void checkAgainstReference(Path python, Path weights, String arch, int scale, int h, int w)
            throws Exception {
        float[] image = randomImage(2 * 3 * h * w, h * 31L + w);
        Path in = dir.resolve("in.safetensors");
        new SafetensorsWriter().addF32("image", new long[] {2, 3, h, w}, image).write(in);
        Path out = dir.resolve("expected.safetensors");
        Process ref = new ProcessBuilder(python.toString(), Path.of("src/test/python/upscale_reference.py").toString(),
                weights.toString(), in.toString(), out.toString()).redirectErrorStream(true).start();
        String log = new String(ref.getInputStream().readAllBytes());
        assertTrue(ref.waitFor(120, TimeUnit.SECONDS), "reference timed out");
        assertEquals(0, ref.exitValue(), log);
        try (UpscaleNet net = UpscaleModels.load(weights, Device.cpu());
                ModelFile expected = ModelFiles.open(out);
                NDManager m = NDManager.newBaseManager(Device.cpu())) {
            assertEquals(arch, net.architecture());
            assertEquals(scale, net.scale());
            assertEquals(scale, (int) expected.loadFloats("scale")[0]);
            NDArray y = net.forward(m.create(image, new Shape(2, 3, h, w)), m);
            assertEquals(new Shape(2, 3, (long) h * scale, (long) w * scale), y.getShape());
            assertClose(expected.loadFloats("image"), y.toFloatArray(), 1e-4, weights.getFileName().toString());
        }
    }

    @Test
    void rrdbForwardsMatchTheTorchReferenceInEveryLayout() throws Exception {
        Path python = python();
        // old ESRGAN sequential layout (4x-UltraSharp), top-level state dict in a .pth, ×4
        checkAgainstReference(python, RandomUpscalers.write(dir.resolve("4x-UltraSharp.pth"),
                new RrdbNet.Config(RrdbNet.Layout.ESRGAN, 3, 3, 8, 4, 2, 2, 1), Container.PTH, 1), "ESRGAN", 4, 7, 9);
        // Real-ESRGAN x4plus layout wrapped in params_ema
        checkAgainstReference(python, RandomUpscalers.write(dir.resolve("RealESRGAN_x4plus.pth"),
                new RrdbNet.Config(RrdbNet.Layout.REAL_ESRGAN, 3, 3, 8, 4, 3, 2, 1), Container.PTH_PARAMS_EMA, 2),
                "ESRGAN", 4, 6, 5);
        // Real-ESRGAN x2plus: pixel-unshuffled input (conv_first reads 12 channels), safetensors
        checkAgainstReference(python, RandomUpscalers.write(dir.resolve("RealESRGAN_x2plus.safetensors"),
                new RrdbNet.Config(RrdbNet.Layout.REAL_ESRGAN, 12, 3, 8, 4, 2, 2, 2), Container.SAFETENSORS, 3),
                "ESRGAN", 2, 8, 6);
        // BSRGAN layout, ×2 (one up-conv)
        checkAgainstReference(python, RandomUpscalers.write(dir.resolve("BSRGANx2.pth"),
                new RrdbNet.Config(RrdbNet.Layout.BSRGAN, 3, 3, 8, 4, 1, 1, 1), Container.PTH, 4), "ESRGAN", 2, 5, 7);
    }

    @Test
    void compactForwardsMatchTheTorchReference() throws Exception {
        Path python = python();
        checkAgainstReference(python, RandomUpscalers.write(dir.resolve("realesr-general-x4v3.pth"),
                new CompactNet.Config(8, 3, 4), Container.PTH_PARAMS, 5), "Compact", 4, 7, 6);
        checkAgainstReference(python, RandomUpscalers.write(dir.resolve("2x-compact.safetensors"),
                new CompactNet.Config(6, 2, 2), Container.SAFETENSORS, 6), "Compact", 2, 9, 4);
    }

    /** A fake network whose output pixel depends only on its input pixel: tiling must change nothing. */
    record Pointwise(int scale, int sizeMultiple) implements UpscaleNet {
        @Override
        public String architecture() {
            return "pointwise";
        }

        @Override
        public NDArray forward(NDArray image, NDManager manager) {
            NDArray y = UpscaleOps.upsampleNearest(image, scale).mul(0.5f).add(0.25f);
            y.attach(manager);
            return y;
        }

        @Override
        public long sizeBytes() {
            return 0;
        }

        @Override
        public void close() {}
    }

    @Test
    void tilesBlendBackToTheWholeImageExactly() {
        int b = 2;
        int h = 37;
        int w = 29;
        float[] img = randomImage(b * h * w * 3, 9);
        UpscaleNet net = new Pointwise(3, 2);
        float[] whole = TiledUpscale.upscale(net, img, b, h, w, 64, 8, Device.cpu(), (d, t) -> {});
        int[] last = new int[2];
        float[] tiled = TiledUpscale.upscale(net, img, b, h, w, 16, 4, Device.cpu(), (d, t) -> {
            last[0] = d;
            last[1] = t;
        });
        assertEquals(b * 3 * 3, last[1]); // ⌈(37−4)/12⌉ = 3 rows, ⌈(29−4)/12⌉ = 3 columns
        assertEquals(last[1], last[0]);
        assertEquals(TiledUpscale.tiles(b, h, w, 16, 4), last[1]);
        // the whole image upscaled in one tile is exactly nearest ×3 of each pixel, channels last
        for (int i = 0; i < b; i++) {
            for (int y = 0; y < h * 3; y++) {
                for (int x = 0; x < w * 3; x++) {
                    for (int c = 0; c < 3; c++) {
                        float expected = img[((i * h + y / 3) * w + x / 3) * 3 + c] * 0.5f + 0.25f;
                        assertEquals(expected, whole[((i * h * 3 + y) * w * 3 + x) * 3 + c], 1e-6f);
                    }
                }
            }
        }
        assertClose(whole, tiled, 1e-6, "tiled vs whole");
    }

    /**
     * With a real network, tiles see less context at their cut edges and ComfyUI hides the seams with the feathered
     * blend. The tolerance checked: every output pixel whose covering tiles all hold its whole receptive field (6
     * convolutions: 6 input pixels each way) is exact (1e-4), and over the whole image the mean absolute difference
     * stays under 3% of the output's mean magnitude, on a tiling with overlaps much narrower than the receptive
     * field.
     */
    @Test
    void tiledAndUntiledAgreeWithinTheSeamTolerance() throws IOException {
        Path f = RandomUpscalers.write(dir.resolve("c.safetensors"), new CompactNet.Config(8, 4, 2),
                Container.SAFETENSORS, 11);
        int h = 90;
        int w = 75;
        int tile = 40;
        int overlap = 8;
        int radius = 6;
        float[] img = randomImage(h * w * 3, 12);
        try (UpscaleNet net = UpscaleModels.load(f, Device.cpu())) {
            float[] whole = TiledUpscale.upscale(net, img, 1, h, w, 512, 32, Device.cpu(), (d, t) -> {});
            float[] tiled = TiledUpscale.upscale(net, img, 1, h, w, tile, overlap, Device.cpu(), (d, t) -> {});
            double sum = 0;
            double magnitude = 0;
            int exactChecked = 0;
            int[] ys = TiledUpscale.starts(h, tile, overlap);
            int[] xs = TiledUpscale.starts(w, tile, overlap);
            for (int y = 0; y < 2 * h; y++) {
                for (int x = 0; x < 2 * w; x++) {
                    boolean inside = true;
                    for (int ty : ys) {
                        for (int tx : xs) {
                            int py = Math.min(h - overlap, ty);
                            int px = Math.min(w - overlap, tx);
                            int lh = Math.min(tile, h - py);
                            int lw = Math.min(tile, w - px);
                            int iy = y / 2;
                            int ix = x / 2;
                            if (iy < py || iy >= py + lh || ix < px || ix >= px + lw) {
                                continue; // this tile does not cover the pixel
                            }
                            inside &= (py == 0 || iy - py >= radius) && (py + lh == h || py + lh - 1 - iy >= radius)
                                    && (px == 0 || ix - px >= radius) && (px + lw == w || px + lw - 1 - ix >= radius);
                        }
                    }
                    for (int c = 0; c < 3; c++) {
                        int i = (y * 2 * w + x) * 3 + c;
                        double d = Math.abs(whole[i] - tiled[i]);
                        sum += d;
                        magnitude += Math.abs(whole[i]);
                        if (inside) {
                            assertEquals(whole[i], tiled[i], 1e-4, "pixel " + x + "," + y + " away from the seams");
                            exactChecked++;
                        }
                    }
                }
            }
            assertTrue(exactChecked > whole.length / 3, "only " + exactChecked + " pixels away from the seams");
            assertTrue(exactChecked < whole.length, "no seams at all");
            assertTrue(sum / magnitude < 0.03, "mean seam difference " + sum / magnitude + " of the magnitude");
        }
    }

    @Test
    void oddSizesArePaddedToTheUnshuffleMultiple() throws Exception {
        Path f = RandomUpscalers.write(dir.resolve("x2.safetensors"),
                new RrdbNet.Config(RrdbNet.Layout.REAL_ESRGAN, 12, 3, 8, 4, 1, 2, 2), Container.SAFETENSORS, 13);
        try (UpscaleNet net = UpscaleModels.load(f, Device.cpu())) {
            assertEquals(2, net.sizeMultiple());
            float[] img = randomImage(7 * 5 * 3, 3);
            float[] out = TiledUpscale.upscale(net, img, 1, 7, 5, 512, 32, Device.cpu(), (d, t) -> {});
            assertEquals(14 * 10 * 3, out.length);
        }
        assertEquals(1, TiledUpscale.reflect(3, 3)); // 0 1 2 | 1 0 1 2
        assertEquals(0, TiledUpscale.reflect(4, 3));
        assertEquals(2, TiledUpscale.reflect(6, 3));
        assertEquals(0, TiledUpscale.reflect(5, 1));
    }

    private static Path save(SafetensorsWriter w, Path p) throws IOException {
        w.write(p);
        return p;
    }

    private static String loadError(Path p) {
        return assertThrows(ModelFormatException.class, () -> UpscaleModels.load(p, Device.cpu()).close())
                .getMessage();
    }

    @Test
    void damagedForeignAndHostileFilesAreRefusedNamingTheFile() throws Exception {
        Path good = RandomUpscalers.write(dir.resolve("good.pth"),
                new RrdbNet.Config(RrdbNet.Layout.REAL_ESRGAN, 3, 3, 8, 4, 1, 2, 1), Container.PTH_PARAMS_EMA, 1);
        byte[] bytes = Files.readAllBytes(good);
        Path truncated = Files.write(dir.resolve("truncated.pth"), Arrays.copyOf(bytes, bytes.length / 2));
        assertTrue(loadError(truncated).contains("truncated.pth"));
        Path st = RandomUpscalers.write(dir.resolve("good.safetensors"), new CompactNet.Config(4, 1, 2),
                Container.SAFETENSORS, 1);
        byte[] sb = Files.readAllBytes(st);
        Path cut = Files.write(dir.resolve("cut.safetensors"), Arrays.copyOf(sb, sb.length - 40));
        assertTrue(loadError(cut).contains("cut.safetensors"));
        Path garbage = Files.write(dir.resolve("garbage.pth"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
        assertTrue(loadError(garbage).contains("garbage.pth"));

        // a damaged SwinIR file: named for what it is, with the tensor it lacks
        Path swin = save(new SafetensorsWriter()
                .addF32("conv_first.weight", new long[] {4, 3, 3, 3}, new float[108])
                .addF32("layers.0.residual_group.blocks.0.norm1.weight", new long[] {4}, new float[4])
                , dir.resolve("001_classicalSR_SwinIR_x4.safetensors"));
        String m = loadError(swin);
        assertTrue(m.contains("SwinIR") && m.contains("relative_position_bias_table")
                && m.contains("001_classicalSR_SwinIR_x4"), m);
        Path hat = save(new SafetensorsWriter()
                .addF32("layers.0.residual_group.blocks.0.conv_block.cab.0.weight", new long[] {2}, new float[2])
                .addF32("layers.0.residual_group.blocks.0.norm1.weight", new long[] {2}, new float[2])
                , dir.resolve("HAT.safetensors"));
        m = loadError(hat);
        assertTrue(m.contains("looks like a HAT model") && m.contains("does not read yet") && m.contains("ESRGAN")
                && m.contains("Compact") && m.contains("SwinIR"), m);
        Path other = save(new SafetensorsWriter().addF32("foo.weight", new long[] {2}, new float[2])
                , dir.resolve("other.safetensors"));
        m = loadError(other);
        assertTrue(m.contains("other.safetensors") && m.contains("not an upscale model") && m.contains("foo.weight"),
                m);

        // a missing block and a wrong shape: strict binding names the key and the file
        Map<String, long[]> shapes = new RrdbNet.Config(RrdbNet.Layout.ESRGAN, 3, 3, 8, 4, 2, 2, 1).shapes();
        shapes.remove("model.1.sub.1.RDB2.conv3.0.bias");
        shapes.put("model.8.weight", new long[] {8, 8, 1, 1});
        Path broken = RandomUpscalers.write(dir.resolve("broken.pth"), shapes, Container.PTH, 1);
        m = loadError(broken);
        assertTrue(m.contains("broken.pth") && m.contains("missing model.1.sub.1.RDB2.conv3.0.bias")
                && m.contains("model.8.weight has shape [8, 8, 1, 1], expected [8, 8, 3, 3]"), m);

        // a hostile pickle is refused as checkpoints are, before anything runs
        Path evil = dir.resolve("4x-evil.pth");
        Files.copy(Path.of(UpscaleNetTest.class.getResource("/dev/noodle/engine/io/pickle/evil_os_system.ckpt")
                .toURI()), evil);
        ForbiddenGlobalException e = assertThrows(ForbiddenGlobalException.class,
                () -> UpscaleModels.load(evil, Device.cpu()));
        assertEquals("posix.system", e.global());
        assertTrue(e.getMessage().contains("4x-evil.pth"), e.getMessage());
    }

    @Test
    void weightsAreUnwrappedFromParamsEmaBeforeParams() throws IOException {
        Path f = RandomUpscalers.write(dir.resolve("g.pth"), new CompactNet.Config(4, 1, 4), Container.PTH_PARAMS, 1);
        try (UpscaleNet net = UpscaleModels.load(f, Device.cpu())) {
            assertInstanceOf(CompactNet.class, net);
            assertEquals(4, net.scale());
            assertTrue(net.sizeBytes() > 0);
        }
    }

    static void assertClose(float[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what);
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(scale > 0.1, what + " is all zero");
        assertTrue(worst <= tol * Math.max(1, scale), what + ": max difference " + worst + " at scale " + scale);
    }
}
