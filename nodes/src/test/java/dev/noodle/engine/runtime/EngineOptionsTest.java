package dev.noodle.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Properties;
import org.junit.jupiter.api.Test;

class EngineOptionsTest {

    private static Properties props(String... kv) {
        Properties p = new Properties();
        for (int i = 0; i < kv.length; i += 2) {
            p.setProperty(kv[i], kv[i + 1]);
        }
        return p;
    }

    @Test
    void noPropertiesGiveTheDefaults() {
        EngineOptions o = EngineOptions.fromProperties(new Properties());
        assertEquals(EngineOptions.defaults(), o);
        assertEquals(new EngineOptions(EngineOptions.DeviceChoice.AUTO, EngineOptions.DtypeChoice.AUTO,
                Attention.Mode.FAST, GroupNorm.Mode.FAST, ConvLayout.CHANNELS_LAST), o);
    }

    @Test
    void legacyPropertyNamesAndSpellingsAreAccepted() {
        EngineOptions o = EngineOptions.fromProperties(props("noodle.device", " CUDA ", "noodle.dtype", "float16",
                "noodle.attention", "djl", "noodle.groupnorm", "Fallback", "noodle.nchw", "true"));
        assertEquals(new EngineOptions(EngineOptions.DeviceChoice.GPU, EngineOptions.DtypeChoice.FP16,
                Attention.Mode.FALLBACK, GroupNorm.Mode.FALLBACK, ConvLayout.NCHW), o);
        EngineOptions cpu = EngineOptions.fromProperties(props("noodle.device", "cpu", "noodle.dtype", "fp32",
                "noodle.attention", "sdpa", "noodle.groupnorm", "fast", "noodle.nchw", "no"));
        assertEquals(new EngineOptions(EngineOptions.DeviceChoice.CPU, EngineOptions.DtypeChoice.FP32,
                Attention.Mode.FAST, GroupNorm.Mode.FAST, ConvLayout.CHANNELS_LAST), cpu);
    }

    @Test
    void unknownValuesNameThePropertyAndTheChoices() {
        IllegalArgumentException d = assertThrows(IllegalArgumentException.class,
                () -> EngineOptions.fromProperties(props("noodle.device", "tpu")));
        assertTrue(d.getMessage().contains("noodle.device must be auto, cpu or gpu, got 'tpu'"), d.getMessage());
        IllegalArgumentException t = assertThrows(IllegalArgumentException.class,
                () -> EngineOptions.fromProperties(props("noodle.dtype", "bf16")));
        assertTrue(t.getMessage().contains("noodle.dtype must be auto, fp32 or fp16, got 'bf16'"), t.getMessage());
        IllegalArgumentException a = assertThrows(IllegalArgumentException.class,
                () -> EngineOptions.fromProperties(props("noodle.attention", "flash")));
        assertTrue(a.getMessage().contains("noodle.attention must be fast or fallback, got 'flash'"),
                a.getMessage());
    }

    @Test
    void cpuAndExplicitChoicesGiveTheirTargets() {
        EngineOptions o = EngineOptions.defaults().withAttention(Attention.Mode.FALLBACK);
        Devices.Target cpu = Devices.Target.cpu(o);
        assertEquals(ai.djl.Device.cpu(), cpu.device());
        assertEquals(ai.djl.ndarray.types.DataType.FLOAT32, cpu.dtype());
        assertEquals(o, cpu.options());
        Devices.Target chosen = Devices.choose(o.withDevice(EngineOptions.DeviceChoice.CPU)
                .withDtype(EngineOptions.DtypeChoice.FP16));
        assertEquals(ai.djl.Device.cpu(), chosen.device());
        assertEquals(ai.djl.ndarray.types.DataType.FLOAT16, chosen.dtype());
        assertEquals(Attention.Mode.FALLBACK, chosen.options().attention());
    }
}
