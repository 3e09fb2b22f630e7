package dev.noodle.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.engine.runtime.Devices;
import dev.noodle.engine.runtime.EngineOptions;
import dev.noodle.engine.runtime.TorchOps;
import dev.noodle.engine.runtime.WeightPrecision;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An fp16 SDXL-shaped checkpoint on the CPU: which way its UNet is kept for the memory available, and that widening
 * every weight once at load gives the same UNet as keeping fp16 and widening layer by layer.
 */
class WidenedOnceSdxlTest {
    @TempDir
    static Path dir;
    static Path fp16;

    /** The tiny SDXL checkpoint with every float tensor stored as F16, as real SDXL files are. */
    @BeforeAll
    static void write() throws Exception {
        Path fp32 = TinyCheckpoints.write(dir.resolve("xl32.safetensors"), TinyCheckpoints.Kind.SDXL);
        fp16 = dir.resolve("xl16.safetensors");
        SafetensorsWriter w = new SafetensorsWriter();
        try (ModelFile src = ModelFiles.open(fp32)) {
            src.metadata().forEach(w::metadata);
            for (String k : src.keys()) {
                assertTrue(src.info(k).dtype().isFloat(), k);
                w.addF16(k, src.info(k).shape(), src.loadFloats(k));
            }
        }
        w.write(fp16);
    }

    private static Devices.Target cpu(EngineOptions.WeightsChoice weights) {
        return Devices.Target.cpu(EngineOptions.defaults().withWeights(weights));
    }

    @Test
    void theUNetIsWidenedOnceExactlyWhenItsFp32CopyFits() throws Exception {
        try (ModelFile src = ModelFiles.open(fp16)) {
            CheckpointInfo info = FamilyDetector.detect(src);
            assertEquals(ModelFamily.SDXL, info.family().base());
            Devices.Target auto = cpu(EngineOptions.WeightsChoice.AUTO);
            long unetFp32 = 0;
            long other = 0;
            for (String k : src.keys()) {
                long n = src.info(k).elementCount() * 4;
                if (k.startsWith(info.unetPrefix())) {
                    unetFp32 += n;
                } else {
                    other += n;
                }
            }
            long fits = unetFp32 + other + WeightPrecision.WORKING_MARGIN_BYTES;
            WeightPrecision fp32 = WeightPrecision.uniform(DataType.FLOAT32);
            assertEquals(fp32, CheckpointLoader.unetPrecision(src, info, auto, fits));
            assertEquals(WeightPrecision.halfStorage(), CheckpointLoader.unetPrecision(src, info, auto, fits - 1));
            assertEquals(fp32, CheckpointLoader.unetPrecision(src, info, cpu(EngineOptions.WeightsChoice.FP32), 0));
            assertEquals(WeightPrecision.halfStorage(),
                    CheckpointLoader.unetPrecision(src, info, cpu(EngineOptions.WeightsChoice.FP16), Long.MAX_VALUE));
        }
    }

    @Test
    void widenedOnceWeightsGiveTheSameUNetAsPerLayerWidening() {
        try (LoadedCheckpoint once = CheckpointLoader.load(fp16, dir, cpu(EngineOptions.WeightsChoice.FP32), s -> { });
                LoadedCheckpoint perLayer = CheckpointLoader.load(fp16, dir, cpu(EngineOptions.WeightsChoice.FP16),
                        s -> { });
                NDManager m = NDManager.newBaseManager()) {
            assertEquals(WeightPrecision.uniform(DataType.FLOAT32), once.unet().weights().precision());
            assertEquals(WeightPrecision.halfStorage(), perLayer.unet().weights().precision());
            // every stored weight is its fp16 value exactly (widening fp16 to fp32 is exact)
            for (String k : once.unet().weights().keys()) {
                NDArray a = once.unet().weights().get(k);
                assertEquals(DataType.FLOAT32, a.getDataType(), k);
                assertEquals(DataType.FLOAT16, perLayer.unet().weights().get(k).getDataType(), k);
                float[] widened = a.toFloatArray();
                float[] half = perLayer.unet().weights().get(k).toType(DataType.FLOAT32, true).toFloatArray();
                assertEquals(half.length, widened.length, k);
                for (int i = 0; i < half.length; i++) {
                    if (Float.floatToIntBits(half[i]) != Float.floatToIntBits(widened[i])) {
                        throw new AssertionError(k + "[" + i + "]: " + widened[i] + " widened once, " + half[i]
                                + " per layer");
                    }
                }
            }
            int adm = once.unet().config().admInChannels();
            int ctxDim = once.unet().config().contextDim();
            NDArray x = TorchOps.randn(m, 1, new Shape(2, 4, 12, 10));
            NDArray t = m.create(new float[] {900f, 120f});
            NDArray ctx = TorchOps.randn(m, 2, new Shape(2, 77, ctxDim));
            NDArray y = TorchOps.randn(m, 3, new Shape(2, adm));
            float[] a = once.unet().forward(x, t, ctx, y).toFloatArray();
            float[] b = perLayer.unet().forward(x, t, ctx, y).toFloatArray();
            double maxAbs = 0;
            double maxDiff = 0;
            for (int i = 0; i < a.length; i++) {
                maxAbs = Math.max(maxAbs, Math.abs(b[i]));
                maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
            }
            assertTrue(maxAbs > 1e-3, "a UNet output that is not all zeros: " + maxAbs);
            // the same float32 math; only the convolution weights' memory order differs
            assertTrue(maxDiff <= 1e-5 * maxAbs, "max difference " + maxDiff + " of " + maxAbs);
        }
    }
}
