package dev.noodle.app.server;

import static dev.noodle.app.server.ServerFixture.MAPPER;
import static dev.noodle.app.server.ServerFixture.getJson;
import static dev.noodle.app.server.ServerFixture.postJson;
import static dev.noodle.app.server.ServerFixture.submission;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PreviewAny through the server: the executed message and the history carry ComfyUI's {"text": [...]}. */
class PreviewAnyServerTest {
    @TempDir
    Path dir;

    @Test
    void previewAsTextAnswersWithComfyUisTextShape() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        try (NoodleServer server = NoodleServer.start(new ServerOptions(ServerOptions.LOOPBACK, 0,
                dir.resolve("models"), dir.resolve("output"), null, 64 << 10))) {
            String base = server.url();
            ObjectNode prompt = (ObjectNode) MAPPER.readTree("""
                    {
                      "1": {"class_type": "PrimitiveInt", "inputs": {"value": 42}},
                      "2": {"class_type": "StringReplace", "inputs": {"string": "a cat", "find": "cat",
                            "replace": "dog"}},
                      "3": {"class_type": "PreviewAny", "inputs": {"source": ["1", 0]}},
                      "4": {"class_type": "PreviewAny", "inputs": {"source": ["2", 0]}}
                    }
                    """);
            String clientId = UUID.randomUUID().toString();
            try (WsProbe ws = new WsProbe(http, base, clientId)) {
                ws.next(10);
                HttpResponse<String> r = postJson(http, base + "/prompt", submission(prompt, clientId));
                assertEquals(200, r.statusCode(), r.body());
                String promptId = MAPPER.readTree(r.body()).path("prompt_id").asText();
                List<JsonNode> msgs = ws.untilDone(promptId, 60);
                JsonNode executed = msgs.stream().filter(m -> m.path("type").asText().equals("executed")
                        && m.path("data").path("node").asText().equals("4")).findFirst().orElseThrow();
                assertEquals(MAPPER.readTree("{\"text\": [\"a dog\"]}"), executed.path("data").path("output"));
                JsonNode outputs = getJson(http, base + "/history/" + promptId).path(promptId).path("outputs");
                assertEquals(MAPPER.readTree("{\"text\": [\"42\"]}"), outputs.path("3"));
                assertEquals(MAPPER.readTree("{\"text\": [\"a dog\"]}"), outputs.path("4"));
            }
        }
    }
}
