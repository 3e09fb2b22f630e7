package dev.noodle.engine.image;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Map;

/**
 * Jazzer fuzz target for the PNG text-chunk reader (bad-inputs G1–G2). From an in-memory stream the only allowed
 * failure is {@link ImageFormatException}: a leaked {@code EOFException}, an unchecked exception, an
 * {@code OutOfMemoryError} from a decompression bomb, or a hang is a finding. Regression inputs live under
 * {@code PngTextFuzzTestInputs/read/}.
 */
class PngTextFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void read(byte[] png) {
        Map<String, String> text;
        try {
            text = PngText.read(new ByteArrayInputStream(png), "fuzz.png");
        } catch (ImageFormatException expected) {
            return;
        } catch (IOException e) {
            throw new AssertionError("an in-memory PNG must fail with ImageFormatException, not " + e, e);
        }
        long total = 0;
        for (Map.Entry<String, String> e : text.entrySet()) {
            total += e.getKey().length() + e.getValue().length();
        }
        assertTrue(total <= PngText.MAX_TOTAL_BYTES, "text over the total cap: " + total);
    }
}
