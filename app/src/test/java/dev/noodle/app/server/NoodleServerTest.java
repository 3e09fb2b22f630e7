package dev.noodle.app.server;

import static dev.noodle.app.server.ServerFixture.MAPPER;
import static dev.noodle.app.server.ServerFixture.get;
import static dev.noodle.app.server.ServerFixture.getJson;
import static dev.noodle.app.server.ServerFixture.postJson;
import static dev.noodle.app.server.ServerFixture.submission;
import static dev.noodle.app.server.ServerFixture.txt2img;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noodle.engine.model.DemoCheckpoint;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.nodes.interop.ModelHashes;
import dev.noodle.nodes.interop.PngTextChunks;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts the server on a free loopback port over temp folders and drives it the way ComfyUI's
 * {@code websockets_api_example.py} does, on the demo checkpoint at 64×64 with 2 steps.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NoodleServerTest {
    @TempDir
    static Path dir;

    private NoodleServer server;
    private String base;
    private final HttpClient http = HttpClient.newHttpClient();
    private String firstPromptId;

    @BeforeAll
    void start() throws java.io.IOException {
        // the demo checkpoint is generated on first use; create it up front so its change fingerprint (size and
        // mtime) is the same for every prompt of this test, as with a real checkpoint
        dev.noodle.engine.model.DemoCheckpoint.ensure(dir.resolve("models/checkpoints")
                .resolve(dev.noodle.engine.model.DemoCheckpoint.FILE_NAME));
        server = NoodleServer.start(new ServerOptions(ServerOptions.LOOPBACK, 0, dir.resolve("models"),
                dir.resolve("work/output"), null, 64 << 10));
        base = server.url();
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    @Order(1)
    void runsAPromptLikeTheComfyExampleScript() throws Exception {
        String clientId = UUID.randomUUID().toString();
        try (WsProbe ws = new WsProbe(http, base, clientId)) {
            JsonNode hello = ws.next(10);
            assertEquals("status", hello.path("type").asText());
            assertEquals(clientId, hello.path("data").path("sid").asText());
            assertEquals(0, hello.path("data").path("status").path("exec_info").path("queue_remaining").asInt());

            ObjectNode body = submission(txt2img(7, 2, "srv"), clientId);
            // the ComfyUI editor sends its own drawing of the graph to be embedded in the images
            body.putObject("extra_data").putObject("extra_pnginfo").putObject("workflow")
                    .put("last_node_id", 9).put("from", "comfy-frontend");
            HttpResponse<String> r = postJson(http, base + "/prompt", body);
            assertEquals(200, r.statusCode(), r.body());
            JsonNode answer = MAPPER.readTree(r.body());
            String promptId = answer.path("prompt_id").asText();
            assertTrue(answer.path("node_errors").isObject() && answer.path("node_errors").isEmpty());
            assertTrue(answer.path("number").isNumber());

            List<JsonNode> msgs = ws.untilDone(promptId, 300);
            List<String> types = new ArrayList<>();
            msgs.forEach(m -> types.add(m.path("type").asText()));
            assertTrue(types.indexOf("execution_start") < types.indexOf("execution_cached"), types.toString());
            assertTrue(types.indexOf("execution_cached") < types.indexOf("executing"), types.toString());
            assertTrue(types.contains("progress"), types.toString());
            assertTrue(types.indexOf("executed") < types.indexOf("execution_success"), types.toString());
            JsonNode executed = msgs.get(types.indexOf("executed")).path("data");
            assertEquals("9", executed.path("node").asText());
            assertEquals(promptId, executed.path("prompt_id").asText());
            JsonNode progress = msgs.get(types.indexOf("progress")).path("data");
            assertEquals(promptId, progress.path("prompt_id").asText());
            assertTrue(progress.path("max").asInt() >= 1 && progress.has("value") && progress.has("node"));
            List<String> ran = new ArrayList<>();
            for (JsonNode m : msgs) {
                if (m.path("type").asText().equals("executing") && !m.path("data").path("node").isNull()) {
                    ran.add(m.path("data").path("node").asText());
                }
            }
            assertEquals(List.of("3", "4", "5", "6", "7", "8", "9").size(), ran.size(), ran.toString());
            assertEquals("9", ran.get(ran.size() - 1));

            JsonNode entry = getJson(http, base + "/history/" + promptId).path(promptId);
            assertEquals("success", entry.path("status").path("status_str").asText());
            assertTrue(entry.path("status").path("completed").asBoolean());
            assertEquals("execution_start", entry.path("status").path("messages").get(0).get(0).asText());
            assertEquals(promptId, entry.path("prompt").get(1).asText());
            JsonNode img = entry.path("outputs").path("9").path("images").get(0);
            assertEquals("output", img.path("type").asText());
            assertEquals("", img.path("subfolder").asText());
            assertTrue(img.path("filename").asText().startsWith("srv_"), img.toString());

            HttpResponse<byte[]> view = get(http, base + "/view?filename=" + img.path("filename").asText()
                    + "&subfolder=&type=output");
            assertEquals(200, view.statusCode());
            assertEquals("image/png", view.headers().firstValue("Content-Type").orElse(""));
            assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(view.body(), 4));
            BufferedImage png = ImageIO.read(new ByteArrayInputStream(view.body()));
            assertEquals(64, png.getWidth());
            assertEquals(64, png.getHeight());
            // the parameters chunk carries A1111's Model hash of the checkpoint used (AutoV2: sha256[:10]), hashed
            // once and remembered beside the models root
            Path ckpt = dir.resolve("models/checkpoints").resolve(DemoCheckpoint.FILE_NAME);
            String sha = ModelHashes.sha256(ckpt);
            String params = PngTextChunks.read(dir.resolve("work/output").resolve(img.path("filename").asText()))
                    .get("parameters");
            assertTrue(params.contains("Model hash: " + sha.substring(0, 10) + ", "), params);
            Map<String, String> chunks = PngTextChunks.read(dir.resolve("work/output").resolve(img.path("filename").asText()));
            assertEquals("comfy-frontend", MAPPER.readTree(chunks.get("workflow")).path("from").asText(),
                    "extra_pnginfo.workflow is embedded as ComfyUI does");
            assertEquals("CheckpointLoaderSimple", MAPPER.readTree(chunks.get("prompt")).path("4").path("class_type").asText());
            try (var library = dev.noodle.nodes.library.ModelLibrary.open(dir.resolve("models"))) {
                assertEquals(sha, library.cachedHash("sha256", ckpt.toRealPath().toString(), Files.size(ckpt),
                        Files.getLastModifiedTime(ckpt).toMillis()).orElse(""), "the hash is remembered in the library");
            }
            firstPromptId = promptId;
        }
    }

    @Test
    @Order(2)
    void aRepeatedPromptComesFromTheCacheAndStillListsItsImages() throws Exception {
        String clientId = UUID.randomUUID().toString();
        try (WsProbe ws = new WsProbe(http, base, clientId)) {
            ws.next(10);
            HttpResponse<String> r = postJson(http, base + "/prompt", submission(txt2img(7, 2, "srv"), clientId));
            String promptId = MAPPER.readTree(r.body()).path("prompt_id").asText();
            List<JsonNode> msgs = ws.untilDone(promptId, 120);
            JsonNode cached = msgs.stream().filter(m -> m.path("type").asText().equals("execution_cached"))
                    .findFirst().orElseThrow().path("data").path("nodes");
            // the same prompt again: every node comes from the executor's cache, SaveImage's images included
            assertEquals(List.of("3", "4", "5", "6", "7", "8", "9"), sorted(cached), msgs.toString());
            assertTrue(msgs.stream().noneMatch(m -> m.path("type").asText().equals("progress")
                    && m.path("data").path("node").asText().equals("3")), "the sampler must not run again");
            JsonNode entry = getJson(http, base + "/history/" + promptId).path(promptId);
            assertEquals("success", entry.path("status").path("status_str").asText());
            assertFalse(entry.path("outputs").path("9").path("images").isEmpty());
        }
    }

    private static List<String> sorted(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        out.sort(null);
        return out;
    }

    @Test
    @Order(3)
    void anInvalidPromptIsRefusedWithComfyNodeErrors() throws Exception {
        ObjectNode prompt = txt2img(1, 2, "bad");
        ((ObjectNode) prompt.path("3").path("inputs")).put("steps", 0);
        ((ObjectNode) prompt.path("3").path("inputs")).put("sampler_name", "no_such_sampler");
        HttpResponse<String> r = postJson(http, base + "/prompt", submission(prompt, "x"));
        assertEquals(400, r.statusCode());
        JsonNode body = MAPPER.readTree(r.body());
        assertEquals("prompt_outputs_failed_validation", body.path("error").path("type").asText());
        assertTrue(body.path("error").has("message") && body.path("error").has("details")
                && body.path("error").path("extra_info").isObject());
        JsonNode ks = body.path("node_errors").path("3");
        assertEquals("KSampler", ks.path("class_type").asText());
        assertEquals("9", ks.path("dependent_outputs").get(0).asText());
        List<String> codes = new ArrayList<>();
        List<String> inputs = new ArrayList<>();
        ks.path("errors").forEach(e -> {
            codes.add(e.path("type").asText());
            inputs.add(e.path("extra_info").path("input_name").asText());
        });
        assertTrue(codes.contains("value_smaller_than_min") && codes.contains("value_not_in_list"), codes.toString());
        assertTrue(inputs.contains("steps") && inputs.contains("sampler_name"), inputs.toString());

        HttpResponse<String> noPrompt = postJson(http, base + "/prompt", MAPPER.createObjectNode());
        assertEquals(400, noPrompt.statusCode());
        HttpResponse<String> noOutputs = postJson(http, base + "/prompt",
                submission((ObjectNode) MAPPER.readTree("{\"5\": {\"class_type\": \"EmptyLatentImage\", \"inputs\":"
                        + " {\"width\": 64, \"height\": 64, \"batch_size\": 1}}}"), "x"));
        assertEquals(400, noOutputs.statusCode());
        assertEquals("prompt_no_outputs", MAPPER.readTree(noOutputs.body()).path("error").path("type").asText());
    }

    @Test
    @Order(4)
    void viewRefusesTraversalAbsoluteEncodedAndSymlinkedPaths() throws Exception {
        Path secret = dir.resolve("secret.txt");
        Files.writeString(secret, "top secret");
        Path output = dir.resolve("work/output");
        Files.createDirectories(output);
        Files.writeString(output.resolve("ok.txt"), "fine");
        Files.createSymbolicLink(output.resolve("link.txt"), secret);
        Files.createDirectories(output.resolve("sub"));

        assertEquals(200, get(http, base + "/view?filename=ok.txt&type=output").statusCode());
        for (String q : new String[] {
            "filename=../../secret.txt&type=output",
            "filename=secret.txt&subfolder=../..&type=output",
            "filename=%2e%2e%2f%2e%2e%2fsecret.txt&type=output",
            "filename=%252e%252e%252fsecret.txt&type=output",
            "filename=" + secret.toString().replace("/", "%2F") + "&type=output",
            "filename=secret.txt&subfolder=" + dir.toString().replace("/", "%2F") + "&type=output",
            "filename=..%5C..%5Csecret.txt&type=output",
            "filename=ok.txt%00.png&type=output",
            "filename=ok.txt&type=models",
        }) {
            HttpResponse<byte[]> r = get(http, base + "/view?" + q);
            assertTrue(r.statusCode() == 400 || r.statusCode() == 403, q + " -> " + r.statusCode());
            assertFalse(new String(r.body()).contains("top secret"), q);
        }
        HttpResponse<byte[]> link = get(http, base + "/view?filename=link.txt&type=output");
        assertEquals(403, link.statusCode());
        assertFalse(new String(link.body()).contains("top secret"));
        // a non-image is served as a download, never rendered
        HttpResponse<byte[]> txt = get(http, base + "/view?filename=ok.txt&type=output");
        assertTrue(txt.headers().firstValue("Content-Disposition").orElse("").startsWith("attachment"));
        assertEquals("nosniff", txt.headers().firstValue("X-Content-Type-Options").orElse(""));
    }

    @Test
    @Order(5)
    void crossOriginRequestsAreRefused() throws Exception {
        ObjectNode body = submission(txt2img(1, 2, "x"), "x");
        assertEquals(403, postJson(http, base + "/prompt", body, "Origin", "http://evil.example").statusCode());
        assertEquals(403, postJson(http, base + "/prompt", body, "Origin", "null").statusCode());
        assertEquals(403, postJson(http, base + "/interrupt", MAPPER.createObjectNode(),
                "Origin", "http://127.0.0.1:1").statusCode());
        assertEquals(403, postJson(http, base + "/queue", MAPPER.createObjectNode(),
                "Origin", "http://localhost.evil.example:" + server.port()).statusCode());
        // same origin (the browser UI served from this server) passes
        assertEquals(200, postJson(http, base + "/queue", MAPPER.createObjectNode(), "Origin", base).statusCode());
        // a websocket from another site is refused at the upgrade
        var refused = http.newWebSocketBuilder().header("Origin", "http://evil.example")
                .buildAsync(java.net.URI.create(base.replace("http", "ws") + "/ws"),
                        new java.net.http.WebSocket.Listener() {});
        try {
            refused.join();
            throw new AssertionError("cross-origin websocket was accepted");
        } catch (java.util.concurrent.CompletionException expected) {
            assertNotNull(expected.getCause());
        }
        // DNS rebinding: a foreign Host name on the loopback server
        assertEquals(403, RawHttp.status(server.port(), "GET /queue HTTP/1.1\r\nHost: evil.example:" + server.port()
                + "\r\nConnection: close\r\n\r\n"));
        assertEquals(200, RawHttp.status(server.port(), "GET /queue HTTP/1.1\r\nHost: localhost:" + server.port()
                + "\r\nConnection: close\r\n\r\n"));
    }

    @Test
    @Order(6)
    void uploadsGetFreeNamesAreCappedAndConfined() throws Exception {
        byte[] a = "first image".getBytes();
        byte[] b = "second image".getBytes();
        JsonNode first = MAPPER.readTree(Multipart.upload(http, base, "pic.png", a, null).body());
        assertEquals("pic.png", first.path("name").asText());
        assertEquals("input", first.path("type").asText());
        assertEquals("pic (1).png", MAPPER.readTree(Multipart.upload(http, base, "pic.png", b, null).body())
                .path("name").asText());
        assertEquals("pic.png", MAPPER.readTree(Multipart.upload(http, base, "pic.png", a, null).body())
                .path("name").asText(), "same bytes reuse the name");
        assertArrayEquals(b, Files.readAllBytes(dir.resolve("work/input/pic (1).png")));
        JsonNode sub = MAPPER.readTree(Multipart.upload(http, base, "pic.png", a, "masks").body());
        assertEquals("masks", sub.path("subfolder").asText());
        assertTrue(Files.isRegularFile(dir.resolve("work/input/masks/pic.png")));

        assertEquals(413, Multipart.upload(http, base, "big.png", new byte[100 << 10], null).statusCode());
        assertEquals(400, Multipart.upload(http, base, "../evil.png", a, null).statusCode());
        assertEquals(400, Multipart.upload(http, base, "evil.png", a, "../..").statusCode());
        assertFalse(Files.exists(dir.resolve("evil.png")));
        assertFalse(Files.exists(dir.resolve("work/evil.png")));

        Multipart.upload(http, base, "page.html", "<script>alert(1)</script>".getBytes(), null);
        HttpResponse<byte[]> html = get(http, base + "/view?filename=page.html&type=input");
        assertEquals(200, html.statusCode());
        assertTrue(html.headers().firstValue("Content-Disposition").orElse("").startsWith("attachment"));
        assertEquals("application/octet-stream", html.headers().firstValue("Content-Type").orElse(""));
    }

    @Test
    @Order(7)
    void listsNodesQueueModelsAndStats() throws Exception {
        JsonNode ks = getJson(http, base + "/object_info/KSampler").path("KSampler");
        JsonNode steps = ks.path("input").path("required").path("steps");
        assertEquals("INT", steps.get(0).asText());
        assertEquals(1, steps.get(1).path("min").asInt());
        assertTrue(steps.get(1).has("default") && steps.get(1).has("max") && steps.get(1).has("step"));
        JsonNode sampler = ks.path("input").path("required").path("sampler_name");
        assertTrue(sampler.get(0).isArray());
        assertTrue(MAPPER.convertValue(sampler.get(0), List.class).contains("euler"));
        // ComfyUI's own tooltips; the Explain panel says what each sampler and scheduler value does
        assertEquals(dev.noodle.nodes.sampling.SamplingHelp.SAMPLER_TOOLTIP, sampler.get(1).path("tooltip").asText());
        assertEquals(dev.noodle.nodes.sampling.SamplingHelp.SCHEDULER_TOOLTIP,
                ks.path("input").path("required").path("scheduler").get(1).path("tooltip").asText());
        assertEquals("model", ks.path("input_order").path("required").get(0).asText());
        assertEquals("LATENT", ks.path("output").get(0).asText());
        assertFalse(ks.path("output_is_list").get(0).asBoolean());
        assertFalse(ks.path("output_node").asBoolean());
        assertEquals("KSampler", ks.path("name").asText());
        JsonNode all = getJson(http, base + "/api/object_info");
        assertTrue(all.path("SaveImage").path("output_node").asBoolean());
        assertTrue(all.path("CheckpointLoaderSimple").path("input").path("required").path("ckpt_name").get(0)
                .toString().contains("noodle-demo-tiny-sd15.safetensors"));

        JsonNode queue = getJson(http, base + "/queue");
        assertTrue(queue.path("queue_running").isArray() && queue.path("queue_pending").isArray());
        assertEquals(0, getJson(http, base + "/prompt").path("exec_info").path("queue_remaining").asInt());
        assertTrue(MAPPER.convertValue(getJson(http, base + "/models"), List.class).contains("checkpoints"));
        assertTrue(getJson(http, base + "/models/checkpoints").toString().contains("noodle-demo-tiny-sd15"));
        assertEquals(404, get(http, base + "/models/nope").statusCode());
        assertTrue(getJson(http, base + "/embeddings").isArray());
        JsonNode stats = getJson(http, base + "/system_stats");
        assertTrue(stats.path("system").path("ram_total").asLong() > 0);
        assertTrue(stats.path("devices").get(0).has("name"));
        JsonNode history = getJson(http, base + "/history?max_items=1");
        assertEquals(1, history.size());
        assertNotNull(firstPromptId);
        assertTrue(getJson(http, base + "/history").has(firstPromptId));
        assertEquals(200, postJson(http, base + "/free", MAPPER.readTree("{\"unload_models\": true}")).statusCode());
    }

    @Test
    @Order(8)
    void interruptStopsTheRunningPrompt() throws Exception {
        String clientId = UUID.randomUUID().toString();
        try (WsProbe ws = new WsProbe(http, base, clientId)) {
            ws.next(10);
            HttpResponse<String> r = postJson(http, base + "/prompt", submission(txt2img(99, 2000, "long"), clientId));
            String promptId = MAPPER.readTree(r.body()).path("prompt_id").asText();
            JsonNode m;
            do {
                m = ws.next(120);
            } while (!m.path("type").asText().equals("progress") || !m.path("data").path("node").asText().equals("3"));
            assertEquals(200, postJson(http, base + "/interrupt", MAPPER.createObjectNode()).statusCode());
            List<JsonNode> rest = ws.untilDone(promptId, 60);
            assertTrue(rest.stream().anyMatch(x -> x.path("type").asText().equals("execution_interrupted")),
                    rest.toString());
            JsonNode interrupted = rest.stream().filter(x -> x.path("type").asText().equals("execution_interrupted"))
                    .findFirst().orElseThrow().path("data");
            assertEquals(promptId, interrupted.path("prompt_id").asText());
            assertEquals("3", interrupted.path("node_id").asText());
            assertEquals("KSampler", interrupted.path("node_type").asText());
            // H8: the history records the interruption as ComfyUI does (status_str is 'success' or 'error' there,
            // main.py; the interruption is the last status message) and holds no output of the prompt
            JsonNode entry = getJson(http, base + "/history/" + promptId).path(promptId);
            assertEquals("error", entry.path("status").path("status_str").asText());
            assertFalse(entry.path("status").path("completed").asBoolean());
            JsonNode messages = entry.path("status").path("messages");
            JsonNode lastMessage = messages.get(messages.size() - 1);
            assertEquals("execution_interrupted", lastMessage.get(0).asText(), messages.toString());
            assertEquals("3", lastMessage.get(1).path("node_id").asText());
            assertTrue(entry.path("outputs").isEmpty(), entry.toString());
            assertEquals(List.of(), outputFiles("long"), "no image of the interrupted prompt in the output folder");
        }
    }

    /** Files in the output folder whose name starts with {@code prefix}, or that are left-over temp files. */
    private static List<String> outputFiles(String prefix) throws java.io.IOException {
        try (var files = Files.walk(dir.resolve("work/output"))) {
            return files.filter(Files::isRegularFile).map(f -> f.getFileName().toString())
                    .filter(n -> n.startsWith(prefix) || n.endsWith(".tmp")).sorted().toList();
        }
    }

    /** Submits a long prompt (2000 steps) and reads messages until the sampler reports progress. */
    private String startLongPrompt(WsProbe ws, String clientId, String prefix) throws Exception {
        HttpResponse<String> r = postJson(http, base + "/prompt", submission(txt2img(123, 2000, prefix), clientId));
        assertEquals(200, r.statusCode(), r.body());
        String promptId = MAPPER.readTree(r.body()).path("prompt_id").asText();
        JsonNode m;
        do {
            m = ws.next(120);
        } while (!m.path("type").asText().equals("progress") || !m.path("data").path("node").asText().equals("3"));
        return promptId;
    }

    @Test
    @Order(10)
    void h7AClientReconnectingMidRunGetsStatusThenTheRunningNodeAndTheRunGoesOn() throws Exception {
        String clientId = UUID.randomUUID().toString();
        String promptId;
        try (WsProbe ws = new WsProbe(http, base, clientId)) {
            ws.next(10);
            promptId = startLongPrompt(ws, clientId, "h7");
        } // the client goes away while the sampler runs
        try (WsProbe again = new WsProbe(http, base, clientId)) {
            JsonNode status = again.next(10);
            assertEquals("status", status.path("type").asText(), again.seen.toString());
            assertEquals(clientId, status.path("data").path("sid").asText());
            JsonNode executing = again.next(10);
            assertEquals("executing", executing.path("type").asText(), again.seen.toString());
            assertEquals("3", executing.path("data").path("node").asText());
            assertEquals(promptId, executing.path("data").path("prompt_id").asText());
            // the run went on: the sampler's progress now reaches the new socket
            JsonNode m;
            do {
                m = again.next(60);
            } while (!m.path("type").asText().equals("progress"));
            assertEquals(promptId, m.path("data").path("prompt_id").asText());
            assertTrue(m.path("data").path("value").asInt() > 1, m.toString());
            // another client connecting now is not told about a prompt that is not its own
            try (WsProbe other = new WsProbe(http, base, UUID.randomUUID().toString())) {
                assertEquals("status", other.next(10).path("type").asText());
                assertTrue(other.inbox.poll(500, java.util.concurrent.TimeUnit.MILLISECONDS) == null,
                        "only the submitting client gets the running node");
            }
            ObjectNode only = MAPPER.createObjectNode().put("prompt_id", promptId);
            assertEquals(200, postJson(http, base + "/interrupt", only).statusCode());
            List<JsonNode> rest = again.untilDone(promptId, 60);
            assertTrue(rest.stream().anyMatch(x -> x.path("type").asText().equals("execution_interrupted")));
        }
        assertEquals(List.of(), outputFiles("h7"));
    }

    @Test
    @Order(11)
    void aNodeFailingAtRunTimeSendsExecutionErrorAndTheHistorySaysError() throws Exception {
        // a checkpoint whose safetensors header claims more bytes than the file has: listed, so the prompt
        // validates, and the loader fails when it runs
        Path corrupt = dir.resolve("models/checkpoints/corrupt.safetensors");
        Files.write(corrupt, java.nio.ByteBuffer.allocate(18).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .putLong(1000).array());
        try {
            String clientId = UUID.randomUUID().toString();
            try (WsProbe ws = new WsProbe(http, base, clientId)) {
                ws.next(10);
                ObjectNode prompt = txt2img(5, 2, "corrupt");
                ((ObjectNode) prompt.path("4").path("inputs")).put("ckpt_name", "corrupt.safetensors");
                HttpResponse<String> r = postJson(http, base + "/prompt", submission(prompt, clientId));
                assertEquals(200, r.statusCode(), r.body());
                String promptId = MAPPER.readTree(r.body()).path("prompt_id").asText();
                List<JsonNode> msgs = ws.untilDone(promptId, 120);
                JsonNode err = msgs.stream().filter(m -> m.path("type").asText().equals("execution_error"))
                        .findFirst().orElseThrow(() -> new AssertionError(msgs.toString())).path("data");
                // ComfyUI's shape (execution.py handle_execution_error)
                assertEquals(promptId, err.path("prompt_id").asText());
                assertEquals("4", err.path("node_id").asText());
                assertEquals("CheckpointLoaderSimple", err.path("node_type").asText());
                assertTrue(err.path("exception_message").asText().contains("corrupt.safetensors"), err.toString());
                assertFalse(err.path("exception_type").asText().isBlank(), err.toString());
                assertTrue(err.path("traceback").isArray() && !err.path("traceback").isEmpty(), err.toString());
                err.path("traceback").forEach(t -> assertTrue(t.isTextual()));
                assertTrue(err.path("executed").isArray() && err.path("current_inputs").isObject());
                assertTrue(msgs.stream().noneMatch(m -> m.path("type").asText().equals("execution_success")));

                JsonNode entry = getJson(http, base + "/history/" + promptId).path(promptId);
                assertEquals("error", entry.path("status").path("status_str").asText());
                assertFalse(entry.path("status").path("completed").asBoolean());
                JsonNode last = entry.path("status").path("messages").get(entry.path("status").path("messages")
                        .size() - 1);
                assertEquals("execution_error", last.get(0).asText());
                assertEquals(err.path("exception_message").asText(), last.get(1).path("exception_message").asText());
                assertEquals(List.of(), outputFiles("corrupt"));

                // the server keeps serving: the next prompt succeeds
                HttpResponse<String> ok = postJson(http, base + "/prompt", submission(txt2img(7, 2, "srv"), clientId));
                String okId = MAPPER.readTree(ok.body()).path("prompt_id").asText();
                ws.untilDone(okId, 120);
                assertEquals("success", getJson(http, base + "/history/" + okId).path(okId).path("status")
                        .path("status_str").asText());
            }
        } finally {
            Files.deleteIfExists(corrupt);
        }
    }

    @Test
    @Order(9)
    void remoteRunnerDrivesTheServer() throws Exception {
        RemoteRunner runner = new RemoteRunner(java.net.URI.create(base), null);
        List<String> types = new ArrayList<>();
        var wf = WorkflowJson.parse(MAPPER.writeValueAsString(txt2img(11, 2, "remote")), "remote");
        RemoteRunner.Outcome out = runner.run(wf, (type, data) -> types.add(type), Duration.ofMinutes(5));
        assertTrue(out.success(), out.toString());
        assertTrue(types.contains("execution_success"), types.toString());
        assertEquals(1, out.images().size());
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(runner.fetch(out.images().get(0))));
        assertEquals(64, png.getWidth());

        ObjectNode bad = txt2img(1, 0, "bad");
        try {
            runner.run(bad, null, Duration.ofSeconds(30));
            throw new AssertionError("invalid prompt accepted");
        } catch (RemoteRunner.RejectedException e) {
            assertEquals(400, e.status());
            assertTrue(e.body().path("node_errors").has("3"));
        }
    }
}
