package dev.noodle.engine.control;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.model.DemoCheckpoint;
import dev.noodle.engine.model.ModelFamily;
import dev.noodle.engine.model.TinyCheckpoints;
import dev.noodle.engine.runtime.Devices;
import dev.noodle.engine.unet.ControlResiduals;
import dev.noodle.engine.unet.UNetConfig;
import dev.noodle.engine.unet.UNetWeights;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The other ControlNet formats end to end through {@link ControlModels}: a diffusers ControlNet gives exactly the
 * residuals of the LDM file holding the same weights, and a control-LoRA on the tiny SDXL model loads (with the
 * model, or without it and made from the sampled model's UNet later), runs and equals the ControlNet its
 * reconstructed weights make.
 */
class ControlNetFormatsLoadTest {
    private static final Devices.Target CPU = Devices.Target.cpu();
    private static final long SEED = 11;

    @TempDir
    Path dir;

    private static List<float[]> residuals(ControlModel c, UNetConfig cfg, NDManager m) {
        ai.djl.engine.Engine.getInstance().setRandomSeed(5);
        NDArray x = m.randomNormal(new Shape(2, 4, 8, 6));
        NDArray t = m.create(new float[] {900f, 20f});
        NDArray ctx = m.randomNormal(new Shape(2, 5, cfg.contextDim()));
        NDArray y = cfg.hasLabelEmbedding() ? m.randomNormal(new Shape(2, cfg.admInChannels())) : null;
        NDArray hint = c.hint(m.randomUniform(0, 1, new Shape(1, 3, 64, 48)), 8, 6, m);
        ControlResiduals r = c.residuals(x, t, ctx, y, hint, m);
        List<float[]> out = new ArrayList<>();
        for (NDArray a : r.output()) {
            out.add(a.toFloatArray());
        }
        out.add(r.middle().toFloatArray());
        return out;
    }

    private static void assertSame(List<float[]> want, List<float[]> got, float tolerance) {
        assertEquals(want.size(), got.size());
        for (int i = 0; i < want.size(); i++) {
            assertArrayEquals(want.get(i), got.get(i), tolerance, "residual " + i);
        }
    }

    @Test
    void diffusersFileGivesTheResidualsOfTheLdmFile() throws Exception {
        for (UNetConfig cfg : new UNetConfig[] {DemoCheckpoint.unetConfig(), TinyCheckpoints.sdxlUnet()}) {
            Path ldm = TinyControlNets.write(dir.resolve("control.safetensors"), cfg, TinyControlNets.Layout.SAFETENSORS,
                    SEED);
            Path diffusers = ControlNetFiles.writeDiffusers(dir.resolve("diffusion_pytorch_model.safetensors"), cfg, 3,
                    SEED);
            try (NDManager m = NDManager.newBaseManager();
                    ControlModel a = ControlModels.load(ldm, ControlModels.Request.of(CPU));
                    ControlModel b = ControlModels.load(diffusers, ControlModels.Request.of(CPU))) {
                assertEquals(a.family(), b.family());
                assertEquals(((ControlNet) a).config(), ((ControlNet) b).config());
                List<float[]> want = residuals(a, cfg, m);
                assertTrue(want.stream().anyMatch(f -> f.length > 0 && Math.abs(f[0]) > 0), "residuals are not zero");
                assertSame(want, residuals(b, cfg, m), 0f);
            }
        }
    }

    @Test
    void controlLoraLoadsOnTheTinySdxlModelAndRuns() throws Exception {
        UNetConfig xl = TinyCheckpoints.sdxlUnet();
        Path unetFile = ControlNetFiles.writeUnet(dir.resolve("sdxl-unet.safetensors"), xl, 3);
        Path lora = ControlNetFiles.writeControlLora(dir.resolve("control-lora-canny-rank8.safetensors"), xl, 3, 8,
                SEED);
        Path whole = dir.resolve("control-whole.safetensors");
        try (ModelFile uf = ModelFiles.open(unetFile); ModelFile lf = ModelFiles.open(lora)) {
            // the reconstructed ControlNet written out as an LDM file: the reference the control-LoRA must match
            TensorSource view = ControlLoraSource.of(lf, uf.withPrefix(UNetConfig.PREFIX));
            SafetensorsWriter w = new SafetensorsWriter();
            for (String k : view.keys()) {
                w.addF32(k, view.info(k).shape(), view.loadFloats(k));
            }
            w.write(whole);
        }
        try (ModelFile uf = ModelFiles.open(unetFile);
                UNetWeights model = UNetWeights.load(uf, xl, CPU);
                NDManager m = NDManager.newBaseManager()) {
            ControlModels.Request withModel = new ControlModels.Request(CPU, model, ModelFamily.SDXL);
            try (ControlModel c = ControlModels.load(lora, withModel);
                    ControlModel ref = ControlModels.load(whole, ControlModels.Request.of(CPU))) {
                assertInstanceOf(ControlNet.class, c);
                assertEquals(ModelFamily.SDXL, c.family());
                List<float[]> got = residuals(c, xl, m);
                assertEquals(xl.inputBlockChannels().length + 1, got.size());
                for (float[] f : got) {
                    for (float v : f) {
                        assertTrue(Float.isFinite(v));
                    }
                }
                assertSame(residuals(ref, xl, m), got, 1e-4f);
            }
            // ControlNetLoader gives no model: the ControlNet is made from the sampled model's UNet when sampling
            try (ControlModel deferred = ControlModels.load(lora, ControlModels.Request.of(CPU));
                    ControlModel ref = ControlModels.load(whole, ControlModels.Request.of(CPU))) {
                assertInstanceOf(ControlLora.class, deferred);
                assertEquals(ModelFamily.SDXL, deferred.family());
                assertThrows(IllegalStateException.class, () -> residuals(deferred, xl, m));
                ControlModel run = deferred.forModel(model, ModelFamily.SDXL);
                assertInstanceOf(ControlNet.class, run);
                assertTrue(run == deferred.forModel(model, ModelFamily.SDXL), "made once per model");
                assertSame(residuals(ref, xl, m), residuals(run, xl, m), 1e-4f);
                assertTrue(deferred.sizeBytes() > 0);
            }
        }
    }

    @Test
    void controlLoraOnAnSd1ModelIsRefusedNamingTheFile() throws Exception {
        UNetConfig sd1 = DemoCheckpoint.unetConfig();
        Path unetFile = ControlNetFiles.writeUnet(dir.resolve("sd1-unet.safetensors"), sd1, 3);
        Path lora = ControlNetFiles.writeControlLora(dir.resolve("control-lora-depth.safetensors"),
                TinyCheckpoints.sdxlUnet(), 3, 4, SEED);
        try (ModelFile uf = ModelFiles.open(unetFile); UNetWeights model = UNetWeights.load(uf, sd1, CPU)) {
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> ControlModels.load(lora,
                    new ControlModels.Request(CPU, model, ModelFamily.SD1)));
            assertTrue(e.getMessage().contains("control-lora-depth.safetensors")
                    && e.getMessage().contains("another base model"), e.getMessage());
        }
    }
}
