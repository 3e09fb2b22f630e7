package dev.noodle.app.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** HTTP helpers and the tiny txt2img prompt the server tests send. */
final class ServerFixture {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private ServerFixture() {}

    /** ComfyUI API prompt: demo checkpoint, 64×64, {@code steps} euler steps, saved with prefix {@code prefix}. */
    static ObjectNode txt2img(long seed, int steps, String prefix) throws IOException {
        String json = """
                {
                  "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "noodle-demo-tiny-sd15.safetensors"}},
                  "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a glass bottle", "clip": ["4", 1]}},
                  "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "text, watermark", "clip": ["4", 1]}},
                  "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}},
                  "3": {"class_type": "KSampler", "inputs": {"seed": %d, "steps": %d, "cfg": 7.0,
                        "sampler_name": "euler", "scheduler": "normal", "positive": ["6", 0], "negative": ["7", 0],
                        "latent_image": ["5", 0], "denoise": 1.0, "model": ["4", 0]}},
                  "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
                  "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "%s", "images": ["8", 0]}}
                }
                """.formatted(seed, steps, prefix);
        return (ObjectNode) MAPPER.readTree(json);
    }

    static HttpResponse<String> postJson(HttpClient http, String url, JsonNode body, String... headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(MAPPER.writeValueAsString(body)));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<byte[]> get(HttpClient http, String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    static JsonNode getJson(HttpClient http, String url) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = get(http, url);
        if (r.statusCode() != 200) {
            throw new IOException("GET " + url + " -> " + r.statusCode());
        }
        return MAPPER.readTree(r.body());
    }

    /** Records a queue item as finished successfully with one saved image, as a worker would. */
    static void finish(PromptQueue q, QueueItem item, String file) {
        ObjectNode outputs = MAPPER.createObjectNode();
        outputs.putObject("9").putArray("images").addObject().put("filename", file);
        ObjectNode status = MAPPER.createObjectNode().put("status_str", "success").put("completed", true);
        status.putArray("messages").addArray().add("execution_success");
        q.done(item, outputs, status, MAPPER.createObjectNode());
    }

    static ObjectNode submission(ObjectNode prompt, String clientId) {
        ObjectNode body = MAPPER.createObjectNode();
        body.set("prompt", prompt);
        body.put("client_id", clientId);
        return body;
    }
}
