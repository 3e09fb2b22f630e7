package dev.noodle.nodes.library;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Jazzer fuzz targets for model identification and the sidecar files beside models. Every input must end in an
 * {@link Identification} or an {@link Unidentified} with a one-line reason (sidecars: parsed, or an
 * {@link IOException}); any other throwable or a hang is a finding. The normal test run replays the committed inputs
 * under {@code ModelIdentifierFuzzTestInputs/<method>/}; {@code tools/fuzz.sh identify|identify-file|sidecar} fuzzes.
 */
class ModelIdentifierFuzzTest {

    /** A whole safetensors file in memory: header keys, shapes, dtypes and metadata drive every rule. */
    @FuzzTest(maxDuration = "10m")
    void identifySafetensors(byte[] file) {
        check(ModelIdentifier.identifySafetensorsOrThrow(file, "fuzz.safetensors"));
    }

    /** Any file on disk: safetensors, PyTorch zip pickles (through the restricted unpickler), anything else. */
    @FuzzTest(maxDuration = "10m")
    void identifyFile(byte[] file) throws IOException {
        Path tmp = Files.createTempFile("fuzz", ".ckpt");
        try {
            Files.write(tmp, file);
            check(ModelIdentifier.identifyOrThrow(tmp));
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Civitai {@code .civitai.info} and A1111 {@code .json} sidecars. */
    @FuzzTest(maxDuration = "10m")
    void sidecar(byte[] json) {
        String text = new String(json, StandardCharsets.UTF_8);
        try {
            Sidecars.Info info = Sidecars.parseCivitaiInfo(text);
            info.triggerWords().forEach(w -> assertFalse(w.isBlank()));
            assertFalse(!info.sourceUrl().isEmpty() && !info.sourceUrl().startsWith("http"), info.sourceUrl());
        } catch (IOException expected) {
            // not a JSON object: ignored with a problem line by Sidecars.read
        }
        try {
            Sidecars.parseA1111(text).triggerWords().forEach(w -> assertFalse(w.isBlank()));
        } catch (IOException expected) {
            // as above
        }
    }

    private static void check(IdentifyResult r) {
        switch (r) {
            case Identification id -> assertFalse(id.describe().isBlank());
            case Unidentified u -> assertEquals(1, u.reason().lines().count(), u.reason());
        }
    }
}
