package dev.noodle.engine.unet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.noodle.engine.io.DType;
import dev.noodle.engine.io.MapTensorSource;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorInfo;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.runtime.Devices;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Parameter shapes, config inference and the binding's error reports, checked on shapes alone. */
class UNetConfigTest {
    /** A source that knows only keys and shapes (enough for config inference and checks). */
    static TensorSource shapesOnly(Map<String, long[]> shapes) {
        return new TensorSource() {
            @Override
            public Set<String> keys() {
                return shapes.keySet();
            }

            @Override
            public TensorInfo info(String key) {
                return new TensorInfo(key, DType.F16, shapes.get(key));
            }

            @Override
            public NDArray load(String key, NDManager manager, DataType compute) {
                throw new UnsupportedOperationException("shapes only");
            }

            @Override
            public float[] loadFloats(String key) {
                throw new UnsupportedOperationException("shapes only");
            }

            @Override
            public String describe() {
                return "shapes.safetensors";
            }
        };
    }

    private static long count(Map<String, long[]> shapes) {
        long n = 0;
        for (long[] s : shapes.values()) {
            long p = 1;
            for (long d : s) {
                p *= d;
            }
            n += p;
        }
        return n;
    }

    @Test
    void sd15HasTheKnownParameterCountAndKeys() {
        Map<String, long[]> s = UNetConfig.parameterShapes(UNetConfig.sd15());
        assertEquals(859_520_964L, count(s));
        assertEquals(686, s.size());
        assertArrayEquals(new long[] {320, 4, 3, 3}, s.get("model.diffusion_model.input_blocks.0.0.weight"));
        assertArrayEquals(new long[] {640, 320, 1, 1},
                s.get("model.diffusion_model.input_blocks.4.0.skip_connection.weight"));
        assertArrayEquals(new long[] {1280, 1280, 3, 3}, s.get("model.diffusion_model.input_blocks.9.0.op.weight"));
        assertArrayEquals(new long[] {1280, 1280, 3, 3}, s.get("model.diffusion_model.output_blocks.2.1.conv.weight"));
        assertArrayEquals(new long[] {640, 640, 3, 3}, s.get("model.diffusion_model.output_blocks.8.2.conv.weight"));
        assertArrayEquals(new long[] {320, 768},
                s.get("model.diffusion_model.output_blocks.11.1.transformer_blocks.0.attn2.to_k.weight"));
        assertArrayEquals(new long[] {10240, 1280},
                s.get("model.diffusion_model.middle_block.1.transformer_blocks.0.ff.net.0.proj.weight"));
    }

    @Test
    void sd2HasTheKnownParameterCountAndLinearProjections() {
        Map<String, long[]> s = UNetConfig.parameterShapes(UNetConfig.sd2());
        assertEquals(865_910_724L, count(s));
        assertArrayEquals(new long[] {320, 320}, s.get("model.diffusion_model.input_blocks.1.1.proj_in.weight"));
        assertEquals(5, UNetConfig.sd2().heads(320));
        assertEquals(20, UNetConfig.sd2().heads(1280));
    }

    @Test
    void configsRoundTripThroughTheirShapes() {
        for (UNetConfig c : new UNetConfig[] {
            UNetConfig.sd15(), UNetConfig.sd2(), UNetConfig.tiny(), UNetConfig.sd15().withInChannels(9)
        }) {
            assertEquals(c, UNetConfig.fromWeights(shapesOnly(UNetConfig.parameterShapes(c))), c.toString());
        }
    }

    @Test
    void notAUnetIsAClearError() {
        Map<String, long[]> vae = Map.of("first_stage_model.decoder.conv_in.weight", new long[] {512, 4, 3, 3});
        ModelFormatException e =
                assertThrows(ModelFormatException.class, () -> UNetConfig.fromWeights(shapesOnly(vae)));
        assertTrue(e.getMessage().contains("input_blocks.0.0.weight"), e.getMessage());
        assertTrue(e.getMessage().contains("shapes.safetensors"), e.getMessage());
    }

    @Test
    void bindingNamesMissingUnexpectedAndMismatchedKeys() {
        UNetConfig tiny = UNetConfig.tiny();
        Map<String, MapTensorSource.Entry> entries = new LinkedHashMap<>();
        UNetConfig.parameterShapes(tiny).forEach((k, s) -> {
            long n = 1;
            for (long d : s) {
                n *= d;
            }
            entries.put(k, new MapTensorSource.Entry(s, new float[(int) n]));
        });
        entries.remove("model.diffusion_model.out.2.bias");
        entries.put("model.diffusion_model.time_embed.0.bias", new MapTensorSource.Entry(new long[] {7}, new float[7]));
        entries.put("model.diffusion_model.label_emb.0.0.weight",
                new MapTensorSource.Entry(new long[] {2}, new float[2]));
        entries.put("first_stage_model.ignored", new MapTensorSource.Entry(new long[] {1}, new float[1]));
        MapTensorSource src = new MapTensorSource(entries, "broken.safetensors");
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> UNetWeights.load(src, tiny, Devices.Target.cpu()));
        String m = e.getMessage();
        assertTrue(m.startsWith("broken.safetensors"), m);
        assertTrue(m.contains("1 missing keys: model.diffusion_model.out.2.bias [4]"), m);
        assertTrue(m.contains("model.diffusion_model.time_embed.0.bias: file has [7], expected [128]"), m);
        assertTrue(m.contains("1 unexpected keys: model.diffusion_model.label_emb.0.0.weight [2]"), m);
        assertTrue(!m.contains("first_stage_model"), m);
    }
}
