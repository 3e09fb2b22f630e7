package dev.noodle.engine.upscale;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.noodle.engine.io.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Jazzer fuzz target for upscale model files ({@code .pth} zips and safetensors): every input either loads as an
 * upscaler (and then upscales a small image) or is refused with a {@link ModelFormatException} naming what is wrong;
 * any other throwable or a hang is a finding. The normal test run replays the committed inputs under
 * {@code UpscaleModelFuzzTestInputs/load/}; {@code tools/fuzz.sh upscaler} fuzzes.
 */
class UpscaleModelFuzzTest {
    @FuzzTest(maxDuration = "10m")
    void load(byte[] file) throws IOException {
        Path tmp = Files.createTempFile("fuzz", ".pth");
        try {
            Files.write(tmp, file);
            try (UpscaleNet net = UpscaleModels.load(tmp, Device.cpu());
                    NDManager m = NDManager.newBaseManager(Device.cpu())) {
                if (net.sizeBytes() > 4 << 20) {
                    return; // bound, but too large to run in a fuzz iteration
                }
                int side = 4 * net.sizeMultiple();
                Shape out = net.forward(m.ones(new Shape(1, 3, side, side)), m).getShape();
                if (out.get(2) != (long) side * net.scale() || out.get(3) != (long) side * net.scale()) {
                    throw new AssertionError(net.architecture() + " ×" + net.scale() + " returned " + out);
                }
            } catch (ModelFormatException expected) {
                // a typed, user-facing refusal
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
