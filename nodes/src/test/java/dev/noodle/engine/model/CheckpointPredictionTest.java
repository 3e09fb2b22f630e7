package dev.noodle.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.noodle.engine.io.SafetensorsFile;
import dev.noodle.engine.io.TensorInfo;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.sampling.PredictionType;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an SD 2.x checkpoint predicts: a {@code v_pred} key decides; without one, ComfyUI's heuristic — the 768-px
 * v models have a last-block norm bias whose (population) standard deviation exceeds 0.09.
 */
class CheckpointPredictionTest {
    private static final String PROBE = "model.diffusion_model.output_blocks.11.1.transformer_blocks.0.norm1.bias";

    @TempDir
    Path dir;

    /** The file with the probe bias (present in full-size SD 2.x UNets) set to values of a chosen spread. */
    private record WithBias(TensorSource base, float[] bias) implements TensorSource {
        public Set<String> keys() {
            Set<String> k = new java.util.HashSet<>(base.keys());
            k.add(PROBE);
            return k;
        }

        public TensorInfo info(String key) {
            return base.info(key);
        }

        public NDArray load(String key, NDManager manager, DataType compute) {
            return base.load(key, manager, compute);
        }

        public float[] loadFloats(String key) {
            return key.equals(PROBE) ? bias.clone() : base.loadFloats(key);
        }

        public String describe() {
            return base.describe();
        }
    }

    /** n values alternating mean ± spread: population std = spread exactly. */
    private static float[] spread(int n, float mean, float spread) {
        float[] b = new float[n];
        for (int i = 0; i < n; i++) {
            b[i] = mean + (i % 2 == 0 ? spread : -spread);
        }
        return b;
    }

    @Test
    void theFileDecidesAndWithoutAMarkerTheNormBiasSpreadDoes() throws Exception {
        Path eps = TinyCheckpoints.write(dir.resolve("sd2.safetensors"), TinyCheckpoints.Kind.SD2);
        Path v = TinyCheckpoints.write(dir.resolve("sd2-v.safetensors"), TinyCheckpoints.Kind.SD2_V);
        try (SafetensorsFile f = SafetensorsFile.open(eps); SafetensorsFile fv = SafetensorsFile.open(v)) {
            CheckpointInfo info = FamilyDetector.detect(f);
            assertEquals(Prediction.UNKNOWN, info.prediction(), "an SD 2.x file without v_pred does not say");
            int n = 320; // the last output level is 320 channels wide in SD 2.x
            assertEquals(PredictionType.EPS,
                    CheckpointLoader.prediction(new WithBias(f, spread(n, 0.3f, 0.05f)), info), "512 base: eps");
            assertEquals(PredictionType.V_PREDICTION,
                    CheckpointLoader.prediction(new WithBias(f, spread(n, 0.3f, 0.12f)), info), "768-v: v");
            // the threshold is on the population spread: 0.089 stays eps, 0.091 is v
            assertEquals(PredictionType.EPS, CheckpointLoader.prediction(new WithBias(f, spread(n, 0f, 0.089f)), info));
            assertEquals(PredictionType.V_PREDICTION,
                    CheckpointLoader.prediction(new WithBias(f, spread(n, 0f, 0.091f)), info));

            CheckpointInfo vInfo = FamilyDetector.detect(fv);
            assertEquals(Prediction.V, vInfo.prediction());
            assertEquals(PredictionType.V_PREDICTION,
                    CheckpointLoader.prediction(new WithBias(fv, spread(n, 0f, 0f)), vInfo), "the v_pred key wins");
        }
    }
}
