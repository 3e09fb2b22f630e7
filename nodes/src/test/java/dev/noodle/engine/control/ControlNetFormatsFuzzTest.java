package dev.noodle.engine.control;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.noodle.engine.io.DType;
import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorInfo;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.model.DemoCheckpoint;
import dev.noodle.engine.model.TinyCheckpoints;
import dev.noodle.engine.unet.UNetConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Jazzer fuzz targets for ControlNet format detection and conversion (diffusers ControlNets, control-LoRAs).
 * Every input must either convert into a view whose every key reads back with its stated number of elements, or fail with {@link ModelFormatException}; any other throwable or a hang is a finding. Regression inputs
 * live under {@code ControlNetFormatsFuzzTestInputs/<method>/}; {@code tools/fuzz.sh} fuzzes.
 */
class ControlNetFormatsFuzzTest {
    private static final UNetConfig SD1 = DemoCheckpoint.unetConfig();
    private static final UNetConfig XL = TinyCheckpoints.sdxlUnet();
    private static final List<Map<String, long[]>> BASES = List.of(
            ControlNetFiles.diffusersShapes(SD1, 3),
            ControlNetFiles.diffusersShapes(XL, 3),
            ControlNetFiles.controlLoraShapes(XL, 3, 4));
    private static final TensorSource XL_UNET = new Shapes(unet(XL), "xl-unet");
    private static final TensorSource SD1_UNET = new Shapes(unet(SD1), "sd1-unet");
    private static final String[] TOKENS = {"0", "1", "9", "12", "99999", "weight", "bias", "up", "down",
        "down_blocks", "mid_block", "attentions", "resnets", "transformer_blocks", "controlnet_down_blocks",
        "controlnet_cond_embedding", "blocks", "conv_out", "input_blocks", "zero_convs", "lora_controlnet",
        "difference", "label_emb", "output_blocks", ""};
    private static final long MAX_ELEMENTS = 1 << 18;

    /**
     * A real key layout (a diffusers ControlNet or a control-LoRA, tiny configs) changed by a few
     * fuzzed edits — keys dropped, renamed, added or reshaped — converted against a tiny SD1 or SDXL UNet.
     */
    @FuzzTest(maxDuration = "10m")
    void convertEditedLayout(FuzzedDataProvider data) {
        Map<String, long[]> shapes = new LinkedHashMap<>(BASES.get(data.consumeInt(0, BASES.size() - 1)));
        int edits = data.consumeInt(0, 8);
        for (int e = 0; e < edits && !shapes.isEmpty(); e++) {
            List<String> keys = new ArrayList<>(shapes.keySet());
            String key = keys.get(data.consumeInt(0, keys.size() - 1));
            switch (data.consumeInt(0, 3)) {
                case 0 -> shapes.remove(key);
                case 1 -> {
                    String[] parts = key.split("\\.", -1);
                    parts[data.consumeInt(0, parts.length - 1)] = data.pickValue(TOKENS);
                    shapes.put(String.join(".", parts), shapes.remove(key));
                }
                case 2 -> {
                    long[] s = shapes.get(key).clone();
                    if (s.length > 0) {
                        s[data.consumeInt(0, s.length - 1)] = data.consumeInt(0, 2048);
                    } else {
                        s = new long[] {data.consumeInt(0, 4)};
                    }
                    shapes.put(key, s);
                }
                default -> shapes.put(data.consumeAsciiString(40), new long[] {data.consumeInt(0, 64)});
            }
        }
        TensorSource unet = data.consumeBoolean() ? XL_UNET : SD1_UNET;
        convertAndRead(new Shapes(shapes, "fuzz.safetensors"), unet);
    }

    /** A whole file: opened, detected, converted against the tiny SDXL UNet and read back. */
    @FuzzTest(maxDuration = "10m")
    void openFile(byte[] file) throws IOException {
        Path tmp = Files.createTempFile("fuzz", ".safetensors");
        try {
            Files.write(tmp, file);
            try (ModelFile f = ModelFiles.open(tmp)) {
                convertAndRead(f, XL_UNET);
            } catch (ModelFormatException expected) {
                // a typed refusal of the file itself
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void convertAndRead(TensorSource file, TensorSource unet) {
        TensorSource view;
        try {
            view = switch (ControlNetFormats.detect(file.keys())) {
                case DIFFUSERS -> ControlNetFormats.fromDiffusers(file);
                case CONTROL_LORA -> ControlLoraSource.of(file, unet);
                default -> null;
            };
        } catch (ModelFormatException expected) {
            return;
        }
        if (view != null) {
            for (String key : view.keys()) {
                long n = view.info(key).elementCount();
                if (n <= MAX_ELEMENTS) {
                    assertEquals(n, view.loadFloats(key).length, key);
                }
            }
        }
    }

    private static Map<String, long[]> unet(UNetConfig c) {
        Map<String, long[]> m = new LinkedHashMap<>();
        UNetConfig.parameterShapes(c).forEach((k, v) -> m.put(k.substring(UNetConfig.PREFIX.length()), v));
        return m;
    }

    /** A file of the given keys and shapes whose tensors are all zero (nothing is stored). */
    private record Shapes(Map<String, long[]> shapes, String name) implements TensorSource {
        @Override
        public Set<String> keys() {
            return shapes.keySet();
        }

        @Override
        public TensorInfo info(String key) {
            long[] s = shapes.get(key);
            if (s == null) {
                throw new ModelFormatException(name + ": missing tensor '" + key + "'");
            }
            return new TensorInfo(key, DType.F32, s);
        }

        @Override
        public NDArray load(String key, NDManager manager, DataType compute) {
            throw new UnsupportedOperationException("the fuzz target reads floats only");
        }

        @Override
        public float[] loadFloats(String key) {
            long n = info(key).elementCount();
            if (n > MAX_ELEMENTS) {
                throw new ModelFormatException(name + ": '" + key + "' is too large for this test");
            }
            return new float[(int) n];
        }

        @Override
        public String describe() {
            return name;
        }
    }
}
