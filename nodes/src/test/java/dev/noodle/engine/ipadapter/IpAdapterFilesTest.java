package dev.noodle.engine.ipadapter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.engine.unet.CrossAttentionSites;
import dev.noodle.engine.unet.UNetConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * IP-Adapter files: the layouts of the published SD 1.5 and SDXL downloads (key order of the pack: input blocks,
 * output blocks, middle block), detection of plain / plus / full-face, strict binding with errors naming the key
 * and the file, the FaceID refusal, and the writers' round trip in both container formats.
 */
class IpAdapterFilesTest {
    @TempDir
    Path tmp;

    static int[] widths(UNetConfig c) {
        return IpAdapterPatch.fileOrder(c).stream().mapToInt(CrossAttentionSites.Site::channels).toArray();
    }

    @Test
    void fileOrderOfTheRealUNetsIsThePacks() {
        int[] sd15 = widths(UNetConfig.sd15());
        assertArrayEquals(new int[] {320, 320, 640, 640, 1280, 1280, 1280, 1280, 1280, 640, 640, 640, 320, 320, 320,
                1280}, sd15, "SD 1.5: input 1,2,4,5,7,8, output 3..11, middle (keys 1, 3, …, 31)");
        int[] xl = widths(UNetConfig.sdxl());
        assertEquals(70, xl.length, "SDXL: keys 1, 3, …, 139");
        List<CrossAttentionSites.Site> order = IpAdapterPatch.fileOrder(UNetConfig.sdxl());
        assertEquals("input_blocks.4.1.transformer_blocks.0", order.get(0).path());
        assertEquals("output_blocks.0.1.transformer_blocks.0", order.get(24).path());
        assertEquals("middle_block.1.transformer_blocks.0", order.get(60).path());
        assertEquals(4, order.get(60).transformerIndex(), "the middle transformer runs fifth of 11");
        assertEquals(11, CrossAttentionSites.transformerCount(UNetConfig.sdxl()));
        assertEquals(16, CrossAttentionSites.transformerCount(UNetConfig.sd15()));
    }

    static IpAdapterLayout sd15Plain() {
        return new IpAdapterLayout(IpAdapterModel.Projection.LINEAR, 1024, 768, 4, 0, 0, 0, 0,
                widths(UNetConfig.sd15()));
    }

    @Test
    void publishedLayoutsHaveTheDownloadsShapes() {
        Map<String, long[]> plain = sd15Plain().expectedShapes();
        assertArrayEquals(new long[] {3072, 1024}, plain.get("image_proj.proj.weight"), "ip-adapter_sd15");
        assertArrayEquals(new long[] {320, 768}, plain.get("ip_adapter.1.to_k_ip.weight"));
        assertArrayEquals(new long[] {1280, 768}, plain.get("ip_adapter.31.to_v_ip.weight"));
        assertEquals(4 + 32, plain.size());
        // ip-adapter-plus_sdxl_vit-h: Resampler dim 1280, 20 heads, depth 4, 16 queries, ViT-H hidden states 1280
        IpAdapterLayout plusXl = new IpAdapterLayout(IpAdapterModel.Projection.RESAMPLER, 1280, 2048, 16, 1280, 4,
                1280, 5120, widths(UNetConfig.sdxl()));
        Map<String, long[]> s = plusXl.expectedShapes();
        assertArrayEquals(new long[] {1, 16, 1280}, s.get("image_proj.latents"));
        assertArrayEquals(new long[] {2560, 1280}, s.get("image_proj.layers.3.0.to_kv.weight"));
        assertArrayEquals(new long[] {5120, 1280}, s.get("image_proj.layers.3.1.1.weight"));
        assertArrayEquals(new long[] {2048, 1280}, s.get("image_proj.proj_out.weight"));
        assertArrayEquals(new long[] {1280, 2048}, s.get("ip_adapter.139.to_k_ip.weight"), "last: the middle");
        assertArrayEquals(new long[] {640, 2048}, s.get("ip_adapter.1.to_k_ip.weight"), "first: input_blocks.4");
        assertEquals(IpAdapterLayout.detect(s, "x"), plusXl, "detection reads the layout back");
        assertTrue(plusXl.sdxl());
        IpAdapterLayout fullFace = new IpAdapterLayout(IpAdapterModel.Projection.MLP, 1280, 768, 0, 0, 0, 0, 0,
                widths(UNetConfig.sd15()));
        assertArrayEquals(new long[] {768, 1280}, fullFace.expectedShapes().get("image_proj.proj.2.weight"));
        assertEquals(IpAdapterLayout.detect(fullFace.expectedShapes(), "x"), fullFace);
        assertEquals(IpAdapterLayout.detect(plain, "x"), sd15Plain());
    }

    @Test
    void writersRoundTripInBothFormats() throws Exception {
        IpAdapterLayout l = new IpAdapterLayout(IpAdapterModel.Projection.RESAMPLER, 20, 24, 3, 32, 2, 64, 64,
                new int[] {32, 32, 64});
        Path st = tmp.resolve("ip-adapter-plus_tiny.safetensors");
        Path bin = tmp.resolve("ip-adapter-plus_tiny.bin");
        IpAdapterFiles.writeSafetensors(st, l, 3);
        IpAdapterFiles.writeBin(bin, l, 3);
        try (IpAdapterModel a = IpAdapterFiles.load(st); IpAdapterModel b = IpAdapterFiles.load(bin)) {
            assertEquals(l, a.layout());
            assertEquals(l, b.layout());
            assertEquals(a.keys(), b.keys());
            assertArrayEquals(a.w("image_proj.latents").toFloatArray(), b.w("image_proj.latents").toFloatArray());
        }
    }

    // A plain tiny adapter's tensors, edited, written as safetensors, loaded: the error message.
    String failure(Consumer<Map<String, long[]>> edit) throws Exception {
        IpAdapterLayout l = new IpAdapterLayout(IpAdapterModel.Projection.LINEAR, 8, 16, 2, 0, 0, 0, 0,
                new int[] {32, 64});
        Map<String, long[]> shapes = new LinkedHashMap<>(l.expectedShapes());
        edit.accept(shapes);
        SafetensorsWriter w = new SafetensorsWriter();
        shapes.forEach((k, s) -> w.addF32(k, s, new float[(int) java.util.Arrays.stream(s).reduce(1, (x, y) -> x * y)]));
        Path f = tmp.resolve("bad.safetensors");
        w.write(f);
        return assertThrows(ModelFormatException.class, () -> IpAdapterFiles.load(f)).getMessage();
    }

    @Test
    void strictBindingNamesTheKeyAndTheFile() throws Exception {
        String missing = failure(s -> s.remove("ip_adapter.3.to_v_ip.weight"));
        assertTrue(missing.contains("bad.safetensors") && missing.contains("missing key ip_adapter.3.to_v_ip.weight"),
                missing);
        String shape = failure(s -> s.put("image_proj.norm.bias", new long[] {15}));
        assertTrue(shape.contains("image_proj.norm.bias has shape [15], expected [16]"), shape);
        String extra = failure(s -> s.put("image_proj.extra.weight", new long[] {2}));
        assertTrue(extra.contains("unexpected key image_proj.extra.weight"), extra);
        String gap = failure(s -> {
            s.remove("ip_adapter.1.to_k_ip.weight");
            s.remove("ip_adapter.1.to_v_ip.weight");
        });
        assertTrue(gap.contains("ip_adapter.1.to_k_ip.weight"), gap);
        String faceId = failure(s -> s.put("ip_adapter.0.to_q_lora.down.weight", new long[] {128, 320}));
        assertTrue(faceId.contains("FaceID") && faceId.contains("InsightFace"), faceId);
        String notIpa = failure(s -> s.keySet().removeIf(k -> k.startsWith("ip_adapter.")));
        assertTrue(notIpa.contains("not an IP-Adapter"), notIpa);
    }

    @Test
    void adapterForAnotherUNetIsRefusedNamingBothCounts() throws Exception {
        try (IpAdapterModel ipa = IpAdapterFiles.load(IpAdapterReferenceTest.resource("ipa_plain.bin"));
                ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
            ai.djl.ndarray.NDArray t = m.zeros(new ai.djl.ndarray.types.Shape(1, 4, 24));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new IpAdapterPatch(ipa,
                    UNetConfig.sd15(), t, t, "linear", 1f, 1f, 100f, 0f, IpAdapterPatch.Scaling.V_ONLY, null));
            assertTrue(e.getMessage().contains("3 cross-attention layers") && e.getMessage().contains("has 16"),
                    e.getMessage());
        }
    }
}
