package dev.noodle.engine.control;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.runtime.Devices;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Jazzer fuzz target for control model files ({@link ControlModels#load}): safetensors and PyTorch zip files with
 * any keys and shapes. Every input must either load a control model or fail with a {@link ModelFormatException}
 * naming the file; any other throwable or a hang is a finding. In the normal test run this replays the committed
 * inputs under {@code ControlNetFuzzTestInputs/load/}; {@code tools/fuzz.sh controlnet} fuzzes.
 */
class ControlNetFuzzTest {
    @FuzzTest(maxDuration = "10m")
    void load(byte[] file) throws IOException {
        Path tmp = Files.createTempFile("fuzz-control", ".safetensors");
        try {
            Files.write(tmp, file);
            try (ControlModel m = ControlModels.load(tmp, ControlModels.Request.of(Devices.Target.cpu()))) {
                assertTrue(m.sizeBytes() > 0);
            } catch (ModelFormatException expected) {
                assertTrue(expected.getMessage().contains(tmp.getFileName().toString()), expected.getMessage());
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
