package dev.noodle.engine.control;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.io.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Jazzer fuzz target for T2I-Adapter files as {@code ControlNetLoader} meets them: any bytes are opened by content
 * (safetensors or torch zip), recognised, bound strictly and, when small, run on a control image. Every input must
 * load or fail with {@link ModelFormatException}; any other throwable or a hang is a finding. Regression inputs
 * (micro adapters written by torch and as safetensors, {@code src/test/python/make_t2i_fuzz_seeds.py}) live under
 * {@code T2IAdapterFuzzTestInputs/loadFile/}.
 */
class T2IAdapterFuzzTest {
    /** Adapters larger than this are bound but not run (a fuzzed file cannot make the test slow). */
    private static final long MAX_RUN_PARAMETERS = 200_000;

    @FuzzTest(maxDuration = "10m")
    void loadFile(byte[] file) throws IOException {
        Path tmp = Files.createTempFile("fuzz", ".pth");
        try {
            Files.write(tmp, file);
            try (ModelFile f = ModelFiles.open(tmp); NDManager m = NDManager.newBaseManager()) {
                if (!T2IAdapters.isAdapter(f)) {
                    return;
                }
                try (T2IAdapter a = T2IAdapters.load(f, m)) {
                    AdapterConfig c = a.config();
                    if (c.parameterCount() <= MAX_RUN_PARAMETERS) {
                        int u = c.unshuffle();
                        NDArray image = m.randomUniform(0, 1, new Shape(1, 3, 3 * u - 5, 2 * u + 3));
                        NDArray hint = a.hint(image, 3, 2, m);
                        List<NDArray> features = a.features(hint, m);
                        assertEquals(AdapterConfig.LEVELS, features.size());
                        assertEquals(c.channels()[3], features.get(3).getShape().get(1));
                    }
                }
            } catch (ModelFormatException expected) {
                // typed refusal
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
