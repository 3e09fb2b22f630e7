package dev.noodle.engine.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.engine.io.MapTensorSource;
import dev.noodle.engine.io.WeightLayout;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The full-size towers' key and shape listings against what is published about the real files' headers: the whole
 * key/shape listing of OpenAI's clip-vit-large-patch14 (text tower included), and the tensor counts, dtypes, element
 * and byte totals and sampled shapes of the ViT-H/14 and ViT-bigG/14 image encoders people download
 * (CLIPVisionModelWithProjection files, fp32 and fp16, each with an int64 position_ids buffer).
 */
class ClipVisionFullSizeLayoutTest {
    private static final Pattern LINE = Pattern.compile("^(\\S+), torch\\.Size\\(\\[([0-9, ]*)\\]\\)$");

    static Map<String, long[]> listing(String resource) throws Exception {
        Map<String, long[]> out = new LinkedHashMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                ClipVisionFullSizeLayoutTest.class.getResourceAsStream(resource), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                Matcher m = LINE.matcher(line.strip());
                assertTrue(m.matches(), line);
                long[] shape = m.group(2).isBlank() ? new long[0]
                        : Arrays.stream(m.group(2).split(",")).map(String::strip).mapToLong(Long::parseLong).toArray();
                out.put(m.group(1), shape);
            }
        }
        return out;
    }

    static MapTensorSource shapesOnly(Map<String, long[]> shapes, String name) {
        Map<String, MapTensorSource.Entry> m = new LinkedHashMap<>();
        shapes.forEach((k, s) -> m.put(k, new MapTensorSource.Entry(s, null)));
        return new MapTensorSource(m, name);
    }

    @Test
    void openAiVitL14ListingIsTheHfLayoutExactly() throws Exception {
        Map<String, long[]> file = listing("openai_clip_vit_large_patch14.listing.txt");
        assertEquals(592, file.size());
        Map<String, long[]> vision = new TreeMap<>();
        file.forEach((k, s) -> {
            if ((k.startsWith("vision_model.") || k.startsWith("visual_projection.")) && !k.endsWith("position_ids")) {
                vision.put(k, s);
            }
        });
        Map<String, long[]> ours = new TreeMap<>(ClipVisionLayout.HF.shapes(ClipVisionConfig.vitL14()));
        assertEquals(vision.keySet(), ours.keySet());
        ours.forEach((k, s) -> assertArrayEquals(vision.get(k), s, k));
        // the whole file (text tower, logit_scale, position_ids) is recognised and binds strictly
        MapTensorSource src = shapesOnly(file, "clip-vit-large-patch14/model.safetensors");
        ClipVisionLayout.Detected d = ClipVisionLayout.detect(src);
        assertEquals(ClipVisionLayout.HF, d.layout());
        assertEquals(ClipVisionConfig.vitL14(), d.config());
        WeightLayout.of("CLIP vision", ClipVisionLayout.HF.shapes(d.config())).ignoring(d.layout().passedOver())
                .check(file, "clip-vit-large-patch14/model.safetensors");
    }

    /** A header with our keys and shapes, plus the int64 position_ids [1, positions] the files carry. */
    static Map<String, long[]> header(ClipVisionConfig c) {
        Map<String, long[]> h = new LinkedHashMap<>(ClipVisionLayout.HF.shapes(c));
        h.put("vision_model.embeddings.position_ids", new long[] {1, c.positions()});
        return h;
    }

    static long elements(Map<String, long[]> h) {
        long n = 0;
        for (long[] s : h.values()) {
            n += Arrays.stream(s).reduce(1, (a, b) -> a * b);
        }
        return n;
    }

    static long rankCount(Map<String, long[]> h, int rank) {
        return h.values().stream().filter(s -> s.length == rank).count();
    }

    @Test
    void vitH14MatchesThePublishedImageEncoderHeader() {
        // CLIP-ViT-H-14 image encoder (IP-Adapter models/image_encoder/model.safetensors): 521 tensors, F32 and I64,
        // 632,077,057 elements; patch [1280, 3, 14, 14], positions [257, 1280], layer 31 exists, projection [1024, 1280]
        Map<String, long[]> h = header(ClipVisionConfig.vitH14());
        assertEquals(521, h.size());
        assertEquals(632_077_057L, elements(h));
        assertArrayEquals(new long[] {1280, 3, 14, 14}, h.get("vision_model.embeddings.patch_embedding.weight"));
        assertArrayEquals(new long[] {257, 1280}, h.get("vision_model.embeddings.position_embedding.weight"));
        assertArrayEquals(new long[] {1280}, h.get("vision_model.encoder.layers.31.layer_norm1.weight"));
        assertArrayEquals(new long[] {1024, 1280}, h.get("visual_projection.weight"));
        assertEquals(ClipVisionConfig.vitH14(), ClipVisionLayout.detect(shapesOnly(h, "vit-h")).config());
    }

    @Test
    void vitBigG14MatchesThePublishedImageEncoderHeader() {
        // ViT-bigG/14 image encoder (IP-Adapter sdxl_models/image_encoder/model.safetensors, fp16): 777 tensors
        // (776 F16 + 1 I64), 485 of rank 1, 291 of rank 2, 1 of rank 4, 3,689,816,584 data bytes, 776 under
        // vision_model and 1 visual_projection; projection [1280, 1664]
        Map<String, long[]> h = header(ClipVisionConfig.vitBigG14());
        assertEquals(777, h.size());
        assertEquals(485, rankCount(h, 1));
        assertEquals(291, rankCount(h, 2));
        assertEquals(1, rankCount(h, 4));
        long positionIds = ClipVisionConfig.vitBigG14().positions();
        assertEquals(3_689_816_584L, (elements(h) - positionIds) * 2 + positionIds * 8);
        assertEquals(776, h.keySet().stream().filter(k -> k.startsWith("vision_model.")).count());
        assertArrayEquals(new long[] {1664, 3, 14, 14}, h.get("vision_model.embeddings.patch_embedding.weight"));
        assertArrayEquals(new long[] {257, 1664}, h.get("vision_model.embeddings.position_embedding.weight"));
        assertArrayEquals(new long[] {1664, 1664}, h.get("vision_model.encoder.layers.47.self_attn.q_proj.weight"));
        assertArrayEquals(new long[] {1280, 1664}, h.get("visual_projection.weight"));
        assertEquals(ClipVisionConfig.vitBigG14(), ClipVisionLayout.detect(shapesOnly(h, "vit-bigg")).config());
    }

    @Test
    void openClipLayoutHoldsTheSameTensorsRepacked() {
        for (ClipVisionConfig c : new ClipVisionConfig[] {ClipVisionConfig.vitL14(), ClipVisionConfig.vitH14(),
                ClipVisionConfig.vitBigG14()}) {
            Map<String, long[]> hf = ClipVisionLayout.HF.shapes(c);
            Map<String, long[]> oc = ClipVisionLayout.OPEN_CLIP.shapes(c);
            assertEquals(elements(hf), elements(oc), c.describe());
            // q, k, v of each block packed into one in_proj: three HF tensors of each kind become one
            assertEquals(hf.size() - 4 * c.layers(), oc.size(), c.describe());
            assertArrayEquals(new long[] {c.width(), c.projectionDim()}, oc.get("visual.proj"));
        }
    }

    @Test
    void styleAdapterSd14v1Shapes() {
        Map<String, long[]> s = StyleAdapter.shapes(StyleAdapter.Config.sd14v1());
        assertArrayEquals(new long[] {1, 8, 1024}, s.get("style_embedding"));
        assertArrayEquals(new long[] {1024, 768}, s.get("proj"));
        assertArrayEquals(new long[] {3072, 1024}, s.get("transformer_layes.2.attn.in_proj_weight"));
        assertArrayEquals(new long[] {4096, 1024}, s.get("transformer_layes.2.mlp.c_fc.weight"));
        assertEquals(6 + 3 * 12, s.size());
        assertEquals(StyleAdapter.Config.sd14v1(), StyleAdapter.detect(shapesOnly(s, "t2iadapter_style_sd14v1.pth")));
    }
}
