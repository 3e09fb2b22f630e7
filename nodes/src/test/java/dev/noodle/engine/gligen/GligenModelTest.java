package dev.noodle.engine.gligen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import dev.noodle.engine.model.DemoCheckpoint;
import dev.noodle.engine.runtime.Attention;
import dev.noodle.engine.unet.TransformerSlot;
import dev.noodle.engine.unet.UNetConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GLIGEN text-box model: the full-size SD 1.x key layout against the published one, strict binding of the real
 * layout, and the position net and a gated self-attention block against the independent torch reference
 * ({@code nodes/src/test/python/gligen_reference.py}) on the same random weights.
 */
class GligenModelTest {
    @TempDir
    Path dir;

    static final int TEXT_DIM = DemoCheckpoint.clipConfig().width();

    /**
     * The SD 1.x file's layout as GLIGEN's own model defines it and ComfyUI's load_gligen reads it: the position
     * net (null features, linears.0/2/4 with 512 hidden) and one fuser under
     * {@code <SpatialTransformer>.transformer_blocks.0.fuser.} for the 16 transformers of SD 1.x, 17 tensors each.
     */
    @Test
    void fullSizeLayoutIsTheSd14TextboxFiles() {
        List<GligenModel.Fuser> fusers = GligenModel.fusersFor(TransformerSlot.of(UNetConfig.sd15()), 768);
        Map<String, long[]> s = GligenModel.parameterShapes(768, 768, fusers);
        List<String> blocks = new ArrayList<>();
        for (String b : List.of("input_blocks.1", "input_blocks.2", "input_blocks.4", "input_blocks.5",
                "input_blocks.7", "input_blocks.8", "middle_block", "output_blocks.3", "output_blocks.4",
                "output_blocks.5", "output_blocks.6", "output_blocks.7", "output_blocks.8", "output_blocks.9",
                "output_blocks.10", "output_blocks.11")) {
            blocks.add(b + ".1.transformer_blocks.0.fuser.");
        }
        assertEquals(blocks, fusers.stream().map(GligenModel.Fuser::prefix).toList());
        assertEquals(8 + 16 * 17, s.size()); // position net: 2 null features, 3 linears; fuser: 17 tensors
        int[] widths = {320, 320, 640, 640, 1280, 1280, 1280, 1280, 1280, 1280, 640, 640, 640, 320, 320, 320};
        for (int i = 0; i < 16; i++) {
            String p = blocks.get(i);
            int c = widths[i];
            assertEquals(8, fusers.get(i).heads(), p);
            assertArrayEquals(new long[] {}, s.get(p + "alpha_attn"), p);
            assertArrayEquals(new long[] {}, s.get(p + "alpha_dense"), p);
            assertArrayEquals(new long[] {c, 768}, s.get(p + "linear.weight"), p);
            assertArrayEquals(new long[] {c}, s.get(p + "linear.bias"), p);
            for (String q : List.of("to_q", "to_k", "to_v", "to_out.0")) {
                assertArrayEquals(new long[] {c, c}, s.get(p + "attn." + q + ".weight"), p + q);
            }
            assertEquals(null, s.get(p + "attn.to_q.bias"));
            assertArrayEquals(new long[] {c}, s.get(p + "attn.to_out.0.bias"), p);
            assertArrayEquals(new long[] {8 * c, c}, s.get(p + "ff.net.0.proj.weight"), p);
            assertArrayEquals(new long[] {8 * c}, s.get(p + "ff.net.0.proj.bias"), p);
            assertArrayEquals(new long[] {c, 4 * c}, s.get(p + "ff.net.2.weight"), p);
            assertArrayEquals(new long[] {c}, s.get(p + "ff.net.2.bias"), p);
            for (String n : List.of("norm1", "norm2")) {
                assertArrayEquals(new long[] {c}, s.get(p + n + ".weight"), p + n);
                assertArrayEquals(new long[] {c}, s.get(p + n + ".bias"), p + n);
            }
        }
        assertArrayEquals(new long[] {768}, s.get("position_net.null_positive_feature"));
        assertArrayEquals(new long[] {64}, s.get("position_net.null_position_feature"));
        assertArrayEquals(new long[] {512, 832}, s.get("position_net.linears.0.weight"));
        assertArrayEquals(new long[] {512, 512}, s.get("position_net.linears.2.weight"));
        assertArrayEquals(new long[] {768, 512}, s.get("position_net.linears.4.weight"));
        long params = 0;
        for (long[] shape : s.values()) {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            params += n;
        }
        // about 209 M parameters: the published float16 file is 418 MB
        assertEquals(209, params / 1_000_000);
    }

    private Path tiny() throws IOException {
        return GligenWriter.write(dir.resolve("gligen_tiny.safetensors"), DemoCheckpoint.unetConfig(), TEXT_DIM,
                GligenWriter.SD1_TOKEN_DIM);
    }

    @Test
    void bindsTheTinyFileAndFitsOnlyItsUNet() throws IOException {
        try (ModelFile f = ModelFiles.open(tiny()); GligenModel g = GligenModel.load(f, Device.cpu())) {
            assertEquals(TEXT_DIM, g.textDim());
            assertEquals(768, g.tokenDim());
            List<TransformerSlot> slots = TransformerSlot.of(DemoCheckpoint.unetConfig());
            assertEquals(slots.size(), g.fusers().size());
            g.checkFits(slots, "demo");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> g.checkFits(TransformerSlot.of(UNetConfig.sd15()), "SD 1.5"));
            assertTrue(e.getMessage().contains("SD 1.5") && e.getMessage().contains("16 transformers"),
                    e.getMessage());
        }
    }

    /** Rewrites the tiny file with one change. */
    private Path edited(String name, String drop, String addKey, long[] addShape, String reshape) throws IOException {
        Path src = tiny();
        Path out = dir.resolve(name);
        try (ModelFile f = ModelFiles.open(src)) {
            SafetensorsWriter w = new SafetensorsWriter();
            for (String k : new java.util.TreeSet<>(f.keys())) {
                if (k.equals(drop)) {
                    continue;
                }
                long[] shape = f.info(k).shape();
                float[] v = f.loadFloats(k);
                if (k.equals(reshape)) {
                    shape = new long[] {shape[0] + 1};
                    v = new float[(int) shape[0]];
                }
                w.addF32(k, shape, v);
            }
            if (addKey != null) {
                w.addF32(addKey, addShape, new float[(int) java.util.Arrays.stream(addShape).reduce(1, (a, b) -> a * b)]);
            }
            w.write(out);
        }
        return out;
    }

    private static String loadError(Path p) {
        try (ModelFile f = ModelFiles.open(p)) {
            return assertThrows(ModelFormatException.class, () -> GligenModel.load(f, Device.cpu())).getMessage();
        }
    }

    @Test
    void strictBindingNamesTheKeyAndTheFile() throws IOException {
        String fuser = "input_blocks.3.1.transformer_blocks.0.fuser.";
        String missing = loadError(edited("missing.safetensors", fuser + "attn.to_k.weight", null, null, null));
        assertTrue(missing.contains(fuser + "attn.to_k.weight") && missing.contains("missing.safetensors"), missing);
        String shape = loadError(edited("shape.safetensors", null, null, null, fuser + "norm2.bias"));
        assertTrue(shape.contains(fuser + "norm2.bias") && shape.contains("shape mismatch"), shape);
        String extra = loadError(edited("extra.safetensors", null, "model.diffusion_model.out.0.weight",
                new long[] {4}, null));
        assertTrue(extra.contains("model.diffusion_model.out.0.weight") && extra.contains("unexpected"), extra);
        String noNet = loadError(edited("nonet.safetensors", "position_net.null_positive_feature", null, null, null));
        assertTrue(noNet.contains("not a GLIGEN model"), noNet);
    }

    @Test
    void boxesAreFractionsOfTheLatentAndAtMostThirtyFit() throws IOException {
        GroundedPhrase p = new GroundedPhrase(new float[] {1}, 22, 34, 24, 38);
        assertArrayEquals(new float[] {22f / 96, 34f / 96, 46f / 96, 72f / 96}, p.box(96, 96), 1e-7f);
        assertArrayEquals(new float[] {0.5f, 0.25f, 1f, 1f}, new GroundedPhrase(new float[] {1}, 4, 2, 4, 6)
                .box(8, 8), 0f);
        try (ModelFile f = ModelFiles.open(tiny()); GligenModel g = GligenModel.load(f, Device.cpu());
                NDManager m = NDManager.newBaseManager(Device.cpu())) {
            List<GroundedPhrase> many = new ArrayList<>();
            for (int i = 0; i < 31; i++) {
                many.add(new GroundedPhrase(new float[TEXT_DIM], 0, 0, 1, 1));
            }
            assertThrows(IllegalArgumentException.class, () -> g.groundingTokens(many, 8, 8, m));
            assertEquals(new Shape(1, 30, 768), g.groundingTokens(many.subList(0, 30), 8, 8, m).getShape());
            assertThrows(IllegalArgumentException.class,
                    () -> g.groundingTokens(List.of(new GroundedPhrase(new float[3], 0, 0, 1, 1)), 8, 8, m));
        }
    }

    @Test
    void positionNetAndFuserMatchTheTorchReference() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        assumeTrue(Files.isExecutable(python), "python3 is not installed");
        Process probe = new ProcessBuilder(python.toString(), "-c", "import torch, numpy").redirectErrorStream(true)
                .start();
        assumeTrue(probe.waitFor(120, TimeUnit.SECONDS) && probe.exitValue() == 0, "python3 has no torch");
        Path weights = tiny();
        Random r = new Random(7);
        int n = 3;
        float[] emb = new float[n * TEXT_DIM];
        for (int i = 0; i < emb.length; i++) {
            emb[i] = (float) r.nextGaussian();
        }
        int[][] boxes = {{2, 1, 4, 5}, {0, 0, 10, 8}, {7, 3, 6, 9}}; // x, y, w, h in cells; the last passes the edge
        long h = 8;
        long w = 10;
        int b = 2;
        int c = 64;
        int tokens = (int) (h * w);
        float[] x = new float[b * tokens * c];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        float[] boxData = new float[n * 4];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 4; j++) {
                boxData[i * 4 + j] = boxes[i][j];
            }
        }
        Path inputs = dir.resolve("inputs.safetensors");
        new SafetensorsWriter().addF32("embeddings", new long[] {n, TEXT_DIM}, emb)
                .addF32("boxes", new long[] {n, 4}, boxData)
                .addF32("latent_hw", new long[] {2}, new float[] {h, w})
                .addF32("x", new long[] {b, tokens, c}, x)
                .write(inputs);
        String prefix = "middle_block.1.transformer_blocks.0.fuser.";
        Path out = dir.resolve("expected.safetensors");
        Process ref = new ProcessBuilder(python.toString(), Path.of("src/test/python/gligen_reference.py").toString(),
                weights.toString(), inputs.toString(), prefix, out.toString()).redirectErrorStream(true).start();
        String log = new String(ref.getInputStream().readAllBytes());
        assertTrue(ref.waitFor(120, TimeUnit.SECONDS), "reference timed out");
        assertEquals(0, ref.exitValue(), log);
        try (ModelFile f = ModelFiles.open(weights); GligenModel g = GligenModel.load(f, Device.cpu());
                ModelFile expected = ModelFiles.open(out); NDManager m = NDManager.newBaseManager(Device.cpu())) {
            List<GroundedPhrase> phrases = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                phrases.add(new GroundedPhrase(java.util.Arrays.copyOfRange(emb, i * TEXT_DIM, (i + 1) * TEXT_DIM),
                        boxes[i][0], boxes[i][1], boxes[i][2], boxes[i][3]));
            }
            NDArray t = g.groundingTokens(phrases, h, w, m);
            assertClose(expected.loadFloats("tokens"), t.toFloatArray(), 2e-4, "grounding tokens");
            int index = g.fusers().stream().map(GligenModel.Fuser::prefix).toList().indexOf(prefix);
            for (Attention.Mode mode : Attention.Mode.values()) {
                NDArray fused = g.fuse(index, m.create(x, new Shape(b, tokens, c)), t, mode);
                assertClose(expected.loadFloats("fused"), fused.toFloatArray(), 2e-4, "fused states, " + mode);
            }
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
