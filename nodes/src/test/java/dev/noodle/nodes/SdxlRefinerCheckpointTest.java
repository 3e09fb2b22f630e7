package dev.noodle.nodes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.noodle.engine.diffusion.AdmConditioning;
import dev.noodle.engine.model.CheckpointLoader;
import dev.noodle.engine.model.LoadedCheckpoint;
import dev.noodle.engine.model.ModelFamily;
import dev.noodle.engine.model.TinyCheckpoints;
import dev.noodle.engine.runtime.Devices;
import dev.noodle.engine.sampling.ModelSampling;
import dev.noodle.engine.sampling.PredictionType;
import dev.noodle.engine.text.ClipEncoding;
import dev.noodle.engine.text.ClipOutput;
import dev.noodle.engine.text.DemoVocabulary;
import dev.noodle.engine.text.SdxlConditioning;
import dev.noodle.nodes.host.ModelFileFacts;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SDXL refiner through the checkpoint loader, on a tiny generated refiner with the real key names. */
class SdxlRefinerCheckpointTest {
    @TempDir
    static Path dir;

    static LoadedCheckpoint refiner;

    @BeforeAll
    static void load() throws Exception {
        Path f = TinyCheckpoints.write(dir.resolve("sd_xl_refiner_1.0.safetensors"),
                TinyCheckpoints.Kind.SDXL_REFINER);
        refiner = CheckpointLoader.load(f, dir, Devices.Target.cpu(), s -> { });
    }

    @AfterAll
    static void close() {
        refiner.close();
    }

    @Test
    void loadsTheRefinerUNetAndBigGAloneWithSdxlLatents() {
        assertEquals(ModelFamily.SDXL_REFINER, refiner.info().family());
        assertEquals(TinyCheckpoints.refinerUnet(), refiner.unet().config());
        assertNull(refiner.clip2()); // one text encoder: OpenCLIP bigG
        assertEquals(TinyCheckpoints.refinerClipG().projectionDim(), refiner.clip().config().projectionDim());
        assertEquals(ClipEncoding.sdxlClipG(), refiner.encoding()); // penultimate layer, pad 0, no final norm
        assertEquals(0.13025f, refiner.latentScale());
        assertEquals(PredictionType.EPS, refiner.sampling().prediction());
        assertArrayEquals(ModelSampling.sd15().sigmas(), refiner.sampling().sigmas());
        assertEquals("SDXL refiner", ModelFileFacts.familyName(refiner.info().family()));
    }

    @Test
    void bigGsPooledOutputFillsTheRefinersYWithTheAestheticScore() {
        try (NDManager m = NDManager.newBaseManager()) {
            int[] ids = java.util.Arrays.copyOf(DemoVocabulary.tokenizer().encodeWithSpecials("a fox"), 77);
            ClipOutput out = refiner.clip().encode(m, new int[][] {ids}, refiner.encoding().stopAtLayer(),
                    refiner.encoding().finalNorm()); // padded with 0 after the end token, as bigG is
            assertEquals(refiner.unet().config().contextDim(), out.hidden().getShape().get(2));
            NDArray pooled = out.pooled(); // [1, 128]: bigG's projection
            int adm = refiner.unet().config().admInChannels();
            NDArray y = AdmConditioning.y(m, adm, pooled, Map.of(AdmConditioning.AESTHETIC_SCORE, 7.5), 8, 12,
                    false);
            assertArrayEquals(SdxlConditioning.refinerVector(pooled.toFloatArray(), 64, 96, 0, 0, 7.5),
                    y.toFloatArray(), 0f);
            NDArray neg = AdmConditioning.y(m, adm, pooled, Map.of(), 8, 12, true); // negative default 2.5
            assertArrayEquals(SdxlConditioning.refinerVector(pooled.toFloatArray(), 64, 96, 0, 0, 2.5),
                    neg.toFloatArray(), 0f);
        }
    }
}
