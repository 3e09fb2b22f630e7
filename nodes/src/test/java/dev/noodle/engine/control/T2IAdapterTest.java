package dev.noodle.engine.control;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.io.SafetensorsFile;
import dev.noodle.engine.model.ModelFamily;
import dev.noodle.engine.runtime.Devices;
import dev.noodle.engine.unet.ControlResiduals;
import dev.noodle.engine.unet.UNetModel;
import dev.noodle.engine.unet.UNetPatches;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * T2I-Adapters against the independent torch reference {@code src/test/python/t2i_adapter_reference.py}: the
 * features of SD 1.x full adapters (average-pool and conv downsampling, 1×1 and 3×3 kernels), the light adapter and
 * an SDXL adapter on control images whose unshuffled sizes are odd; the control image preparation; and the tiny
 * SDXL UNet's output with the adapter's features added where ComfyUI adds them.
 */
class T2IAdapterTest {
    private static SafetensorsFile io;

    @BeforeAll
    static void open() throws URISyntaxException {
        io = SafetensorsFile.open(resource("t2i_io.safetensors"));
    }

    @AfterAll
    static void close() {
        io.close();
    }

    static Path resource(String name) throws URISyntaxException {
        return Path.of(T2IAdapterTest.class.getResource("/t2i/" + name).toURI());
    }

    static void assertClose(float[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        double scale = 1e-6;
        for (float v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(worst <= tol * scale, what + ": max |diff| " + worst + " > " + tol + " × " + scale);
    }

    private static void assertFeatures(String name, AdapterConfig expected) throws Exception {
        try (NDManager m = NDManager.newBaseManager();
                SafetensorsFile f = SafetensorsFile.open(resource(name + ".safetensors"));
                T2IAdapter a = T2IAdapters.load(f, m)) {
            assertEquals(expected, a.config(), name);
            List<NDArray> feats = a.features(io.load(name + ".hint", m, DataType.FLOAT32), m);
            assertEquals(4, feats.size());
            for (int i = 0; i < 4; i++) {
                String k = name + ".f" + i;
                assertEquals(new Shape(io.info(k).shape()), feats.get(i).getShape(), k);
                assertClose(io.loadFloats(k), feats.get(i).toFloatArray(), 1e-5, k);
            }
        }
    }

    @Test
    void sd1FullAdapterMatchesTorch() throws Exception {
        assertFeatures("sd1_full", TinyAdapters.sd1(3));
    }

    @Test
    void convDownsamplingAnd3x3KernelsMatchTorch() throws Exception {
        assertFeatures("sd1_conv", new AdapterConfig(AdapterConfig.Kind.FULL, false, 1, new int[] {8, 16, 32, 32},
                2, 3, true));
    }

    @Test
    void lightAdapterMatchesTorch() throws Exception {
        assertFeatures("light", TinyAdapters.light());
    }

    @Test
    void sdxlAdapterMatchesTorch() throws Exception {
        assertFeatures("xl", TinyAdapters.sdxl(1));
    }

    @Test
    void controlImageIsPreparedAsComfyUiDoes() throws Exception {
        try (NDManager m = NDManager.newBaseManager();
                SafetensorsFile xlFile = SafetensorsFile.open(resource("xl.safetensors"));
                SafetensorsFile sd1File = SafetensorsFile.open(resource("sd1_full.safetensors"));
                T2IAdapter xl = T2IAdapters.load(xlFile, m);
                T2IAdapter sd1 = T2IAdapters.load(sd1File, m)) {
            NDArray image = io.load("image", m, DataType.FLOAT32);
            NDArray h = xl.hint(image, 7, 5, m);
            // 56×40 rounded up to multiples of 16, one grey channel
            assertEquals(new Shape(1, 1, 64, 48), h.getShape());
            assertClose(io.loadFloats("hint.xl_7x5"), h.toFloatArray(), 1e-6, "xl hint");
            NDArray s = sd1.hint(image, 7, 5, m);
            assertEquals(new Shape(1, 3, 56, 40), s.getShape());
            assertClose(io.loadFloats("hint.sd1_7x5"), s.toFloatArray(), 1e-6, "sd1 hint");
        }
    }

    @Test
    void residualsGoWhereComfyUiPutsThem() throws Exception {
        try (NDManager m = NDManager.newBaseManager();
                SafetensorsFile xlFile = SafetensorsFile.open(resource("xl.safetensors"));
                SafetensorsFile sd1File = SafetensorsFile.open(resource("sd1_full.safetensors"));
                T2IAdapter xl = T2IAdapters.load(xlFile, m);
                T2IAdapter sd1 = T2IAdapters.load(sd1File, m)) {
            assertTrue(xl.hintOnly() && sd1.hintOnly());
            assertEquals(ModelFamily.SDXL, xl.family());
            assertEquals(ModelFamily.SD1, sd1.family());
            ControlResiduals r = sd1.residuals(null, null, null, null, io.load("sd1_full.hint", m,
                    DataType.FLOAT32), m);
            assertEquals(12, r.input().size());
            for (int i = 0; i < 12; i++) {
                assertEquals(i % 3 == 2, r.inputAt(i) != null, "SD 1.x input block " + i);
            }
            assertNull(r.middle());
            assertTrue(r.output().isEmpty());
            assertEquals(new Shape(2, 32, 1, 1), r.inputAt(11).getShape());
            ControlResiduals x = xl.residuals(null, null, null, null, io.load("xl.hint", m, DataType.FLOAT32), m);
            for (int i = 0; i < x.input().size(); i++) {
                assertEquals(i == 3 || i == 5 || i == 8, x.inputAt(i) != null, "SDXL input block " + i);
            }
            assertEquals(new Shape(2, 64, 4, 2), x.middle().getShape());
            assertTrue(xl.sizeBytes() == 343_008L * 4, "float32 weights: " + xl.sizeBytes());
        }
    }

    @Test
    void sdxlUNetWithAdapterFeaturesMatchesTorch() throws Exception {
        Path unet = Path.of(T2IAdapterTest.class.getResource("/unet/tiny_sdxl_unet.safetensors").toURI());
        Path unetIo = Path.of(T2IAdapterTest.class.getResource("/unet/tiny_sdxl_unet_io.safetensors").toURI());
        try (NDManager m = NDManager.newBaseManager();
                SafetensorsFile uw = SafetensorsFile.open(unet);
                SafetensorsFile uio = SafetensorsFile.open(unetIo);
                SafetensorsFile xlFile = SafetensorsFile.open(resource("xl.safetensors"));
                T2IAdapter xl = T2IAdapters.load(xlFile, m);
                UNetModel model = UNetModel.load(uw, Devices.Target.cpu())) {
            NDArray x = uio.load("x", m, DataType.FLOAT32);
            NDArray t = uio.load("timesteps", m, DataType.FLOAT32);
            NDArray ctx = uio.load("context", m, DataType.FLOAT32);
            NDArray y = uio.load("y", m, DataType.FLOAT32);
            float strength = io.loadFloats("xl.strength")[0];
            ControlResiduals r = xl.residuals(x, t, ctx, y, io.load("xl.hint", m, DataType.FLOAT32), m)
                    .times(strength);
            NDArray eps = model.forward(x, t, ctx, y, UNetPatches.ofControl(r));
            assertClose(io.loadFloats("xl.eps"), eps.toFloatArray(), 1e-4, "UNet + adapter");
            float[] plain = model.forward(x, t, ctx, y).toFloatArray();
            float[] with = eps.toFloatArray();
            double moved = 0;
            for (int i = 0; i < plain.length; i++) {
                moved = Math.max(moved, Math.abs(plain[i] - with[i]));
            }
            assertTrue(moved > 0.1, "the adapter changes the prediction: " + moved);
        }
    }

    @Test
    void everyFileFormatLoadsTheSameWeights(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        AdapterConfig c = TinyAdapters.sdxl(3);
        float[] reference = null;
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray hint = m.randomUniform(0, 1, new Shape(1, 3, 32, 48));
            for (TinyAdapters.Format f : TinyAdapters.Format.values()) {
                Path p = TinyAdapters.write(dir.resolve("a-" + f + ".bin"), c, f, 5);
                try (ModelFile file = ModelFiles.open(p); T2IAdapter a = T2IAdapters.load(file, m)) {
                    assertTrue(T2IAdapters.isAdapter(file), f.toString());
                    assertEquals(c, a.config(), f.toString());
                    float[] out = a.features(hint, m).get(3).toFloatArray();
                    if (reference == null) {
                        reference = out;
                    } else {
                        assertArrayEquals(reference, out, f.toString());
                    }
                }
            }
        }
    }

    @Test
    void diffusersNamesAreTheConvertedOriginals() {
        // diffusers' scripts/convert_original_t2i_adapter.py: body.(2i+j).X ↔ adapter.body.i.resnets.j.X,
        // body.2i.in_conv ↔ adapter.body.i.in_conv, conv_in ↔ adapter.conv_in
        assertEquals("adapter.body.3.resnets.1.block2.weight",
                dev.noodle.engine.keys.T2IAdapterNames.toDiffusers("body.7.block2.weight", 2));
        assertEquals("adapter.body.2.in_conv.bias",
                dev.noodle.engine.keys.T2IAdapterNames.toDiffusers("body.4.in_conv.bias", 2));
        assertEquals("adapter.conv_in.weight",
                dev.noodle.engine.keys.T2IAdapterNames.toDiffusers("conv_in.weight", 2));
        var back = dev.noodle.engine.keys.T2IAdapterNames.fromDiffusers(java.util.Set.of(
                "adapter.body.0.resnets.0.block1.weight", "adapter.body.0.resnets.1.block1.weight",
                "adapter.body.1.in_conv.weight", "adapter.body.1.resnets.1.block2.bias", "adapter.conv_in.bias"));
        assertEquals("body.1.block1.weight", back.get("adapter.body.0.resnets.1.block1.weight"));
        assertEquals("body.2.in_conv.weight", back.get("adapter.body.1.in_conv.weight"));
        assertEquals("body.3.block2.bias", back.get("adapter.body.1.resnets.1.block2.bias"));
        assertEquals("conv_in.bias", back.get("adapter.conv_in.bias"));
        assertFalse(T2IAdapters.isAdapter(java.util.Set.of("zero_convs.0.0.weight", "input_hint_block.0.weight")));
        assertSame(AdapterConfig.Kind.LIGHT, TinyAdapters.light().kind());
    }
}
