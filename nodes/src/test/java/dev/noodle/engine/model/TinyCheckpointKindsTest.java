package dev.noodle.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.unet.UNetConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every tiny checkpoint kind is detected as the family it stands for, with the UNet input width that implies. */
class TinyCheckpointKindsTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(TinyCheckpoints.Kind.class)
    void eachKindIsDetectedAsItsFamily(TinyCheckpoints.Kind kind) throws Exception {
        Path f = TinyCheckpoints.write(dir.resolve(kind + ".safetensors"), kind);
        try (ModelFile src = ModelFiles.open(f)) {
            CheckpointInfo info = FamilyDetector.detect(src);
            assertEquals(kind.family(), info.family());
            assertEquals(kind.family().inpainting() ? 9 : 4, info.unetInChannels());
            assertEquals(info.textWidth(), UNetConfig.fromWeights(src).contextDim());
        }
    }
}
