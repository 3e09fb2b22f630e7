package dev.noodle.engine.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.SafetensorsFile;
import dev.noodle.engine.runtime.Devices;
import dev.noodle.engine.unet.AttentionHook;
import dev.noodle.engine.unet.UNetModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HypernetworkTest {
    private static float[] floats(JsonNode n) {
        float[] f = new float[n.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = n.get(i).floatValue();
        }
        return f;
    }

    private static void assertClose(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-4 * Math.max(1, Math.abs(want[i])), what + " [" + i + "]");
        }
    }

    @Test
    void kvModulesMatchTorch() throws IOException {
        JsonNode exp = new ObjectMapper().readTree(LoraPatcherTest.DIR.resolve("hypernetwork_expected.json").toFile());
        for (String name : new String[] {"hn_relu", "hn_mish_ln_dropout", "hn_swish"}) {
            try (Hypernetwork hn = Hypernetwork.load(LoraPatcherTest.DIR.resolve(name + ".pt"));
                    NDManager m = NDManager.newBaseManager()) {
                assertEquals(Set.of(8, 12), hn.widths());
                for (int width : new int[] {8, 12}) {
                    JsonNode e = exp.get(name).get(Integer.toString(width));
                    NDArray ctx = m.create(floats(e.get("context")), new Shape(2, 3, width));
                    AttentionHook.KeyValue kv = hn.apply(ctx, e.get("strength").floatValue());
                    assertClose(floats(e.get("k")), kv.k().toFloatArray(), name + " k " + width);
                    assertClose(floats(e.get("v")), kv.v().toFloatArray(), name + " v " + width);
                    // the hook uses it for every attention of a known width, and only there
                    AttentionHook.KeyValue viaHook = hn.hook(e.get("strength").floatValue()).apply(ctx, false);
                    assertClose(floats(e.get("k")), viaHook.k().toFloatArray(), name + " hook k " + width);
                    assertNull(hn.hook(0f).apply(ctx, true));
                }
                assertNull(hn.hook(1f).apply(m.zeros(new Shape(1, 2, 16)), true));
            }
        }
    }

    @Test
    void fp16ContextStaysFp16() {
        try (Hypernetwork hn = Hypernetwork.load(LoraPatcherTest.DIR.resolve("hn_relu.pt"));
                NDManager m = NDManager.newBaseManager()) {
            NDArray ctx = m.ones(new Shape(1, 2, 8)).toType(DataType.FLOAT16, false);
            assertEquals(DataType.FLOAT16, hn.apply(ctx, 1f).k().getDataType());
        }
    }

    @Test
    void notAHypernetworkIsRefused() {
        Path lora = LoraPatcherTest.DIR.resolve("lora_kohya.safetensors");
        assertThrows(ModelFormatException.class, () -> Hypernetwork.load(lora));
    }

    /** Cross-attention hook plumbing in the real UNet: k = v = c + δ on attn2 equals running on context c + δ. */
    @Test
    void unetCrossAttentionHookEqualsTransformedContext() throws Exception {
        Path dir = Path.of(HypernetworkTest.class.getResource("/unet/tiny_unet.safetensors").toURI()).getParent();
        try (SafetensorsFile w = SafetensorsFile.open(dir.resolve("tiny_unet.safetensors"));
                SafetensorsFile io = SafetensorsFile.open(dir.resolve("tiny_unet_io.safetensors"));
                NDManager m = NDManager.newBaseManager();
                UNetModel model = UNetModel.load(w, Devices.Target.cpu())) {
            NDArray x = io.load("x", m, DataType.FLOAT32);
            NDArray t = io.load("timesteps", m, DataType.FLOAT32);
            NDArray ctx = io.load("context", m, DataType.FLOAT32);
            AttentionHook shift = (in, cross) -> {
                if (!cross) {
                    return null;
                }
                NDArray s = in.add(0.25f).mul(1.5f);
                return new AttentionHook.KeyValue(s, s);
            };
            UNetModel hooked = model.withAttentionHook(shift);
            float[] viaHook = hooked.forward(x, t, ctx).toFloatArray();
            float[] viaContext = model.forward(x, t, ctx.add(0.25f).mul(1.5f)).toFloatArray();
            assertClose(viaContext, viaHook, "hooked UNet");
            float[] base = model.forward(x, t, ctx).toFloatArray();
            float[] nullHook = model.withAttentionHook((in, cross) -> null).forward(x, t, ctx).toFloatArray();
            assertClose(base, nullHook, "null hook");
            assertNotEquals(base[0], viaHook[0]);
            // a self-attention hook reaches attn1 too
            AttentionHook selfOnly = (in, cross) -> cross ? null : new AttentionHook.KeyValue(in.mul(2f), in);
            float[] selfHooked = model.withAttentionHook(selfOnly).forward(x, t, ctx).toFloatArray();
            assertTrue(Math.abs(selfHooked[0] - base[0]) > 1e-6, "attn1 hook had no effect");
        }
    }
}
