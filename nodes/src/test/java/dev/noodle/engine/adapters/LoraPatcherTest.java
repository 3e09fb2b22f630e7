package dev.noodle.engine.adapters;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.SafetensorsFile;
import dev.noodle.engine.keys.KeyNames;
import dev.noodle.engine.model.ModelFamily;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Patched weights against the torch reference of {@code lora_reference.py}. */
class LoraPatcherTest {
    static final Path DIR = Path.of("src/test/resources/dev/noodle/engine/adapters");
    static NDManager manager;
    static SafetensorsFile baseFile;
    static SafetensorsFile expected;
    static MapWeights unet;
    static MapWeights text;
    static LoraPatcher.Targets targets;

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
        baseFile = SafetensorsFile.open(DIR.resolve("lora_base.safetensors"));
        expected = SafetensorsFile.open(DIR.resolve("lora_expected.safetensors"));
        unet = MapWeights.load(baseFile, "unet:", manager, DataType.FLOAT32);
        text = MapWeights.load(baseFile, "text:", manager, DataType.FLOAT32);
        targets = LoraPatcher.Targets.of(unet, KeyNames.UNetNaming.sd15(), text, null, ModelFamily.SD1);
    }

    @AfterAll
    static void tearDown() {
        manager.close();
        baseFile.close();
        expected.close();
    }

    static Lora lora(String name) {
        return Lora.load(DIR.resolve("lora_" + name + ".safetensors"));
    }

    /** Checks every expected entry "label:component:key" against the patched weights, and that others are shared. */
    private static void check(String label, MapWeights patchedUnet, MapWeights patchedText) {
        int seen = 0;
        for (String k : expected.keys()) {
            if (!k.startsWith(label + ":")) {
                continue;
            }
            String[] parts = k.split(":", 3);
            MapWeights w = parts[1].equals("unet") ? patchedUnet : patchedText;
            float[] want = expected.loadFloats(k);
            float[] got = w.get(parts[2]).toFloatArray();
            assertEquals(want.length, got.length, k);
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got[i], 1e-4 * Math.max(1, Math.abs(want[i])), k + " [" + i + "]");
            }
            seen++;
        }
        assertTrue(seen > 0, "no expected entries for " + label);
        for (MapWeights[] pair : new MapWeights[][] {{unet, patchedUnet}, {text, patchedText}}) {
            for (String key : pair[0].keys()) {
                boolean patched = expected.keys().contains(label + ":" + (pair[0] == unet ? "unet:" : "text:") + key);
                if (!patched) {
                    assertSame(pair[0].get(key), pair[1].get(key), "unpatched " + key + " must be shared");
                }
            }
        }
    }

    private static void checkFormat(String name, float strength) {
        float[] before = unet.get("input_blocks.1.0.in_layers.2.weight").toFloatArray();
        try (Lora l = lora(name)) {
            LoraMatch match = LoraPatcher.match(l, targets);
            assertTrue(match.complete(), match.toString());
            assertEquals(Optional.empty(), match.warning());
            List<LoraPatcher.Applied> stack = List.of(new LoraPatcher.Applied(l, strength, strength));
            try (MapWeights u = LoraPatcher.apply(unet, KeyNames.Component.UNET, targets, stack);
                    MapWeights t = LoraPatcher.apply(text, KeyNames.Component.TEXT, targets, stack)) {
                check(name + "/" + strength, u, t);
            }
        }
        assertArrayEquals(before, unet.get("input_blocks.1.0.in_layers.2.weight").toFloatArray(), "base mutated");
    }

    @Test
    void kohyaLoraWithLoConMidAndText() {
        checkFormat("kohya", 0.7f);
    }

    @Test
    void peftLoraWithDiffusersNames() {
        checkFormat("peft", 1.0f);
    }

    @Test
    void lohaIncludingTucker() {
        checkFormat("loha", -0.4f);
    }

    @Test
    void lokrStoredRebuiltAndTucker() {
        checkFormat("lokr", 1.3f);
    }

    @Test
    void twoLorasAtHalfStrengthSumTheirPatches() {
        try (Lora a = lora("kohya"); Lora b = lora("peft")) {
            List<LoraPatcher.Applied> stack =
                    List.of(new LoraPatcher.Applied(a, 0.5f, 0.5f), new LoraPatcher.Applied(b, 0.5f, 0.5f));
            try (MapWeights u = LoraPatcher.apply(unet, KeyNames.Component.UNET, targets, stack);
                    MapWeights t = LoraPatcher.apply(text, KeyNames.Component.TEXT, targets, stack)) {
                check("kohya+peft/0.5", u, t);
            }
        }
    }

    @Test
    void comfyUiWholeDifferencesPatchWeightsAndBiases(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Map<String, long[]> shapes = new java.util.LinkedHashMap<>();
        shapes.put("unet:out.2.weight", new long[] {4, 3});
        shapes.put("unet:out.2.bias", new long[] {4});
        shapes.put("text:encoder.layers.0.mlp.fc1.bias", new long[] {5});
        shapes.put("text:final_layer_norm.weight", new long[] {5});
        dev.noodle.engine.io.SafetensorsWriter base = new dev.noodle.engine.io.SafetensorsWriter();
        dev.noodle.engine.io.SafetensorsWriter diff = new dev.noodle.engine.io.SafetensorsWriter();
        Map<String, float[]> diffs = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            int n = (int) java.util.Arrays.stream(e.getValue()).reduce(1, (a, b) -> a * b);
            float[] b = new float[n];
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                b[i] = 0.1f * i;
                v[i] = 0.01f * (i % 7 - 3);
            }
            base.addF32(e.getKey(), e.getValue(), b);
            String k = e.getKey().substring(e.getKey().indexOf(':') + 1);
            diffs.put(e.getKey(), v);
            boolean isText = e.getKey().startsWith("text:");
            boolean isBias = k.endsWith(".bias");
            String module = k.substring(0, k.lastIndexOf('.'));
            String name = isText ? KeyNames.comfyLoraText("clip_l", module) : KeyNames.comfyLoraUnet(module);
            diff.addF32(name + (isBias ? ".diff_b" : ".diff"), e.getValue(), v);
        }
        base.write(dir.resolve("base.safetensors"));
        diff.write(dir.resolve("diffs.safetensors"));
        try (NDManager m = NDManager.newBaseManager();
                SafetensorsFile bf = SafetensorsFile.open(dir.resolve("base.safetensors"));
                Lora l = Lora.load(dir.resolve("diffs.safetensors"))) {
            MapWeights u0 = MapWeights.load(bf, "unet:", m, DataType.FLOAT32);
            MapWeights t0 = MapWeights.load(bf, "text:", m, DataType.FLOAT32);
            LoraPatcher.Targets tg = LoraPatcher.Targets.of(u0, null, t0, null, ModelFamily.SD1);
            assertEquals(List.of(), LoraPatcher.match(l, tg).unmatched());
            List<LoraPatcher.Applied> stack = List.of(new LoraPatcher.Applied(l, 0.5f, 2f));
            try (MapWeights u = LoraPatcher.apply(u0, KeyNames.Component.UNET, tg, stack);
                    MapWeights t = LoraPatcher.apply(t0, KeyNames.Component.TEXT, tg, stack)) {
                for (String full : diffs.keySet()) {
                    boolean isText = full.startsWith("text:");
                    String k = full.substring(full.indexOf(':') + 1);
                    float s = isText ? 2f : 0.5f;
                    float[] b = (isText ? t0 : u0).get(k).toFloatArray();
                    float[] a = (isText ? t : u).get(k).toFloatArray();
                    for (int i = 0; i < a.length; i++) {
                        assertEquals(b[i] + s * diffs.get(full)[i], a[i], 1e-6, k + " [" + i + "]");
                    }
                }
            }
        }
    }

    @Test
    void strengthZeroIsTheBaseModel() {
        try (Lora a = lora("kohya")) {
            List<LoraPatcher.Applied> stack = List.of(new LoraPatcher.Applied(a, 0f, 0f));
            try (MapWeights u = LoraPatcher.apply(unet, KeyNames.Component.UNET, targets, stack)) {
                for (String k : unet.keys()) {
                    assertSame(unet.get(k), u.get(k));
                }
            }
            // model strength only: text untouched
            stack = List.of(new LoraPatcher.Applied(a, 1f, 0f));
            try (MapWeights t = LoraPatcher.apply(text, KeyNames.Component.TEXT, targets, stack)) {
                for (String k : text.keys()) {
                    assertSame(text.get(k), t.get(k));
                }
            }
        }
    }

    @Test
    void fp16BaseIsPatchedInFp32AndStaysFp16() {
        try (NDManager m = NDManager.newBaseManager(); Lora l = lora("kohya")) {
            MapWeights half = MapWeights.load(baseFile, "unet:", m, DataType.FLOAT16);
            try (MapWeights u = LoraPatcher.apply(half, KeyNames.Component.UNET, targets,
                    List.of(new LoraPatcher.Applied(l, 0.7f, 0.7f)))) {
                String key = "input_blocks.1.1.proj_in.weight";
                NDArray w = u.get(key);
                assertEquals(DataType.FLOAT16, w.getDataType());
                float[] want = expected.loadFloats("kohya/0.7:unet:" + key);
                float[] got = w.toType(DataType.FLOAT32, true).toFloatArray();
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], got[i], 4e-3 * Math.max(1, Math.abs(want[i])), key + " [" + i + "]");
                }
            }
        }
    }

    @Test
    void sdxlLoraOnSd1IsWarnedAbout() {
        try (Lora l = lora("sdxl")) {
            assertEquals(Optional.of(ModelFamily.SDXL), l.family());
            LoraMatch match = LoraPatcher.match(l, targets);
            assertEquals(0, match.matched());
            assertEquals(2, match.unmatched().size());
            String w = match.warning().orElseThrow();
            assertTrue(w.contains("matches none") && w.contains("made for SDXL") && w.contains("checkpoint is SD 1.x"), w);
        }
    }

    @Test
    void familyFromShapesWithoutMetadata() {
        try (Lora l = lora("peft")) {
            // attn2.to_k down is 12 wide here (tiny), text q_proj absent: nothing tells the family
            assertEquals(Optional.empty(), l.family());
        }
        try (Lora l = lora("kohya")) {
            assertEquals(Optional.of(ModelFamily.SD1), l.family()); // from ss_base_model_version
        }
    }

    @Test
    void notALoraIsRefusedClearly() {
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> Lora.load(DIR.resolve("lora_base.safetensors")));
        assertTrue(e.getMessage().contains("is not a LoRA"), e.getMessage());
        assertFalse(e.getMessage().isBlank());
    }

    @Test
    void mismatchedShapeIsReportedNotApplied() {
        // the SD1 attn2.to_k LoRA of lora_peft is 12 wide; against a target table claiming 16 it must not fit
        Map<KeyNames.Target, long[]> shapes = new java.util.HashMap<>(targets.shapes());
        KeyNames.Target k2 = new KeyNames.Target(KeyNames.Component.UNET,
                "input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight");
        shapes.put(k2, new long[] {8, 16});
        LoraPatcher.Targets wrong = new LoraPatcher.Targets(targets.names(), shapes, Optional.of(ModelFamily.SD1));
        try (Lora l = lora("peft")) {
            LoraMatch m = LoraPatcher.match(l, wrong);
            assertEquals(2, m.matched());
            assertTrue(m.unmatched().get(0).contains("[8, 16]"), m.unmatched().toString());
        }
    }
}
