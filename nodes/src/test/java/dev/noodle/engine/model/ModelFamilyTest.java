package dev.noodle.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which families share SDXL's latent space, and how families are named to users. */
class ModelFamilyTest {
    @Test
    void theRefinerAndSdxlInpaintingShareSdxlLatents() {
        Set<ModelFamily> sdxl = EnumSet.noneOf(ModelFamily.class);
        for (ModelFamily f : ModelFamily.values()) {
            if (f.sdxlLatents()) {
                sdxl.add(f);
                assertEquals(ModelFamily.SDXL.latentScale(), f.latentScale(), f + " latent scale");
            }
        }
        assertEquals(EnumSet.of(ModelFamily.SDXL, ModelFamily.SDXL_INPAINT, ModelFamily.SDXL_REFINER), sdxl);
    }

    @Test
    void familiesAreNamedAsUsersCallThem() {
        assertEquals("SD 1.x", ModelFamily.SD1.displayName());
        assertEquals("SD 2.x inpainting", ModelFamily.SD2_INPAINT.displayName());
        assertEquals("SDXL inpainting", ModelFamily.SDXL_INPAINT.displayName());
        assertEquals("SDXL refiner", ModelFamily.SDXL_REFINER.displayName());
    }
}
