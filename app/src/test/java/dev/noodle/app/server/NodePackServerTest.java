package dev.noodle.app.server;

import static dev.noodle.app.server.ServerFixture.MAPPER;
import static dev.noodle.app.server.ServerFixture.getJson;
import static dev.noodle.app.server.ServerFixture.postJson;
import static dev.noodle.app.server.ServerFixture.submission;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noodle.app.packs.PackJars;
import dev.noodle.app.packs.TestPacks;
import dev.noodle.engine.model.DemoCheckpoint;
import dev.noodle.nodes.host.CustomNodes;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server with custom node packs: the example pack is in {@code /object_info} with ComfyUI's
 * {@code python_module}, a prompt using it runs, a refused pack is absent, and a pack node failing at run time fails
 * only its prompt, naming the pack.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodePackServerTest {
    @TempDir
    static Path dir;

    private NoodleServer server;
    private String base;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() throws Exception {
        DemoCheckpoint.ensure(dir.resolve("models/checkpoints").resolve(DemoCheckpoint.FILE_NAME));
        PackJars.example(dir.resolve("custom_nodes/example-pack.jar"));
        TestPacks.failingAtRunTime(dir.resolve("custom_nodes/fragile.jar"));
        TestPacks.redefiningKSampler(dir.resolve("custom_nodes/evil.jar"));
        server = NoodleServer.start(new ServerOptions(ServerOptions.LOOPBACK, 0, dir.resolve("models"),
                dir.resolve("work/output"), null, 64 << 10, CustomNodes.besideModels(dir.resolve("models"))));
        base = server.url();
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void objectInfoListsPackNodesWithTheirPythonModule() throws Exception {
        JsonNode all = getJson(http, base + "/object_info");
        JsonNode invert = all.path("ExampleInvertImage");
        assertEquals("custom_nodes.example-pack", invert.path("python_module").asText(), invert.toString());
        assertEquals("Invert Image", invert.path("display_name").asText());
        assertEquals("example/image", invert.path("category").asText());
        assertEquals("IMAGE", invert.path("input").path("required").path("image").get(0).asText());
        assertEquals("IMAGE", invert.path("output").get(0).asText());
        assertEquals("nodes", all.path("KSampler").path("python_module").asText());
        assertEquals("custom_nodes.fragile-pack", all.path("FragileInvert").path("python_module").asText());
        assertFalse(all.has("EvilExtra"), "a pack redefining KSampler is refused whole");

        JsonNode brightness = getJson(http, base + "/object_info/ExampleImageBrightness")
                .path("ExampleImageBrightness");
        assertEquals("custom_nodes.example-pack", brightness.path("python_module").asText());
        JsonNode factor = brightness.path("input").path("required").path("factor");
        assertEquals("FLOAT", factor.get(0).asText());
        assertEquals(1.0, factor.get(1).path("default").asDouble());
        assertEquals(4.0, factor.get(1).path("max").asDouble());
        assertEquals(List.of("image", "factor"),
                MAPPER.convertValue(brightness.path("input_order").path("required"), List.class));
    }

    @Test
    void promptsUsingAPackRunAndAFailingPackNodeFailsOnlyItsPrompt() throws Exception {
        String clientId = UUID.randomUUID().toString();
        try (WsProbe ws = new WsProbe(http, base, clientId)) {
            ws.next(10);
            String ok = queue(TestPacks.txt2img("packed", "ExampleInvertImage"), clientId);
            ws.untilDone(ok, 300);
            JsonNode entry = getJson(http, base + "/history/" + ok).path(ok);
            assertEquals("success", entry.path("status").path("status_str").asText(), entry.toString());
            String file = entry.path("outputs").path("9").path("images").get(0).path("filename").asText();
            assertTrue(Files.isRegularFile(dir.resolve("work/output").resolve(file)), file);

            String bad = queue(TestPacks.txt2img("fragile", "FragileInvert"), clientId);
            List<JsonNode> msgs = ws.untilDone(bad, 300);
            JsonNode err = msgs.stream().filter(m -> m.path("type").asText().equals("execution_error"))
                    .findFirst().orElseThrow(() -> new AssertionError(msgs.toString())).path("data");
            assertEquals("10", err.path("node_id").asText());
            assertEquals("FragileInvert", err.path("node_type").asText());
            String message = err.path("exception_message").asText();
            assertTrue(message.contains("NoClassDefFoundError") && message.contains("fragile-pack 1.0.0"), message);

            // the server keeps serving, packs included
            String after = queue(TestPacks.txt2img("after", "ExampleInvertImage"), clientId);
            ws.untilDone(after, 300);
            assertEquals("success", getJson(http, base + "/history/" + after).path(after).path("status")
                    .path("status_str").asText());
        }
    }

    @Test
    void serveLoadsCustomNodesBesideTheModelsUnlessDisabled() {
        ServeCommand plain = new ServeCommand();
        new picocli.CommandLine(plain).parseArgs("--models", dir.resolve("models").toString());
        assertEquals(dir.resolve("custom_nodes").toAbsolutePath().normalize(), plain.options().customNodes().folder());
        ServeCommand off = new ServeCommand();
        new picocli.CommandLine(off).parseArgs("--models", dir.resolve("models").toString(), "--disable-custom-nodes");
        assertFalse(off.options().customNodes().enabled());
        assertFalse(ServerOptions.local(0, dir, dir).customNodes().enabled(), "options made in code load no pack");
    }

    private String queue(String prompt, String clientId) throws Exception {
        HttpResponse<String> r = postJson(http, base + "/prompt",
                submission((ObjectNode) MAPPER.readTree(prompt), clientId));
        assertEquals(200, r.statusCode(), r.body());
        return MAPPER.readTree(r.body()).path("prompt_id").asText();
    }
}
