package dev.noodle.nodes.conditioning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.control.ControlHints;
import dev.noodle.engine.control.T2IAdapter;
import dev.noodle.engine.control.TinyAdapters;
import dev.noodle.engine.io.MapTensorSource;
import dev.noodle.engine.model.ModelFamily;
import dev.noodle.engine.unet.ControlResiduals;
import dev.noodle.engine.unet.UNetPatchSource;
import dev.noodle.nodes.values.ControlApplication;
import dev.noodle.nodes.values.ControlNetValue;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.ModelValue;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A T2I-Adapter applied through ControlNetApply's application, as ComfyUI's {@code T2IAdapter.get_control} runs it:
 * the control image prepared at the rounded-up size (SDXL: multiples of 16 on an odd latent) and turned grey for a
 * one-colour adapter, spread over the CFG rows, the features computed once and reused at every step, times the
 * strength, at the input blocks and middle block the SDXL layout names; another family is refused.
 */
class T2IAdapterApplyTest {
    private static T2IAdapter adapter(NDManager m) {
        Map<String, MapTensorSource.Entry> e = new LinkedHashMap<>();
        TinyAdapters.weights(TinyAdapters.sdxl(1), 9).forEach((k, t) -> e.put(k, new MapTensorSource.Entry(
                t.shape(), t.data())));
        return T2IAdapter.bind(TinyAdapters.sdxl(1), new MapTensorSource(e, "t2i-adapter-canny-sdxl-tiny"), m);
    }

    private static ControlNetValue value(T2IAdapter a) {
        return new ControlNetValue(new ModelValue.Hold() {
            @Override
            public void release() {}

            @Override
            public long sizeBytes() {
                return a.sizeBytes();
            }
        }, a, "t2i-adapter-canny-sdxl-tiny");
    }

    @Test
    void featuresOfTheSpreadGreyHintTimesStrengthOnceForAllSteps() {
        try (NDManager m = NDManager.newBaseManager(); T2IAdapter a = adapter(m)) {
            HeapTensor image = ControlNetNodes.channelsFirst("t", ControlNetApplyTest.image(2, 37, 29));
            ControlApplication app = new ControlApplication(value(a), image, 0.6f, 0, 1, false);
            UNetPatchSource source = app.source(ControlNetApplyTest.model(ModelFamily.SDXL));
            long[] xs = {4, 4, 7, 5}; // two images under CFG on a 7×5 latent
            float[] x = ControlNetApplyTest.values(4 * 4 * 7 * 5, 2);
            // by hand: the hint at 64×48 (56×40 rounded up to 16), grey, rows 0, 1, 0, 1
            NDArray hint = ControlHints.broadcast(a.hint(image.toNd(m), 7, 5, m), 4, 2);
            assertEquals(new Shape(4, 1, 64, 48), hint.getShape());
            List<NDArray> f = a.features(hint, m);
            for (float sigma : new float[] {14f, 3f, 0.1f}) {
                UNetPatchSource.Call call = ControlNetApplyTest.call(m, x, xs, sigma, new int[] {0, 0, 1, 1});
                ControlResiduals r = source.prepare(call, m).control();
                ControlNetApplyTest.close(f.get(0).mul(0.6f).toFloatArray(), r.inputAt(3), "input block 3");
                ControlNetApplyTest.close(f.get(1).mul(0.6f).toFloatArray(), r.inputAt(5), "input block 5");
                ControlNetApplyTest.close(f.get(2).mul(0.6f).toFloatArray(), r.inputAt(8), "input block 8");
                ControlNetApplyTest.close(f.get(3).mul(0.6f).toFloatArray(), r.middle(), "middle block");
                assertNull(r.inputAt(2));
                assertTrue(r.output().isEmpty(), "an adapter adds to input blocks, not to skips");
                assertEquals(new Shape(4, 32, 4, 3), r.inputAt(3).getShape()); // ⌈7/2⌉ × ⌈5/2⌉
            }
            assertEquals(1, app.prepared().hintCount(), "one prepared image for every step");
        }
    }

    @Test
    void anSdxlAdapterOnAnSd15ModelIsRefusedNamingBoth() {
        try (NDManager m = NDManager.newBaseManager(); T2IAdapter a = adapter(m)) {
            HeapTensor image = ControlNetNodes.channelsFirst("t", ControlNetApplyTest.image(1, 16, 16));
            ControlApplication app = new ControlApplication(value(a), image, 1f, 0, 1, false);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> app.source(ControlNetApplyTest.model(ModelFamily.SD1)));
            assertTrue(e.getMessage().contains("T2I adapter") && e.getMessage().contains("SDXL")
                    && e.getMessage().contains(ModelFamily.SD1.displayName()), e.getMessage());
        }
    }
}
