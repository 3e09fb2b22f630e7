package dev.noodle.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import org.junit.jupiter.api.Test;

/** DJL's seeded normal draw must equal torch.manual_seed(0); torch.randn(5) on CPU. */
class DjlSmokeTest {
    @Test
    void seededNormalMatchesTorch() {
        try (NDManager m = NDManager.newBaseManager()) {
            JniUtils.setSeed(0);
            NDArray a = m.randomNormal(new Shape(5));
            assertArrayEquals(
                    new float[] {1.5410f, -0.2934f, -2.1788f, 0.5684f, -1.0845f}, a.toFloatArray(), 1e-4f);
        }
    }
}
