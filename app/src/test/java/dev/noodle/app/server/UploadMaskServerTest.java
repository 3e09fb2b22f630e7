package dev.noodle.app.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /upload/mask} as ComfyUI's mask editor sends it: the mask's alpha goes onto a copy of the original
 * image under input/clipspace; bad references are refused with ComfyUI's kind of status.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UploadMaskServerTest {
    @TempDir static Path dir;
    private NoodleServer server;
    private String base;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() throws Exception {
        server = NoodleServer.start(new ServerOptions(ServerOptions.LOOPBACK, 0, dir.resolve("models"),
                dir.resolve("work/output"), null, 1 << 20));
        base = server.url();
        Path input = dir.resolve("work/input");
        Files.createDirectories(input);
        BufferedImage img = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < 6; i++) {
            img.setRGB(i % 3, i / 3, 0x102030 * (i + 1));
        }
        ImageIO.write(img, "png", input.resolve("photo.png").toFile());
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static byte[] png(BufferedImage img) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    /** The mask editor's mask layer: black, alpha 255 − 255·mask (ComfyUI inverts it before uploading). */
    private static BufferedImage maskLayer(int w, int h, int... alpha) {
        BufferedImage m = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        for (int i = 0; i < alpha.length; i++) {
            m.setRGB(i % w, i / w, alpha[i] << 24);
        }
        return m;
    }

    private HttpResponse<String> post(String name, byte[] content, String originalRef) throws Exception {
        String boundary = "----noodle" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"" + name
                + "\"\r\nContent-Type: image/png\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(content);
        Map<String, String> fields = new LinkedHashMap<>();
        if (originalRef != null) {
            fields.put("original_ref", originalRef);
        }
        fields.put("type", "input");
        fields.put("subfolder", "clipspace");
        StringBuilder rest = new StringBuilder("\r\n");
        fields.forEach((k, v) -> rest.append("--").append(boundary)
                .append("\r\nContent-Disposition: form-data; name=\"").append(k).append("\"\r\n\r\n").append(v).append("\r\n"));
        rest.append("--").append(boundary).append("--\r\n");
        body.writeBytes(rest.toString().getBytes(StandardCharsets.UTF_8));
        return http.send(HttpRequest.newBuilder(URI.create(base + "/upload/mask"))
                        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theOriginalGetsTheMasksAlphaInClipspace() throws Exception {
        byte[] mask = png(maskLayer(3, 2, 255, 0, 128, 255, 255, 0));
        HttpResponse<String> r = post("clipspace-mask-1234.png", mask,
                "{\"filename\": \"photo.png\", \"subfolder\": \"\", \"type\": \"input\"}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode answer = ServerFixture.MAPPER.readTree(r.body());
        assertEquals("clipspace-mask-1234.png", answer.path("name").asText());
        assertEquals("clipspace", answer.path("subfolder").asText());
        BufferedImage stored = ImageIO.read(dir.resolve("work/input/clipspace/clipspace-mask-1234.png").toFile());
        int[] alpha = {255, 0, 128, 255, 255, 0};
        for (int i = 0; i < 6; i++) {
            int px = stored.getRGB(i % 3, i / 3);
            assertEquals(0x102030 * (i + 1), px & 0xFFFFFF, "the original's colour, pixel " + i);
            assertEquals(alpha[i], px >>> 24, "the mask's alpha, pixel " + i);
        }
        // an annotated reference to the copy (as the widget then holds it) works too
        HttpResponse<String> again = post("clipspace-mask-1235.png", png(maskLayer(3, 2, 0, 0, 0, 0, 0, 0)),
                "{\"filename\": \"clipspace/clipspace-mask-1234.png [input]\"}");
        assertEquals(200, again.statusCode(), again.body());
        BufferedImage second = ImageIO.read(dir.resolve("work/input/clipspace/clipspace-mask-1235.png").toFile());
        assertEquals(0x102030, second.getRGB(0, 0) & 0xFFFFFF);
        assertEquals(0, second.getRGB(0, 0) >>> 24);
    }

    @Test
    void badReferencesAndMasksAreRefused() throws Exception {
        byte[] mask = png(maskLayer(3, 2, 0, 0, 0, 0, 0, 0));
        assertEquals(404, post("m1.png", mask, "{\"filename\": \"missing.png\", \"type\": \"input\"}").statusCode());
        int outside = post("m2.png", mask, "{\"filename\": \"../../etc/passwd\", \"type\": \"input\"}").statusCode();
        assertTrue(outside == 400 || outside == 403, "status " + outside);
        assertEquals(400, post("m3.png", mask, null).statusCode());
        assertEquals(400, post("m4.png", mask, "not json").statusCode());
        HttpResponse<String> size = post("m5.png", png(maskLayer(2, 2)), "{\"filename\": \"photo.png [input]\"}");
        assertEquals(400, size.statusCode());
        assertTrue(size.body().contains("2×2"), size.body());
        assertEquals(400, post("m6.png", "not an image".getBytes(), "{\"filename\": \"photo.png [input]\"}")
                .statusCode());
        for (String n : new String[] {"m1.png", "m2.png", "m3.png", "m4.png", "m5.png", "m6.png"}) {
            assertFalse(Files.exists(dir.resolve("work/input/clipspace").resolve(n)), n);
        }
    }
}
