package dev.noodle.engine.gligen;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.runtime.Attention;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Jazzer fuzz target for GLIGEN files: every input either binds as a GLIGEN model (and then computes grounding
 * tokens and runs its first fuser) or is refused with a {@link ModelFormatException} naming what is wrong; any other
 * throwable or a hang is a finding. The normal test run replays the committed inputs under
 * {@code GligenFuzzTestInputs/load/}; {@code tools/fuzz.sh gligen} fuzzes.
 */
class GligenFuzzTest {
    @FuzzTest(maxDuration = "10m")
    void load(byte[] file) throws IOException {
        Path tmp = Files.createTempFile("fuzz", ".safetensors");
        try {
            Files.write(tmp, file);
            try (ModelFile f = ModelFiles.open(tmp); GligenModel g = GligenModel.load(f, Device.cpu());
                    NDManager m = NDManager.newBaseManager(Device.cpu())) {
                if ((long) g.textDim() * GligenModel.MAX_OBJECTS > 1 << 20 || g.fusers().get(0).channels() > 4096) {
                    return; // bound, but too large to run in a fuzz iteration
                }
                NDArray tokens = g.groundingTokens(List.of(new GroundedPhrase(new float[g.textDim()], 0, 0, 1, 1)),
                        2, 2, m);
                g.fuse(0, m.zeros(new Shape(1, 4, g.fusers().get(0).channels())), tokens, Attention.Mode.FALLBACK);
            } catch (ModelFormatException expected) {
                // a typed, user-facing refusal
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
