package dev.noodle.nodes;

import dev.noodle.nodes.host.DemoAddons;
import dev.noodle.nodes.host.DemoInputs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noodle.engine.adapters.Hypernetwork;
import dev.noodle.engine.image.LoadedImage;
import dev.noodle.engine.unet.AttentionHook;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generated demo files: the A1111 hypernetwork (read by torch.load, same numbers) and the inpaint example. */
class DemoFilesTest {
    static final Path DIR = Path.of("src/test/resources/dev/noodle/nodes");

    @TempDir
    Path tmp;

    @Test
    void demoHypernetworkIsTheCommittedFileAndMatchesTorch() throws Exception {
        Path made = tmp.resolve("hn.pt");
        DemoAddons.ensureHypernetwork(made);
        assertArrayEquals(Files.readAllBytes(DIR.resolve("noodle-demo-hypernetwork.pt")), Files.readAllBytes(made),
                "the demo hypernetwork is deterministic and is the file the torch reference read");
        JsonNode exp = new ObjectMapper().readTree(DIR.resolve("demo_hypernetwork_expected.json").toFile());
        try (Hypernetwork hn = Hypernetwork.load(made); NDManager m = NDManager.newBaseManager()) {
            assertEquals(java.util.Set.of(64), hn.widths());
            NDArray c = m.create(floats(exp.get("context")), new Shape(1, 3, 64));
            AttentionHook.KeyValue kv = hn.apply(c, (float) exp.get("strength").asDouble());
            AddonNodesTest.assertClose(floats(exp.get("k")), kv.k().toFloatArray(), 1e-5);
            AddonNodesTest.assertClose(floats(exp.get("v")), kv.v().toFloatArray(), 1e-5);
        }
    }

    @Test
    void inpaintExampleIsGeneratedWithAnAlphaMask() throws Exception {
        Path in = tmp.resolve("input");
        assertTrue(DemoInputs.ensureIfDemo(in, DemoInputs.INPAINT_EXAMPLE));
        Path file = in.resolve(DemoInputs.INPAINT_EXAMPLE);
        byte[] first = Files.readAllBytes(file);
        Files.delete(file);
        DemoInputs.ensureIfDemo(in, DemoInputs.INPAINT_EXAMPLE);
        assertArrayEquals(first, Files.readAllBytes(file), "deterministic");
        try (NDManager m = NDManager.newBaseManager()) {
            LoadedImage img = LoadedImage.load(file, m);
            float[] mask = img.mask().toFloatArray(); // [1, H, W], 1 − alpha
            int s = DemoInputs.SIZE;
            assertEquals(s * s, mask.length);
            assertEquals(1f, mask[(int) (s * 0.55) * s + s / 2], "the centre is to be inpainted");
            assertEquals(0f, mask[0]);
            assertEquals(0f, mask[s * s - 1]);
            double masked = 0;
            for (float v : mask) {
                masked += v;
            }
            double ellipse = Math.PI * 0.22 * 0.16; // area fraction of the transparent ellipse
            assertEquals(ellipse, masked / mask.length, 0.005);
        }
    }

    static float[] floats(JsonNode a) {
        float[] f = new float[a.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) a.get(i).asDouble();
        }
        return f;
    }
}
