package dev.noodle.nodes;

import static dev.noodle.nodes.ReferenceJson.floats;
import static dev.noodle.nodes.ReferenceJson.longs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noodle.engine.image.PillowQuantize;
import dev.noodle.nodes.image.ImageFilterNodes;
import dev.noodle.nodes.image.ImageFilterNodes.Dither;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.ImageValue;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * ImageQuantize against Pillow itself, called as ComfyUI's node calls it ({@code src/test/python/
 * image_quantize_reference.py}, which writes {@code image_quantize.json}): every dithering choice, palettes from 1
 * to 256 colours, images with fewer and more colours than the palette, and a 300×260 image with more than 65536
 * colours (Pillow then counts colours shifted right), bit for bit. Pillow 9's mapping (the installed Pillow) is
 * checked against Pillow itself; current Pillow's (the node's: own entries only, exact colours kept) against a numpy
 * re-statement on Pillow's palette.
 */
class ImageQuantizeReferenceTest {
    @Test
    void quantizeMatchesPillowBitForBit() throws Exception {
        JsonNode f = new ObjectMapper().readTree(DemoFilesTest.DIR.resolve("image_quantize.json").toFile());
        Map<String, ImageValue> images = new HashMap<>();
        f.get("images").properties().forEach(e -> images.put(e.getKey(), new ImageValue(new HeapTensor(
                longs(e.getValue().get("shape")), floats(e.getValue().get("data"))))));
        List<String> bad = new ArrayList<>();
        int n = 0;
        for (JsonNode c : f.get("cases")) {
            Dither dither = dither(c.get("dither").asText());
            PillowQuantize.Behaviour pillow = c.get("pillow").asText().equals("current")
                    ? PillowQuantize.Behaviour.CURRENT : PillowQuantize.Behaviour.PILLOW_9;
            ImageValue got = ImageFilterNodes.quantize(images.get(c.get("image").asText()), c.get("colors").asInt(),
                    dither, pillow);
            byte[] want = Base64.getDecoder().decode(c.get("expected_u8").asText());
            float[] d = got.pixels().data();
            int wrong = 0;
            for (int i = 0; i < d.length; i++) {
                if (d[i] != (want[i] & 0xFF) / 255f) {
                    wrong++;
                }
            }
            if (d.length != want.length || wrong > 0) {
                bad.add(c.get("image").asText() + " colors=" + c.get("colors") + " " + dither.comfyName() + " "
                        + pillow + ": " + wrong + " of " + want.length + " values differ");
            }
            n++;
        }
        for (JsonNode c : f.get("big")) {
            int w = c.get("width").asInt();
            int h = c.get("height").asInt();
            ImageValue got = ImageFilterNodes.quantize(formulaImage(w, h), c.get("colors").asInt(),
                    dither(c.get("dither").asText()), PillowQuantize.Behaviour.PILLOW_9);
            byte[] bytes = new byte[w * h * 3];
            float[] d = got.pixels().data();
            for (int i = 0; i < d.length; i++) {
                bytes[i] = (byte) Math.round(d[i] * 255f);
            }
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
            if (!sha.equals(c.get("sha256").asText())) {
                bad.add("large image colors=" + c.get("colors") + " " + c.get("dither").asText() + ": differs");
            }
        }
        assertEquals("", String.join("\n", bad), "against Pillow " + f.get("pillow").asText());
        assertEquals(144, n);
    }

    @Test
    void badInputsAreRefusedNamingNodeAndInput() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageFilterNodes.quantize(
                PixelNodesReferenceTest.filled(1, 0, 3, 0.5f), 8, Dither.NONE,
                PillowQuantize.Behaviour.CURRENT));
        assertTrue(e.getMessage().startsWith("Image Quantize: image is empty"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ImageFilterNodes.quantize(
                PixelNodesReferenceTest.filled(1, 2, 3, 0.5f), 0, Dither.NONE,
                PillowQuantize.Behaviour.CURRENT));
        assertTrue(e.getMessage().startsWith("Image Quantize: colors must be 1 to 256"), e.getMessage());
    }

    private static Dither dither(String name) {
        return Dither.valueOf(name.toUpperCase(Locale.ROOT).replace('-', '_'));
    }

    /** The script's formula image: r = x, g = y, b = 3x + 5y + xy (each mod 256), as float32 bytes / 255. */
    static ImageValue formulaImage(int w, int h) {
        float[] d = new float[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int o = (y * w + x) * 3;
                d[o] = (float) ((x & 255) / 255.0);
                d[o + 1] = (float) ((y & 255) / 255.0);
                d[o + 2] = (float) (((x * 3 + y * 5 + x * y) & 255) / 255.0);
            }
        }
        return new ImageValue(new HeapTensor(new long[] {1, h, w, 3}, d));
    }
}
