package dev.noodle.engine.unet;

import static dev.noodle.engine.unet.UNetModelTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.io.SafetensorsFile;
import dev.noodle.engine.runtime.Attention;
import dev.noodle.engine.runtime.Devices;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The UNet at every size ComfyUI accepts (multiples of 8 pixels, so latents with odd sides): 72×64 pixels (a 9×8
 * latent) and 1368×768 (171×96) on SD 1.x-, SD 2.x- and SDXL-shaped tiny UNets, against the independent torch
 * reference {@code src/test/python/unet_sizes_reference.py}, where each downsample rounds an odd side up and each
 * upsample interpolates to the size of the skip it is joined with (openaimodel {@code Upsample(x, output_shape)}).
 */
class UNetSizesTest {
    private static SafetensorsFile io;

    @BeforeAll
    static void open() throws Exception {
        io = SafetensorsFile.open(UNetModelTest.resource("unet_sizes_io.safetensors"));
    }

    @AfterAll
    static void close() {
        io.close();
    }

    @ParameterizedTest(name = "{0} at latent {1}x{2}")
    @CsvSource({
        "sd1, 9, 8, tiny_unet.safetensors",
        "sd1, 171, 96, tiny_unet.safetensors",
        "sd2, 9, 8, tiny_sd2_unet.safetensors",
        "sd2, 171, 96, tiny_sd2_unet.safetensors",
        "sdxl, 9, 8, tiny_sdxl_unet.safetensors",
        "sdxl, 171, 96, tiny_sdxl_unet.safetensors"
    })
    void oddLatentSizesMatchTheReference(String model, int h, int w, String file) throws Exception {
        String key = model + "_" + h + "x" + w + "_";
        try (SafetensorsFile weights = SafetensorsFile.open(UNetModelTest.resource(file));
                NDManager m = NDManager.newBaseManager();
                UNetModel unet = UNetModel.load(weights, Devices.Target.cpu())) {
            if (model.equals("sd2")) {
                // SD 2.x shape: four levels, 64-channel heads, linear projections, attention on levels 0–2
                assertEquals(new UNetConfig(4, 4, 64, new int[] {1, 1, 1, 1}, 1,
                        new boolean[] {true, true, true, false}, -1, 64, 1, 96, true), unet.config());
            }
            NDArray x = io.load(key + "x", m, DataType.FLOAT32);
            NDArray y = io.keys().contains(key + "y") ? io.load(key + "y", m, DataType.FLOAT32) : null;
            NDArray eps = unet.forward(x, io.load(key + "t", m, DataType.FLOAT32),
                    io.load(key + "ctx", m, DataType.FLOAT32), y, Attention.Mode.FAST);
            assertEquals(x.getShape(), eps.getShape());
            assertClose(io.loadFloats(key + "eps"), eps.toFloatArray(), 2e-4, key);
        }
    }

    @ParameterizedTest(name = "latent {0}x{1} is refused plainly")
    @CsvSource({"0, 8", "8, 0"})
    void emptyLatentsAreRefused(int h, int w) throws Exception {
        try (SafetensorsFile weights = SafetensorsFile.open(UNetModelTest.resource("tiny_unet.safetensors"));
                NDManager m = NDManager.newBaseManager();
                UNetModel unet = UNetModel.load(weights, Devices.Target.cpu())) {
            NDArray x = m.zeros(new Shape(1, 4, h, w));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> unet.forward(x, m.create(new float[] {1f}), m.zeros(new Shape(1, 3, 64))));
            assertEquals("UNet input must be [B, 4, H, W], got " + x.getShape(), e.getMessage());
        }
    }
}
