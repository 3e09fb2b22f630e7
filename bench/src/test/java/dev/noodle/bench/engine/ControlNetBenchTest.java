package dev.noodle.bench.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.control.ControlModel;
import dev.noodle.engine.io.MapTensorSource;
import dev.noodle.engine.model.ModelFamily;
import dev.noodle.engine.runtime.Devices;
import dev.noodle.engine.unet.ControlResiduals;
import dev.noodle.engine.unet.UNetConfig;
import dev.noodle.engine.unet.UNetModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The ControlNet rows time what sampling with controls costs: the plain row runs no control, row n runs the first n
 * controls on every timed and warm-up call, each on the CFG batch (2) with the step's timestep and text, and the
 * control image is prepared once per control.
 */
class ControlNetBenchTest {
    /** Counts its calls and checks what it is given; adds nothing. */
    static final class CountingControl implements ControlModel {
        int hints;
        int residuals;

        @Override
        public ModelFamily family() {
            return ModelFamily.SD1;
        }

        @Override
        public boolean hintOnly() {
            return false;
        }

        @Override
        public NDArray hint(NDArray image, long latentH, long latentW, NDManager scope) {
            hints++;
            assertEquals(new Shape(1, 3, latentH * 8, latentW * 8), image.getShape());
            NDArray h = image.duplicate();
            h.attach(scope);
            return h;
        }

        @Override
        public ControlResiduals residuals(NDArray x, NDArray timesteps, NDArray context, NDArray y, NDArray hint,
                NDManager scope) {
            residuals++;
            assertEquals(2, x.getShape().get(0), "the CFG batch");
            assertEquals(2, timesteps.getShape().get(0));
            assertEquals(2, context.getShape().get(0));
            assertEquals(x.getShape().get(2) * 8, hint.getShape().get(2));
            return ControlResiduals.NONE;
        }

        @Override
        public long sizeBytes() {
            return 0;
        }

        @Override
        public void close() {}
    }

    private static UNetModel tinyRandomUNet() {
        Random r = new Random(5);
        Map<String, MapTensorSource.Entry> entries = new LinkedHashMap<>();
        UNetConfig.parameterShapes(UNetConfig.tiny()).forEach((k, s) -> {
            int n = (int) new Shape(s).size();
            double scale = s.length > 1 ? 1 / Math.sqrt((double) n / s[0]) : 0.1;
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = (float) (r.nextGaussian() * scale);
            }
            entries.put(k, new MapTensorSource.Entry(s, v));
        });
        return UNetModel.load(new MapTensorSource(entries, "random.safetensors"), Devices.Target.cpu());
    }

    @Test
    void plainRowThenOneRowPerAddedControlEachRunOnEveryCall() {
        CountingControl a = new CountingControl();
        CountingControl b = new CountingControl();
        List<ControlNetBench.Row> seen = new ArrayList<>();
        List<ControlNetBench.Row> rows;
        int steps = 2;
        try (UNetModel unet = tinyRandomUNet(); NDManager m = NDManager.newBaseManager()) {
            rows = ControlNetBench.run(unet, List.of(a, b), 64, steps, m, seen::add);
        }
        assertEquals(rows, seen, "each row reaches the sink as it is measured");
        assertEquals(List.of(0, 1, 2), rows.stream().map(ControlNetBench.Row::controls).toList());
        assertEquals(1, a.hints, "the control image is prepared once");
        assertEquals(1, b.hints);
        assertEquals(2 * (steps + 1), a.residuals, "the first control runs in rows 1 and 2, warm-up included");
        assertEquals(steps + 1, b.residuals, "the second only in row 2");
        for (ControlNetBench.Row row : rows) {
            assertTrue(row.seconds() > 0 && row.cpuSeconds() >= 0, row.toString());
        }
        assertTrue(rows.get(2).markdown(rows.get(0)).startsWith("| with 2 ControlNets |"));
    }
}
