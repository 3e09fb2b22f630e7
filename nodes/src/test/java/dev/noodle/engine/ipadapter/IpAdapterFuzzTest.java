package dev.noodle.engine.ipadapter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.noodle.engine.io.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Jazzer fuzz target for IP-Adapter files (safetensors or the .bin torch zip, as IPAdapterModelLoader reads them).
 * Every input must either load, and then project a small batch of CLIP features to tokens and keys/values of the
 * right shapes, or be refused with a {@link ModelFormatException} naming the file; any other throwable or a hang is
 * a finding. The normal test run replays the committed inputs under {@code IpAdapterFuzzTestInputs/};
 * {@code tools/fuzz.sh ipadapter} fuzzes.
 */
class IpAdapterFuzzTest {
    private static final String NAME = "fuzz_ipadapter";

    @FuzzTest(maxDuration = "10m")
    void ipadapterFile(byte[] bytes) throws IOException {
        Path tmp = Files.createTempFile(NAME, ".bin");
        try (NDManager m = NDManager.newBaseManager()) {
            Files.write(tmp, bytes);
            try (IpAdapterModel ipa = IpAdapterFiles.load(tmp)) {
                IpAdapterLayout l = ipa.layout();
                NDArray x = ipa.usesHiddenStates() ? m.randomNormal(new Shape(2, 3, l.clipDim()))
                        : m.randomNormal(new Shape(2, l.clipDim()));
                NDArray tokens = ipa.project(x, m);
                long t = l.projection() == IpAdapterModel.Projection.MLP ? 3 : l.tokens();
                assertArrayEquals(new long[] {2, t, l.tokenDim()}, tokens.getShape().getShape());
                for (int i = 0; i < l.layers(); i++) {
                    NDArray[] kv = ipa.keyValue(i, tokens);
                    assertArrayEquals(new long[] {2, t, l.layerWidths()[i]}, kv[1].getShape().getShape());
                }
            } catch (ModelFormatException refused) {
                assertTrue(refused.getMessage().contains(NAME), refused.getMessage());
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
