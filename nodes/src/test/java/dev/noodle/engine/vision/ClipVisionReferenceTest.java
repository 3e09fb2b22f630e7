package dev.noodle.engine.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.io.SafetensorsFile;
import dev.noodle.engine.text.ClipConfig.Activation;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * CLIP image towers (Hugging Face layout with quick GELU, open_clip layout with GELU), ComfyUI's clip_preprocess
 * (antialiased bicubic, centre crop or not, 8-bit rounding, CLIP normalisation) and the T2I style adapter against
 * nodes/src/test/python/clip_vision_reference.py, on the same random weights.
 */
class ClipVisionReferenceTest {
    static final ClipVisionConfig HF_QUICK =
            new ClipVisionConfig(32, 3, 4, 64, 4, 16, 24, Activation.QUICK_GELU, 1e-5f);
    static final ClipVisionConfig OC_GELU = new ClipVisionConfig(48, 2, 16, 96, 3, 12, 20, Activation.GELU, 1e-5f);
    static final String[] IMAGES = {"wide", "small4"};

    static SafetensorsFile expected;

    @BeforeAll
    static void open() throws Exception {
        expected = SafetensorsFile.open(resource("clip_vision_expected.safetensors"));
    }

    @AfterAll
    static void close() {
        expected.close();
    }

    static Path resource(String name) throws Exception {
        return Path.of(ClipVisionReferenceTest.class.getResource(name).toURI());
    }

    static void assertClose(String key, NDArray got, double tol) {
        assertClose(key, got.getShape().getShape(), got.toFloatArray(), tol);
    }

    static void assertClose(String key, long[] shape, float[] got, double tol) {
        assertArrayEquals(expected.info(key).shape(), shape, key + " shape");
        float[] want = expected.loadFloats(key);
        double max = 0;
        for (int i = 0; i < want.length; i++) {
            max = Math.max(max, Math.abs(want[i] - got[i]));
        }
        assertTrue(max <= tol, key + ": max error " + max);
    }

    static NDArray image(NDManager m, String name) {
        long[] s = expected.info("image." + name).shape();
        return m.create(expected.loadFloats("image." + name), new Shape(s));
    }

    void checkTower(String name, ClipVisionModel model) {
        try (NDManager m = NDManager.newBaseManager()) {
            String[] images = {IMAGES[0], IMAGES[1], "exact_" + name};
            for (String img : images) {
                for (String crop : new String[] {"center", "none"}) {
                    String k = name + "." + img + "." + crop + ".";
                    NDArray x = image(m, img);
                    long[] s = x.getShape().getShape();
                    int size = model.config().imageSize();
                    float[] px = ClipPreprocess.apply(x.toFloatArray(), (int) s[0], (int) s[1], (int) s[2],
                            (int) s[3], size, ClipPreprocess.Crop.fromName(crop));
                    // a pixel exactly halfway between two 8-bit levels may round the other way: allow one level
                    assertClose(k + "pixels", new long[] {s[0], 3, size, size}, px, 1.0 / 255 / 0.26 + 1e-5);
                    ClipVisionEncoder.Output o = model.encode(x, crop, m);
                    assertClose(k + "last_hidden_state", o.lastHiddenState(), 2e-4);
                    assertClose(k + "penultimate_hidden_states", o.penultimateHiddenStates(), 2e-4);
                    assertClose(k + "image_embeds", o.imageEmbeds(), 2e-4);
                }
            }
        }
    }

    @Test
    void huggingFaceTowerWithQuickGelu() throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(resource("clip_vision_hf_quick.safetensors"));
                ClipVisionModel model = ClipVisionModel.load(f, "clip_vision_hf_quick.safetensors",
                        ClipVisionLayout.HF, HF_QUICK, Device.cpu())) {
            checkTower("hf_quick", model);
        }
    }

    @Test
    void openClipTowerWithGeluRecognisedFromItsShapes() throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(resource("clip_vision_oc_gelu.safetensors"));
                ClipVisionModel model = ClipVisionModel.load(f, "clip_vision_oc_gelu.safetensors")) {
            assertEquals(OC_GELU, model.config());
            checkTower("oc_gelu", model);
        }
    }

    @Test
    void preprocessingIsExactAwayFromRoundingTies() throws Exception {
        // the 8-bit rounding makes most pixels exact; count those off by more than float noise
        for (String img : IMAGES) {
            String k = "hf_quick." + img + ".center.pixels";
            long[] s = expected.info("image." + img).shape();
            float[] px = ClipPreprocess.apply(expected.loadFloats("image." + img), (int) s[0], (int) s[1],
                    (int) s[2], (int) s[3], 16, ClipPreprocess.Crop.CENTER);
            float[] want = expected.loadFloats(k);
            int off = 0;
            for (int i = 0; i < want.length; i++) {
                if (Math.abs(want[i] - px[i]) > 1e-5) {
                    off++;
                }
            }
            assertTrue(off <= want.length / 200, img + ": " + off + " of " + want.length + " pixels differ");
        }
    }

    @Test
    void styleAdapterFromSafetensorsAndFromThePublishedPthFormat() throws Exception {
        for (String file : new String[] {"style_adapter_tiny.safetensors", "style_adapter_tiny.pth"}) {
            try (ModelFile f = ModelFiles.open(resource(file));
                    StyleAdapter adapter = StyleAdapter.load(f, file);
                    NDManager m = NDManager.newBaseManager()) {
                assertEquals(new StyleAdapter.Config(32, 24, 2, 5), adapter.config());
                String in = "hf_quick.wide.center.last_hidden_state";
                NDArray x = m.create(expected.loadFloats(in), new Shape(expected.info(in).shape()));
                assertClose("style.tokens", adapter.tokens(x, m), 2e-4);
            }
        }
    }
}
