package dev.noodle.engine.control;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.noodle.engine.io.MapTensorSource;
import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.pickle.TorchPickleWriter;
import dev.noodle.engine.keys.T2IAdapterNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The full-size layouts against the published files' listings, and strict binding: a missing, mis-shaped or
 * unexpected key is an error naming the key and the file; files that are not adapters are refused by name.
 */
class T2IAdapterFilesTest {
    @TempDir
    Path dir;

    @Test
    void sd14v1LayoutIsThePublishedFilesKeyList() {
        // diffusers' scripts/convert_original_t2i_adapter.py pops exactly these keys from a t2iadapter_*_sd14v1.pth
        // (and asserts nothing is left), with body.0.block1 [320, 320, 3, 3], body.2.in_conv [640, 320, 1, 1],
        // body.4.in_conv [1280, 640, 1, 1] and body.6.block1 [1280, 1280, 3, 3]
        Map<String, long[]> s = AdapterConfig.sd14v1(3).parameterShapes();
        Set<String> published = new TreeSet<>();
        for (String p : new String[] {"conv_in", "body.2.in_conv", "body.4.in_conv"}) {
            published.add(p + ".weight");
            published.add(p + ".bias");
        }
        for (int n = 0; n < 8; n++) {
            for (String b : new String[] {"block1", "block2"}) {
                published.add("body." + n + "." + b + ".weight");
                published.add("body." + n + "." + b + ".bias");
            }
        }
        assertEquals(published, new TreeSet<>(s.keySet()));
        assertArrayEquals(new long[] {320, 320, 3, 3}, s.get("body.0.block1.weight"));
        assertArrayEquals(new long[] {640, 320, 1, 1}, s.get("body.2.in_conv.weight"));
        assertArrayEquals(new long[] {1280, 640, 1, 1}, s.get("body.4.in_conv.weight"));
        assertArrayEquals(new long[] {1280, 1280, 3, 3}, s.get("body.6.block1.weight"));
        assertArrayEquals(new long[] {320, 192, 3, 3}, s.get("conv_in.weight")); // depth: 3 colours × 8²
        assertArrayEquals(new long[] {320, 64, 3, 3}, AdapterConfig.sd14v1(1).parameterShapes()
                .get("conv_in.weight")); // sketch, canny: 1 colour
        // 77,369,280 float32 parameters: 309.5 MB, the size of t2iadapter_depth_sd14v1.pth (309 MB)
        assertEquals(77_369_280L, AdapterConfig.sd14v1(3).parameterCount());
        // the light color adapter: 18,689,200 parameters, 74.8 MB as t2iadapter_color_sd14v1.pth
        assertEquals(18_689_200L, AdapterConfig.light().parameterCount());
        assertEquals(4 * (1 + 4 * 2 + 1), AdapterConfig.light().parameterShapes().size() / 2,
                "per level: in_conv, 4 × (block1, block2), out_conv");
    }

    @Test
    void sdxlLayoutIsDiffusersFullAdapterXl() {
        // TencentARC/t2i-adapter-*-sdxl-1.0 (diffusers FullAdapterXL): conv_in from 1 or 3 colours unshuffled by
        // 16; in_conv in blocks 1 (320 → 640) and 2 (640 → 1280, after the only downsample); none in block 3
        Map<String, long[]> s = AdapterConfig.sdxl(1).parameterShapes();
        Set<String> diffusers = new TreeSet<>();
        s.keySet().forEach(k -> diffusers.add(T2IAdapterNames.toDiffusers(k, 2)));
        assertTrue(diffusers.contains("adapter.conv_in.weight"));
        assertTrue(diffusers.contains("adapter.body.1.in_conv.weight"));
        assertTrue(diffusers.contains("adapter.body.2.in_conv.weight"));
        assertFalse(diffusers.contains("adapter.body.3.in_conv.weight"));
        assertTrue(diffusers.contains("adapter.body.3.resnets.1.block2.bias"));
        assertEquals(2 + 2 * 2 + 8 * 4, diffusers.size()); // conv_in, two in_convs, 8 × (block1, block2)
        assertArrayEquals(new long[] {320, 256, 3, 3}, s.get("conv_in.weight"));
        assertArrayEquals(new long[] {640, 320, 1, 1}, s.get("body.2.in_conv.weight"));
        assertArrayEquals(new long[] {1280, 640, 1, 1}, s.get("body.4.in_conv.weight"));
        assertArrayEquals(new long[] {320, 768, 3, 3}, AdapterConfig.sdxl(3).parameterShapes().get("conv_in.weight"));
        assertTrue(AdapterConfig.sdxl(1).downsamples(2, 0));
        assertFalse(AdapterConfig.sdxl(1).downsamples(1, 0) || AdapterConfig.sdxl(1).downsamples(3, 0));
    }

    @Test
    void fullSizeLayoutsAreDetectedFromTheirShapes() {
        for (AdapterConfig c : new AdapterConfig[] {AdapterConfig.sd14v1(1), AdapterConfig.sd14v1(3),
            AdapterConfig.light(), AdapterConfig.sdxl(1), AdapterConfig.sdxl(3)}) {
            assertEquals(c, AdapterConfig.fromWeights(shapesOnly(c.parameterShapes())), c.toString());
            assertTrue(T2IAdapters.isAdapter(c.parameterShapes().keySet()), c.toString());
        }
    }

    private static MapTensorSource shapesOnly(Map<String, long[]> shapes) {
        Map<String, MapTensorSource.Entry> e = new LinkedHashMap<>();
        shapes.forEach((k, s) -> e.put(k, new MapTensorSource.Entry(s, new float[0])));
        return new MapTensorSource(e, "shapes");
    }

    private static ModelFormatException refused(AdapterConfig c, Consumer<Map<String, MapTensorSource.Entry>> edit) {
        Map<String, MapTensorSource.Entry> e = new LinkedHashMap<>();
        TinyAdapters.weights(c, 1).forEach((k, t) -> e.put(k, new MapTensorSource.Entry(t.shape(), t.data())));
        edit.accept(e);
        try (NDManager m = NDManager.newBaseManager()) {
            return assertThrows(ModelFormatException.class,
                    () -> T2IAdapters.load(new MapTensorSource(e, "t2iadapter_broken.pth"), m).close());
        }
    }

    @Test
    void bindingIsStrictAndNamesKeyAndFile() {
        AdapterConfig c = TinyAdapters.sd1(3);
        String missing = refused(c, e -> e.remove("body.5.block2.bias")).getMessage();
        assertTrue(missing.contains("t2iadapter_broken.pth") && missing.contains("missing body.5.block2.bias"),
                missing);
        String shape = refused(c, e -> e.put("body.3.block1.weight",
                new MapTensorSource.Entry(new long[] {16, 16, 1, 1}, new float[256]))).getMessage();
        assertTrue(shape.contains("body.3.block1.weight has shape [16, 16, 1, 1], expected [16, 16, 3, 3]"), shape);
        String extra = refused(c, e -> e.put("body.1.skep.weight",
                new MapTensorSource.Entry(new long[] {8, 8, 1, 1}, new float[64]))).getMessage();
        assertTrue(extra.contains("unexpected body.1.skep.weight"), extra);
        String light = refused(TinyAdapters.light(), e -> e.remove("body.2.body.3.block1.bias")).getMessage();
        assertTrue(light.contains("missing body.2.body.3.block1.bias"), light);
        String cin = refused(c, e -> e.put("conv_in.weight",
                new MapTensorSource.Entry(new long[] {8, 100, 3, 3}, new float[7200]))).getMessage();
        assertTrue(cin.contains("takes 100 channels") && cin.contains("t2iadapter_broken.pth"), cin);
        String blocks = refused(c, e -> e.keySet().removeIf(k -> k.startsWith("body.7."))).getMessage();
        assertTrue(blocks.contains("7 body blocks"), blocks);
    }

    @Test
    void otherFilesAreRefusedByName() throws Exception {
        Path cn = dir.resolve("control_v11p_sd15_canny.pth");
        TorchPickleWriter.write(cn, new TorchPickleWriter.OrderedDict(Map.of("zero_convs.0.0.weight",
                new TorchPickleWriter.Tensor(new long[] {2, 2, 1, 1}, new float[4]))));
        try (ModelFile f = ModelFiles.open(cn); NDManager m = NDManager.newBaseManager()) {
            assertFalse(T2IAdapters.isAdapter(f));
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> T2IAdapters.load(f, m));
            assertTrue(e.getMessage().contains("control_v11p_sd15_canny.pth") && e.getMessage().contains(
                    "not a T2I-Adapter"), e.getMessage());
        }
        Path wrappedOther = dir.resolve("wrapped.pth");
        TorchPickleWriter.write(wrappedOther, Map.of("adapter", Map.of("x", new TorchPickleWriter.Tensor(
                new long[] {1}, new float[1]))));
        try (ModelFile f = ModelFiles.open(wrappedOther); NDManager m = NDManager.newBaseManager()) {
            assertFalse(T2IAdapters.isAdapter(f));
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> T2IAdapters.load(f, m));
            assertTrue(e.getMessage().contains("wrapped.pth"), e.getMessage());
        }
        Path light = TinyAdapters.write(dir.resolve("light.safetensors"), TinyAdapters.light(),
                TinyAdapters.Format.SAFETENSORS, 3);
        Path truncated = dir.resolve("t2iadapter_truncated.pth");
        Path pth = TinyAdapters.write(dir.resolve("full.pth"), TinyAdapters.sd1(1), TinyAdapters.Format.PTH, 3);
        byte[] b = Files.readAllBytes(pth);
        Files.write(truncated, java.util.Arrays.copyOf(b, b.length / 2));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelFiles.open(truncated).close());
        assertTrue(e.getMessage().contains("t2iadapter_truncated.pth"), e.getMessage());
        try (ModelFile f = ModelFiles.open(light); NDManager m = NDManager.newBaseManager()) {
            assertEquals(TinyAdapters.light(), T2IAdapters.load(f, m).config());
        }
    }

    @Test
    void filesWrittenByTorchLoad() throws Exception {
        Path seeds = Path.of(T2IAdapterFilesTest.class.getResource("T2IAdapterFuzzTestInputs/loadFile").toURI());
        float[] reference = null;
        for (String name : new String[] {"sd1_micro.pth", "sd1_micro_wrapped.pth", "sd1_micro.safetensors"}) {
            try (ModelFile f = ModelFiles.open(seeds.resolve(name)); NDManager m = NDManager.newBaseManager();
                    T2IAdapter a = T2IAdapters.load(f, m)) {
                assertTrue(T2IAdapters.isAdapter(f), name);
                assertEquals(new AdapterConfig(AdapterConfig.Kind.FULL, false, 1, new int[] {4, 4, 4, 4}, 2, 1,
                        false), a.config(), name);
                float[] out = a.features(m.linspace(0f, 1f, 48 * 32).reshape(1, 1, 48, 32), m).get(3)
                        .toFloatArray();
                if (reference == null) {
                    reference = out;
                } else {
                    assertArrayEquals(reference, out, name + ": same weights as torch's .pth");
                }
            }
        }
        try (ModelFile f = ModelFiles.open(seeds.resolve("light_micro.pth")); NDManager m = NDManager.newBaseManager();
                T2IAdapter a = T2IAdapters.load(f, m)) {
            assertEquals(AdapterConfig.Kind.LIGHT, a.config().kind());
            assertEquals(2, a.config().resBlocks());
        }
        try (ModelFile f = ModelFiles.open(seeds.resolve("xl_micro_diffusers.safetensors"));
                NDManager m = NDManager.newBaseManager(); T2IAdapter a = T2IAdapters.load(f, m)) {
            assertTrue(a.config().xl());
            assertEquals(1, a.config().inputChannels());
        }
    }

    @Test
    void controlNetLoaderFilesReachTheAdapter() throws Exception {
        // ComfyUI's load_controlnet hands what is no ControlNet to load_t2i_adapter; so does ControlModels
        for (TinyAdapters.Format f : TinyAdapters.Format.values()) {
            Path p = TinyAdapters.write(dir.resolve("t2iadapter-" + f + ".pth"), TinyAdapters.sd1(1), f, 2);
            try (ControlModel c = ControlModels.load(p, ControlModels.Request.of(
                    dev.noodle.engine.runtime.Devices.Target.cpu()))) {
                T2IAdapter a = org.junit.jupiter.api.Assertions.assertInstanceOf(T2IAdapter.class, c, f.toString());
                assertEquals(TinyAdapters.sd1(1), a.config(), f.toString());
                assertTrue(c.hintOnly());
            }
        }
        Path broken = dir.resolve("t2iadapter_sketch_broken.safetensors");
        new dev.noodle.engine.io.SafetensorsWriter().addF32("body.0.in_conv.weight", new long[] {1, 64, 1, 1},
                new float[64]).write(broken);
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> ControlModels.load(broken, ControlModels.Request.of(
                        dev.noodle.engine.runtime.Devices.Target.cpu())));
        assertTrue(e.getMessage().contains("t2iadapter_sketch_broken.safetensors")
                && e.getMessage().contains("T2I-Adapter"), e.getMessage());
    }
}
