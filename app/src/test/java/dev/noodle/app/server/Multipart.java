package dev.noodle.app.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/** Builds a multipart/form-data upload as ComfyUI's frontend sends it to {@code /upload/image}. */
final class Multipart {
    private Multipart() {}

    static HttpResponse<String> upload(HttpClient http, String base, String filename, byte[] content,
            String subfolder) throws IOException, InterruptedException {
        String boundary = "----noodle" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        write(body, "--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"" + filename
                + "\"\r\nContent-Type: image/png\r\n\r\n");
        body.write(content);
        write(body, "\r\n");
        if (subfolder != null) {
            write(body, "--" + boundary + "\r\nContent-Disposition: form-data; name=\"subfolder\"\r\n\r\n"
                    + subfolder + "\r\n");
        }
        write(body, "--" + boundary + "\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\ninput\r\n");
        write(body, "--" + boundary + "--\r\n");
        return http.send(HttpRequest.newBuilder(URI.create(base + "/upload/image"))
                        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void write(ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }
}
