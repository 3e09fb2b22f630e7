package dev.noodle.nodes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.upscale.SwinIR;
import dev.noodle.engine.upscale.UpscaleModels;
import dev.noodle.engine.upscale.UpscaleNet;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import dev.noodle.nodes.values.ImageValue;
import dev.noodle.nodes.values.UpscaleModelValue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SwinIR files in {@code models/upscale_models} through UpscaleModelLoader and ImageUpscaleWithModel: a real-world
 * ×4 {@code .pth} with its weights under {@code params_ema} and a classical ×2 safetensors (the tiny networks of
 * {@code swinir_reference.py}, under the published files' names) load as SwinIR and upscale an image whose width is
 * not a window multiple exactly as the network's own forward, clamped to [0, 1]; a damaged one fails the loader
 * naming the file and the missing tensor.
 */
class SwinIRUpscaleNodesTest {
    @TempDir
    static Path tmp;

    static NoodleNodes nodes;
    static GraphExecutor executor;
    static Path folder;

    static final String REAL_X4 = "003_realSR_BSRGAN_DFO_s64w8_SwinIR-M_x4_GAN.pth";
    static final String CLASSICAL_X2 = "001_classicalSR_DF2K_s64w8_SwinIR-M_x2.safetensors";

    @BeforeAll
    static void setUp() throws Exception {
        Path models = tmp.resolve("models");
        folder = Files.createDirectories(models.resolve("upscale_models"));
        Files.copy(fixture("nearest_x4.pth"), folder.resolve(REAL_X4));
        Files.copy(fixture("ps_x2.safetensors"), folder.resolve(CLASSICAL_X2));
        byte[] st = Files.readAllBytes(fixture("ps_x2.safetensors"));
        Files.write(folder.resolve("4x-SwinIR-truncated.safetensors"), java.util.Arrays.copyOf(st, st.length / 2));
        dev.noodle.engine.io.SafetensorsWriter w = new dev.noodle.engine.io.SafetensorsWriter();
        w.addF32("conv_first.weight", new long[] {4, 3, 3, 3}, new float[108]);
        w.addF32("conv_first.bias", new long[] {4}, new float[4]);
        w.addF32("layers.0.residual_group.blocks.0.norm1.weight", new long[] {4}, new float[4]);
        w.write(folder.resolve("2x-SwinIR-partial.safetensors"));
        nodes = NoodleNodes.create(NodeEnvironment.of(models, tmp.resolve("out")));
        Files.createDirectories(nodes.environment().inputDir());
        UpscaleModelNodesTest.writePattern(nodes.environment().inputDir().resolve("small.png"), 22, 12);
        executor = new GraphExecutor(nodes.registry(), new ResultCache(1L << 30), nodes.services());
    }

    static Path fixture(String name) throws Exception {
        return Path.of(SwinIRUpscaleNodesTest.class.getResource("/upscale/swinir/" + name).toURI());
    }

    @AfterAll
    static void tearDown() {
        nodes.close();
    }

    static RunResult run(String json) {
        return UpscaleModelNodesTest.run(nodes, executor, json);
    }

    @Test
    void swinIrFilesUpscaleAsTheNetworkClampedToTheUnitRange() throws Exception {
        for (String file : List.of(REAL_X4, CLASSICAL_X2)) {
            RunResult r = run(UpscaleModelNodesTest.upscale(file));
            assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
            ImageValue in = (ImageValue) r.outputs().get("1").value(0);
            ImageValue out = (ImageValue) r.outputs().get("3").value(0);
            UpscaleNet loaded = ((UpscaleModelValue) r.outputs().get("2").value(0)).net();
            assertEquals("SwinIR", loaded.architecture(), file);
            assertTrue(loaded instanceof SwinIR, file);
            int s = loaded.scale();
            assertEquals(file.equals(REAL_X4) ? 4 : 2, s, file);
            assertArrayEquals(new long[] {1, 12L * s, 22L * s, 3}, out.pixels().shape(), file);
            float[] expected;
            try (UpscaleNet net = UpscaleModels.load(folder.resolve(file), Device.cpu());
                    NDManager m = NDManager.newBaseManager(Device.cpu())) {
                NDArray x = m.create(in.pixels().data(), new Shape(1, 12, 22, 3)).transpose(0, 3, 1, 2);
                expected = net.forward(x, m).clip(0f, 1f).transpose(0, 2, 3, 1).toFloatArray();
            }
            float[] got = out.pixels().data();
            boolean clamped = false;
            for (int i = 0; i < got.length; i++) {
                assertEquals(expected[i], got[i], 1e-5, file + " at " + i);
                clamped |= got[i] == 0f || got[i] == 1f;
            }
            assertTrue(clamped, file + ": random weights reach past [0, 1] somewhere, so the clamp is exercised");
        }
    }

    @Test
    void damagedSwinIrFilesFailTheLoaderNamingFileAndTensor() {
        RunResult partial = run(UpscaleModelNodesTest.upscale("2x-SwinIR-partial.safetensors"));
        assertEquals(RunResult.Status.FAILED, partial.status());
        String m = partial.message() + " " + partial.errors();
        assertTrue(m.contains("2x-SwinIR-partial.safetensors") && m.contains("SwinIR")
                && m.contains("relative_position_bias_table"), m);
        RunResult truncated = run(UpscaleModelNodesTest.upscale("4x-SwinIR-truncated.safetensors"));
        assertEquals(RunResult.Status.FAILED, truncated.status());
        m = truncated.message() + " " + truncated.errors();
        assertTrue(m.contains("4x-SwinIR-truncated.safetensors"), m);
    }
}
