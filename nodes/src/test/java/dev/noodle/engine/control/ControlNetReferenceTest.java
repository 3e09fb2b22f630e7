package dev.noodle.engine.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.model.ModelFamily;
import dev.noodle.engine.runtime.Devices;
import dev.noodle.engine.unet.ControlResiduals;
import dev.noodle.engine.unet.UNetModel;
import dev.noodle.engine.unet.UNetPatches;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The ControlNet forward against an independent torch re-statement of cldm's ControlNet
 * ({@code src/test/python/controlnet_reference.py}) on the same random weights: every zero-conv residual, the middle
 * residual, and the UNet's ε with those residuals added at the skips and the middle block.
 */
class ControlNetReferenceTest {
    static Path resource(String name) throws Exception {
        return Path.of(ControlNetReferenceTest.class.getResource(name).toURI());
    }

    static void assertClose(NDArray want, NDArray got, double rel, String what) {
        assertEquals(want.getShape(), got.getShape(), what);
        float[] w = want.toFloatArray();
        float[] g = got.toType(DataType.FLOAT32, false).toFloatArray();
        double scale = 0;
        double err = 0;
        for (int i = 0; i < w.length; i++) {
            scale = Math.max(scale, Math.abs(w[i]));
            err = Math.max(err, Math.abs(w[i] - g[i]));
        }
        assertTrue(err <= rel * Math.max(scale, 1e-3), what + ": max abs error " + err + " of " + scale);
    }

    @Test
    void residualsAndControlledUNetMatchTheTorchReference() throws Exception {
        Devices.Target cpu = Devices.Target.cpu();
        try (ModelFile io = ModelFiles.open(resource("/controlnet/tiny_controlnet_io.safetensors"));
                ModelFile unetFile = ModelFiles.open(resource("/unet/tiny_unet.safetensors"));
                UNetModel unet = UNetModel.load(unetFile, cpu);
                ControlModel control = ControlModels.load(resource("/controlnet/tiny_controlnet.safetensors"),
                        ControlModels.Request.of(cpu));
                NDManager m = NDManager.newBaseManager()) {
            assertEquals(ModelFamily.SD1, control.family());
            NDArray x = io.load("x", m, DataType.FLOAT32);
            NDArray t = io.load("timesteps", m, DataType.FLOAT32);
            NDArray ctx = io.load("context", m, DataType.FLOAT32);
            NDArray hint = io.load("hint", m, DataType.FLOAT32);
            ControlResiduals r = control.residuals(x, t, ctx, null, hint, m);
            int n = 0;
            while (io.contains("res_" + n)) {
                assertClose(io.load("res_" + n, m, DataType.FLOAT32), r.outputAt(n), 1e-4, "zero conv " + n);
                n++;
            }
            assertEquals(n, r.output().size());
            assertClose(io.load("middle", m, DataType.FLOAT32), r.middle(), 1e-4, "middle_block_out");
            NDArray eps = unet.forward(x, t, ctx, null, UNetPatches.ofControl(r));
            assertClose(io.load("eps", m, DataType.FLOAT32), eps, 1e-4, "ε with the ControlNet's residuals");
        }
    }
}
