package dev.noodle.app.server;

import static dev.noodle.app.server.ServerFixture.MAPPER;
import static dev.noodle.app.server.ServerFixture.get;
import static dev.noodle.app.server.ServerFixture.getJson;
import static dev.noodle.app.server.ServerFixture.postJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.model.Workflow;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server lists the forms of its workflows folder by name and queues a workflow from named values. */
class FormServerTest {
    @TempDir
    Path dir;

    private NoodleServer start() throws Exception {
        Path workflows = Files.createDirectories(dir.resolve("workflows"));
        Files.copy(Path.of("../workflows/txt2img.json"), workflows.resolve("txt2img.json"));
        Workflow plain = WorkflowJson.read(Path.of("../workflows/txt2img.json")).withForm(List.of());
        Files.writeString(workflows.resolve("plain.json"), WorkflowJson.write(plain));
        Files.writeString(workflows.resolve("broken.json"), "{ \"nodes\": ");
        return NoodleServer.start(new ServerOptions(ServerOptions.LOOPBACK, 0, dir.resolve("models"),
                dir.resolve("output"), null, 64 << 10, null, workflows));
    }

    @Test
    void formsAreListedByNameWithTheirFieldsAndUnreadableFilesNamed() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        try (NoodleServer server = start()) {
            JsonNode all = getJson(http, server.url() + "/noodle/forms");
            assertEquals(1, all.path("forms").size(), "the workflow without a form is not listed: " + all);
            JsonNode form = all.path("forms").get(0);
            assertEquals("txt2img", form.path("name").asText());
            assertEquals("txt2img.json", form.path("file").asText());
            List<String> names = new java.util.ArrayList<>();
            form.path("fields").forEach(f -> names.add(f.path("name").asText()));
            assertEquals(List.of("prompt", "negative", "seed", "steps", "cfg", "width", "height"), names);
            JsonNode steps = form.path("fields").get(3);
            assertEquals("INT", steps.path("type").asText());
            assertEquals(20, steps.path("value").asInt());
            assertEquals(1, steps.path("min").asInt());
            assertEquals(10000, steps.path("max").asInt());
            assertEquals("Steps", steps.path("label").asText());
            assertEquals("3", steps.path("node").asText());
            assertTrue(form.path("fields").get(0).path("multiline").asBoolean());
            assertEquals("broken.json", all.path("unreadable").get(0).path("file").asText());
            assertEquals(form, getJson(http, server.url() + "/api/noodle/forms/txt2img"));
            HttpResponse<byte[]> missing = get(http, server.url() + "/noodle/forms/nope");
            assertEquals(404, missing.statusCode());
            JsonNode err = MAPPER.readTree(missing.body()).path("error");
            assertEquals("unknown_form", err.path("type").asText());
            assertTrue(err.path("message").asText().endsWith("the workflows are broken, plain, txt2img"),
                    err.toString());
        }
    }

    @Test
    void badValuesAreRefusedAsJsonNamingEachField() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        try (NoodleServer server = start()) {
            ObjectNode values = MAPPER.createObjectNode().put("steps", 2.5).put("sampler", "euler").put("cfg", 500);
            values.putArray("width").add(1);
            HttpResponse<String> r = postJson(http, server.url() + "/noodle/forms/txt2img/run", values);
            assertEquals(400, r.statusCode(), r.body());
            JsonNode err = MAPPER.readTree(r.body()).path("error");
            assertEquals("invalid_form_values", err.path("type").asText());
            JsonNode fields = err.path("fields");
            assertEquals("must be a number, text or true/false, not [1]", fields.path("width").asText());
            assertEquals(1, fields.size(), "the type of a value is checked before the rest: " + err);
            values.remove("width");
            JsonNode all = MAPPER.readTree(postJson(http, server.url() + "/noodle/forms/txt2img/run", values).body())
                    .path("error").path("fields");
            assertEquals("2.5 is not a whole number (node 3 input 'steps')", all.path("steps").asText());
            assertEquals("500.0 is outside 0.0..100.0 (node 3 input 'cfg')", all.path("cfg").asText());
            assertTrue(all.path("sampler").asText().startsWith("is not in the form; its fields are prompt,"),
                    all.toString());
            assertEquals(0, getJson(http, server.url() + "/prompt").path("exec_info").path("queue_remaining")
                    .asInt(), "nothing was queued");
            assertEquals(404, postJson(http, server.url() + "/noodle/forms/..%2Ftxt2img/run", values).statusCode());
        }
    }

    @Test
    void namedValuesQueueTheWorkflowLikeAPromptAndItsImageComesOut() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        try (NoodleServer server = start()) {
            String clientId = UUID.randomUUID().toString();
            try (WsProbe ws = new WsProbe(http, server.url(), clientId)) {
                ws.next(10);
                ObjectNode values = MAPPER.createObjectNode().put("width", 64).put("height", 64).put("steps", "2")
                        .put("seed", 5).put("prompt", "a fox in the snow");
                HttpResponse<String> r = postJson(http, server.url() + "/noodle/forms/txt2img/run?client_id="
                        + clientId, values);
                assertEquals(200, r.statusCode(), r.body());
                String promptId = MAPPER.readTree(r.body()).path("prompt_id").asText();
                List<JsonNode> msgs = ws.untilDone(promptId, 300);
                assertTrue(msgs.stream().anyMatch(m -> m.path("type").asText().equals("execution_success")),
                        msgs.toString());
            }
            JsonNode history = getJson(http, server.url() + "/history");
            assertEquals(1, history.size());
            String promptId = history.fieldNames().next();
            JsonNode entry = history.path(promptId);
            assertEquals("success", entry.path("status").path("status_str").asText());
            JsonNode prompt = entry.path("prompt").get(2);
            assertEquals("a fox in the snow", prompt.path("6").path("inputs").path("text").asText());
            assertEquals(2, prompt.path("3").path("inputs").path("steps").asInt());
            String file = entry.path("outputs").path("9").path("images").get(0).path("filename").asText();
            HttpResponse<byte[]> view = get(http, server.url() + "/view?filename=" + file + "&type=output");
            BufferedImage png = ImageIO.read(new ByteArrayInputStream(view.body()));
            assertEquals(64, png.getWidth());
            assertFalse(Files.readString(dir.resolve("workflows/txt2img.json")).contains("a fox"),
                    "the file is not changed");
        }
    }
}
