package dev.noodle.engine.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.engine.runtime.ConvLayout;
import dev.noodle.engine.runtime.EngineOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TAESD: the published key layout, strict binding with messages naming the file, and the encoder and decoder numbers
 * against the independent torch reference ({@code nodes/src/test/python/taesd_reference.py}) on random weights, from
 * Noodle's float16 safetensors and float32 .pth files and from float16 .pth files written by {@code torch.save}.
 */
class TinyAutoencoderTest {
    @TempDir
    Path dir;

    static final EngineOptions CPU = EngineOptions.defaults().withDevice(EngineOptions.DeviceChoice.CPU);

    /**
     * The layout of madebyollin/taesd {@code taesd.py}: nn.Sequential indices, convolutions {@code N.weight/bias}
     * (the stride-2 and post-upsample ones without bias), blocks {@code N.conv.{0,2,4}}; about 1.22 M parameters
     * each, 2.4 MB in the published float16 files.
     */
    @Test
    void layoutIsThePublishedModuleStructure() {
        Map<String, long[]> dec = TinyAutoencoder.decoderShapes();
        Map<String, long[]> enc = TinyAutoencoder.encoderShapes();
        assertEquals(67, dec.size());
        assertEquals(67, enc.size());
        assertArrayEquals(new long[] {64, 4, 3, 3}, dec.get("1.weight"));
        assertArrayEquals(new long[] {64}, dec.get("1.bias"));
        for (int b : new int[] {3, 4, 5, 8, 9, 10, 13, 14, 15, 18}) {
            for (int c : new int[] {0, 2, 4}) {
                assertArrayEquals(new long[] {64, 64, 3, 3}, dec.get(b + ".conv." + c + ".weight"), b + "." + c);
                assertArrayEquals(new long[] {64}, dec.get(b + ".conv." + c + ".bias"), b + "." + c);
            }
            assertFalse(dec.containsKey(b + ".skip.weight"), "64 → 64 blocks skip with the identity");
        }
        for (int up : new int[] {7, 12, 17}) {
            assertArrayEquals(new long[] {64, 64, 3, 3}, dec.get(up + ".weight"));
            assertFalse(dec.containsKey(up + ".bias"));
        }
        assertArrayEquals(new long[] {3, 64, 3, 3}, dec.get("19.weight"));
        assertArrayEquals(new long[] {3}, dec.get("19.bias"));
        assertArrayEquals(new long[] {64, 3, 3, 3}, enc.get("0.weight"));
        for (int b : new int[] {1, 3, 4, 5, 7, 8, 9, 11, 12, 13}) {
            assertArrayEquals(new long[] {64, 64, 3, 3}, enc.get(b + ".conv.4.weight"), "block " + b);
        }
        for (int down : new int[] {2, 6, 10}) {
            assertArrayEquals(new long[] {64, 64, 3, 3}, enc.get(down + ".weight"));
            assertFalse(enc.containsKey(down + ".bias"));
        }
        assertArrayEquals(new long[] {4, 64, 3, 3}, enc.get("14.weight"));
        assertArrayEquals(new long[] {4}, enc.get("14.bias"));
        assertEquals(1_222_531, params(dec));
        assertEquals(1_222_532, params(enc));
    }

    private static long params(Map<String, long[]> shapes) {
        long n = 0;
        for (long[] s : shapes.values()) {
            long p = 1;
            for (long d : s) {
                p *= d;
            }
            n += p;
        }
        return n;
    }

    private static boolean torchAvailable() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        if (!Files.isExecutable(python)) {
            return false;
        }
        Process probe = new ProcessBuilder(python.toString(), "-c", "import torch, numpy").redirectErrorStream(true)
                .start();
        return probe.waitFor(120, TimeUnit.SECONDS) && probe.exitValue() == 0;
    }

    private static String python(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("/usr/bin/python3", "src/test/python/taesd_reference.py"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "reference timed out");
        assertEquals(0, p.exitValue(), log);
        return log;
    }

    private static float[] gaussian(int n, long seed, double scale, double shift) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * scale + shift);
        }
        return v;
    }

    /** Compares Noodle's encoder and decoder on {@code encoder}/{@code decoder} with the reference's numbers. */
    private void checkAgainstReference(Path encoder, Path decoder) throws Exception {
        long[] latentShape = {2, 4, 6, 8};
        long[] imageShape = {1, 3, 48, 40};
        float[] latent = gaussian(2 * 4 * 6 * 8, 3, 1.5, 0); // the model's (scaled) latent space
        float[] image = gaussian(3 * 48 * 40, 4, 0.25, 0.5);
        Path inputs = dir.resolve("inputs.safetensors");
        new SafetensorsWriter().addF32("latent", latentShape, latent).addF32("image", imageShape, image)
                .write(inputs);
        Path out = dir.resolve("expected.safetensors");
        python("run", encoder.toString(), decoder.toString(), inputs.toString(), out.toString());
        float scale = VaeConfig.SD_SCALE;
        try (ModelFile expected = ModelFiles.open(out); ModelFile ef = ModelFiles.open(encoder);
                ModelFile df = ModelFiles.open(decoder); NDManager m = NDManager.newBaseManager(Device.cpu())) {
            float[] decoded = expected.loadFloats("decoded"); // raw decoder output
            float[] clamped = decoded.clone();
            for (int i = 0; i < clamped.length; i++) {
                clamped[i] = Math.min(1f, Math.max(0f, clamped[i]));
            }
            float[] encoded = expected.loadFloats("encoded");
            float[] raw = encoded.clone();
            for (int i = 0; i < raw.length; i++) {
                raw[i] /= scale;
            }
            for (ConvLayout layout : ConvLayout.values()) {
                try (TinyAutoencoder t = TinyAutoencoder.load(ef, df, scale, "taesd", m, CPU.withConvLayout(layout))) {
                    NDArray z = m.create(latent, new Shape(latentShape));
                    NDArray img = t.decodeScaled(z);
                    assertEquals(new Shape(2, 3, 48, 64), img.getShape());
                    assertClose(clamped, img.toFloatArray(), 1e-4, "preview decode, " + layout);
                    // as a VAE on raw latents: the latent is multiplied by the scale first
                    NDArray viaVae = t.decode(z.div(scale));
                    assertClose(clamped, viaVae.toFloatArray(), 1e-4, "VAE decode, " + layout);
                    NDArray lat = t.encode(m.create(image, new Shape(imageShape)));
                    assertEquals(new Shape(1, 4, 6, 5), lat.getShape());
                    assertClose(raw, lat.toFloatArray(), 1e-3, "VAE encode, " + layout);
                }
            }
        }
    }

    static void assertClose(float[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        double maxRef = 0;
        for (float v : expected) {
            maxRef = Math.max(maxRef, Math.abs(v));
        }
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs(expected[i] - actual[i]);
            assertTrue(d <= tol * Math.max(1, maxRef), what + " at " + i + ": expected " + expected[i] + ", got "
                    + actual[i]);
        }
    }

    @Test
    void float16SafetensorsMatchTheTorchReference() throws Exception {
        assumeTrue(torchAvailable(), "python3 with torch is not installed");
        Path enc = TaesdWriter.write(dir.resolve("taesd_encoder.safetensors"), TaesdWriter.Part.ENCODER, 1);
        Path dec = TaesdWriter.write(dir.resolve("taesd_decoder.safetensors"), TaesdWriter.Part.DECODER, 2);
        checkAgainstReference(enc, dec);
    }

    @Test
    void pthWrittenByNoodleMatchesTheTorchReference() throws Exception {
        assumeTrue(torchAvailable(), "python3 with torch is not installed");
        Path enc = TaesdWriter.write(dir.resolve("taesd_encoder.pth"), TaesdWriter.Part.ENCODER, 5);
        Path dec = TaesdWriter.write(dir.resolve("taesd_decoder.pth"), TaesdWriter.Part.DECODER, 6);
        checkAgainstReference(enc, dec);
    }

    /** Float16 state dicts saved by torch itself, as the published .pth files are, read by the restricted unpickler. */
    @Test
    void float16PthSavedByTorchMatchesTheReference() throws Exception {
        assumeTrue(torchAvailable(), "python3 with torch is not installed");
        Path enc = dir.resolve("taesd_encoder.pth");
        Path dec = dir.resolve("taesd_decoder.pth");
        python("save-half", enc.toString(), dec.toString(), "11");
        checkAgainstReference(enc, dec);
    }

    @Test
    void tiledDecodeAgreesWithTheWholeAwayFromSeams() throws IOException {
        Path dec = TaesdWriter.write(dir.resolve("taesd_decoder.safetensors"), TaesdWriter.Part.DECODER, 2);
        Path enc = TaesdWriter.write(dir.resolve("taesd_encoder.safetensors"), TaesdWriter.Part.ENCODER, 1);
        try (ModelFile df = ModelFiles.open(dec); ModelFile ef = ModelFiles.open(enc);
                NDManager m = NDManager.newBaseManager(Device.cpu());
                TinyAutoencoder t = TinyAutoencoder.load(ef, df, VaeConfig.SD_SCALE, "taesd", m, CPU)) {
            NDArray z = m.create(gaussian(4 * 12 * 12, 9, 5, 0), new Shape(1, 4, 12, 12));
            NDArray whole = t.decode(z);
            NDArray tiled = t.decodeTiled(z, 8, 1);
            assertEquals(whole.getShape(), tiled.getShape());
            double mean = whole.sub(tiled).abs().mean().getFloat();
            assertTrue(mean < 0.1, "mean difference " + mean);
            NDArray img = m.create(gaussian(3 * 96 * 96, 2, 0.2, 0.5), new Shape(1, 3, 96, 96));
            assertEquals(new Shape(1, 4, 12, 12), t.encodeTiled(img, 64, 8).getShape());
        }
    }

    private String loadError(Path encoder, Path decoder) {
        try (ModelFile ef = encoder == null ? null : ModelFiles.open(encoder);
                ModelFile df = decoder == null ? null : ModelFiles.open(decoder)) {
            return assertThrows(ModelFormatException.class,
                    () -> TinyAutoencoder.load(ef, df, 1f, "taesd", Device.cpu(), CPU)).getMessage();
        }
    }

    @Test
    void wrongFilesAreNamedWithWhatToDo() throws IOException {
        Path enc = TaesdWriter.write(dir.resolve("taesd_encoder.safetensors"), TaesdWriter.Part.ENCODER, 1);
        Path dec = TaesdWriter.write(dir.resolve("taesd_decoder.safetensors"), TaesdWriter.Part.DECODER, 2);
        // the encoder where the decoder belongs
        String swapped = loadError(null, enc);
        assertTrue(swapped.contains("taesd_encoder.safetensors") && swapped.contains("TAESD decoder")
                && swapped.contains("looks like a TAESD encoder"), swapped);
        // one block weight missing, one extra key
        SafetensorsWriter w = new SafetensorsWriter();
        try (ModelFile f = ModelFiles.open(dec)) {
            for (String k : new java.util.TreeSet<>(f.keys())) {
                if (!k.equals("9.conv.2.weight")) {
                    w.addF32(k, f.info(k).shape(), f.loadFloats(k));
                }
            }
        }
        w.addF32("3.skip.weight", new long[] {64, 64, 1, 1}, new float[64 * 64]);
        Path edited = dir.resolve("edited_decoder.safetensors");
        w.write(edited);
        String missing = loadError(null, edited);
        assertTrue(missing.contains("edited_decoder.safetensors") && missing.contains("9.conv.2.weight")
                && missing.contains("3.skip.weight") && missing.contains("unexpected"), missing);
        // a full SD VAE is not TAESD
        SafetensorsWriter vae = new SafetensorsWriter();
        vae.addF32("decoder.conv_in.weight", new long[] {4, 4, 3, 3}, new float[144]);
        Path notTaesd = dir.resolve("sd_vae.safetensors");
        vae.write(notTaesd);
        String other = loadError(null, notTaesd);
        assertTrue(other.contains("sd_vae.safetensors") && other.contains("madebyollin/taesd"), other);
        // truncated .pth and safetensors files
        Path pth = TaesdWriter.write(dir.resolve("taesd_decoder.pth"), TaesdWriter.Part.DECODER, 2);
        byte[] bytes = Files.readAllBytes(pth);
        Path cut = dir.resolve("cut_decoder.pth");
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        RuntimeException e = assertThrows(RuntimeException.class, () -> {
            try (ModelFile f = ModelFiles.open(cut)) {
                TinyAutoencoder.load(null, f, 1f, "taesd", Device.cpu(), CPU).close();
            }
        });
        assertTrue(e.getMessage().contains("cut_decoder.pth"), e.getMessage());
        byte[] st = Files.readAllBytes(dec);
        Path cutSt = dir.resolve("cut_decoder.safetensors");
        Files.write(cutSt, java.util.Arrays.copyOf(st, st.length - 100));
        RuntimeException e2 = assertThrows(RuntimeException.class, () -> {
            try (ModelFile f = ModelFiles.open(cutSt)) {
                TinyAutoencoder.load(null, f, 1f, "taesd", Device.cpu(), CPU).close();
            }
        });
        assertTrue(e2.getMessage().contains("cut_decoder.safetensors"), e2.getMessage());
    }

    @Test
    void aMissingHalfSaysWhichFile() throws IOException {
        Path dec = TaesdWriter.write(dir.resolve("taesd_decoder.safetensors"), TaesdWriter.Part.DECODER, 2);
        try (ModelFile df = ModelFiles.open(dec); NDManager m = NDManager.newBaseManager(Device.cpu());
                TinyAutoencoder t = TinyAutoencoder.load(null, df, VaeConfig.SD_SCALE, "taesd", m, CPU)) {
            assertTrue(t.hasDecoder() && !t.hasEncoder());
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> t.encode(m.zeros(new Shape(1, 3, 8, 8))));
            assertTrue(e.getMessage().contains("taesd_encoder"), e.getMessage());
            IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                    () -> t.decode(m.zeros(new Shape(1, 16, 8, 8))));
            assertTrue(shape.getMessage().contains("[B, 4, H, W]"), shape.getMessage());
        }
    }
}
