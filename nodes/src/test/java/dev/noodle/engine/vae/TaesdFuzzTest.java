package dev.noodle.engine.vae;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.runtime.EngineOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Jazzer fuzz target for TAESD files in models/vae_approx (safetensors or a torch zip): every input either binds as
 * a TAESD decoder or encoder (and then decodes or encodes a tiny input) or is refused with a
 * {@link ModelFormatException} naming what is wrong; any other throwable or a hang is a finding. The parsing itself
 * is the safetensors and pickle readers' (fuzzed on their own); this covers the strict binding on top. The normal
 * test run replays the committed inputs under {@code TaesdFuzzTestInputs/load/}; {@code tools/fuzz.sh taesd} fuzzes.
 */
class TaesdFuzzTest {
    private static final EngineOptions CPU = EngineOptions.defaults().withDevice(EngineOptions.DeviceChoice.CPU);

    @FuzzTest(maxDuration = "10m")
    void load(byte[] file) throws IOException {
        Path tmp = Files.createTempFile("fuzz", ".taesd");
        try {
            Files.write(tmp, file);
            try (ModelFile f = ModelFiles.open(tmp); NDManager m = NDManager.newBaseManager(Device.cpu())) {
                try (TinyAutoencoder d = TinyAutoencoder.load(null, f, VaeConfig.SD_SCALE, "taesd", m, CPU)) {
                    d.decodeScaled(m.zeros(new Shape(1, 4, 1, 1)));
                } catch (ModelFormatException notADecoder) {
                    try (TinyAutoencoder e = TinyAutoencoder.load(f, null, VaeConfig.SD_SCALE, "taesd", m, CPU)) {
                        e.encode(m.zeros(new Shape(1, 3, 8, 8)));
                    }
                }
            } catch (ModelFormatException expected) {
                // a typed, user-facing refusal
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
