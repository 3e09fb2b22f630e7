package dev.noodle.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;
import dev.noodle.engine.io.DType;
import java.util.EnumSet;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** How an fp16 checkpoint's weights are kept on the CPU: widened once when memory allows, else per layer. */
class WeightPrecisionTest {
    private static final long SDXL_UNET_PARAMS = 2_567_463_684L;
    private static final long SDXL_OTHER_FP32 = 3_600_000_000L; // two text encoders and the VAE as fp32
    private static final long GB = 1_000_000_000L;
    private static final WeightPrecision FP32 = WeightPrecision.uniform(DataType.FLOAT32);

    private static Devices.Target cpu(EngineOptions.WeightsChoice weights) {
        return Devices.Target.cpu(EngineOptions.defaults().withWeights(weights));
    }

    private static WeightPrecision sdxl(EngineOptions.WeightsChoice weights, long available) {
        return WeightPrecision.chooseForLoad(cpu(weights), EnumSet.of(DType.F16), SDXL_UNET_PARAMS, SDXL_OTHER_FP32,
                available);
    }

    @Test
    void anFp16SdxlIsWidenedOnceWhenItsFp32CopyFits() {
        // 10.27 GB UNet + 3.6 GB other parts + 3 GB working margin = 16.9 GB
        assertEquals(FP32, sdxl(EngineOptions.WeightsChoice.AUTO, 22 * GB));
        assertEquals(FP32, sdxl(EngineOptions.WeightsChoice.AUTO,
                SDXL_UNET_PARAMS * 4 + SDXL_OTHER_FP32 + WeightPrecision.WORKING_MARGIN_BYTES));
    }

    @Test
    void anFp16SdxlStaysFp16WhenMemoryIsShortOrUnknown() {
        assertEquals(WeightPrecision.halfStorage(), sdxl(EngineOptions.WeightsChoice.AUTO,
                SDXL_UNET_PARAMS * 4 + SDXL_OTHER_FP32 + WeightPrecision.WORKING_MARGIN_BYTES - 1));
        assertEquals(WeightPrecision.halfStorage(), sdxl(EngineOptions.WeightsChoice.AUTO, 12 * GB));
        assertEquals(WeightPrecision.halfStorage(), sdxl(EngineOptions.WeightsChoice.AUTO, -1));
    }

    @Test
    void theOptionForcesEitherWay() {
        assertEquals(FP32, sdxl(EngineOptions.WeightsChoice.FP32, 1 * GB));
        assertEquals(FP32, sdxl(EngineOptions.WeightsChoice.FP32, -1));
        assertEquals(WeightPrecision.halfStorage(), sdxl(EngineOptions.WeightsChoice.FP16, 100 * GB));
    }

    @Test
    void onlyAllFp16FilesComputedInFp32AreEverNarrowed() {
        // an fp32 (or mixed) file is used as stored, whatever the option and the memory
        for (EngineOptions.WeightsChoice w : EngineOptions.WeightsChoice.values()) {
            assertEquals(FP32, WeightPrecision.chooseForLoad(cpu(w), EnumSet.of(DType.F32), SDXL_UNET_PARAMS, 0,
                    1 * GB));
            assertEquals(FP32, WeightPrecision.chooseForLoad(cpu(w), EnumSet.of(DType.F16, DType.F32),
                    SDXL_UNET_PARAMS, 0, 1 * GB));
        }
        // fp16 math (a GPU's choice) keeps fp16 weights as they are
        Devices.Target half = new Devices.Target(ai.djl.Device.cpu(), DataType.FLOAT16, EngineOptions.defaults());
        assertEquals(WeightPrecision.uniform(DataType.FLOAT16),
                WeightPrecision.chooseForLoad(half, EnumSet.of(DType.F16), SDXL_UNET_PARAMS, 0, 100 * GB));
    }

    @Test
    void theOptionIsReadFromItsProperty() {
        for (String[] c : new String[][] {{"fp32", "FP32"}, {"float16", "FP16"}, {"auto", "AUTO"}, {" FP16 ", "FP16"}}) {
            Properties p = new Properties();
            p.setProperty(EngineOptions.WEIGHTS_PROPERTY, c[0]);
            assertEquals(EngineOptions.WeightsChoice.valueOf(c[1]), EngineOptions.fromProperties(p).weights(), c[0]);
        }
        assertEquals(EngineOptions.WeightsChoice.AUTO, EngineOptions.fromProperties(new Properties()).weights());
        Properties bad = new Properties();
        bad.setProperty(EngineOptions.WEIGHTS_PROPERTY, "int8");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> EngineOptions.fromProperties(bad));
        assertTrue(e.getMessage().contains("noodle.weights must be auto, fp32 or fp16, got 'int8'"), e.getMessage());
    }

    @Test
    void availableMemoryIsReadOnLinux() {
        long a = WeightPrecision.availableMemory();
        if (java.nio.file.Files.isReadable(java.nio.file.Path.of("/proc/meminfo"))) {
            assertTrue(a > 0, "available: " + a);
        } else {
            assertEquals(-1, a);
        }
    }
}
