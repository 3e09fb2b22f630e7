package dev.noodle.app.server;

import static dev.noodle.app.server.ServerFixture.MAPPER;
import static dev.noodle.app.server.ServerFixture.getJson;
import static dev.noodle.app.server.ServerFixture.postJson;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noodle.app.cli.NoodleCommand;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunListener;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.json.ComfyApiFormat;
import dev.noodle.graph.json.ComfyUiFormat;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.library.Component;
import dev.noodle.graph.library.ComponentLibrary;
import dev.noodle.graph.library.ComponentUpdates;
import dev.noodle.graph.library.Components;
import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Subgraph;
import dev.noodle.graph.model.SubgraphInput;
import dev.noodle.graph.model.SubgraphOutput;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.subgraph.SubgraphFlattener;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A txt2img built in Noodle from two nested library components ("Render" holds "Sampler"), used twice: it gives the
 * same images from the executor (as the editor runs it), the CLI, the server and its ComfyUI API export; publishing a
 * new "Sampler" and updating changes both uses; declining leaves the file as it was.
 */
class NestedComponentsEndToEndTest {
    @TempDir
    Path dir;

    static Map<String, InputValue> in(Object... kv) {
        Map<String, InputValue> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1] instanceof InputValue v ? v : Literal.of(kv[i + 1]));
        }
        return m;
    }

    static Link boundary(int k) {
        return Link.of(Subgraph.INPUT_NODE, k);
    }

    static SubgraphInput port(String name, String type) {
        return new SubgraphInput("in-" + name, name, type, null, Map.of());
    }

    /** The workflow: checkpoint, prompts, latent, two "Render" hosts (seeds 1 and 2), two Save Image nodes. */
    static Workflow built(double cfg) {
        Subgraph sampler = new Subgraph("sampler", "Sampler", "KSampler with the common settings",
                List.of(port("model", "MODEL"), port("positive", "CONDITIONING"), port("negative", "CONDITIONING"),
                        port("latent_image", "LATENT"), port("seed", "INT")),
                List.of(new SubgraphOutput("out-latent", "LATENT", "LATENT", null, Link.of("1", 0), Map.of())),
                Workflow.empty("Sampler").withNode(NodeInstance.of("1", "KSampler", in("seed", boundary(4),
                        "steps", 2L, "cfg", cfg, "sampler_name", "euler", "scheduler", "normal", "denoise", 1.0,
                        "model", boundary(0), "positive", boundary(1), "negative", boundary(2),
                        "latent_image", boundary(3)))),
                null, Map.of());
        Subgraph render = new Subgraph("render", "Render", "samples and decodes",
                List.of(port("model", "MODEL"), port("positive", "CONDITIONING"), port("negative", "CONDITIONING"),
                        port("latent_image", "LATENT"), port("seed", "INT"), port("vae", "VAE")),
                List.of(new SubgraphOutput("out-image", "IMAGE", "IMAGE", null, Link.of("2", 0), Map.of())),
                Workflow.empty("Render")
                        .withNode(NodeInstance.of("1", "sampler", in("model", boundary(0), "positive", boundary(1),
                                "negative", boundary(2), "latent_image", boundary(3), "seed", boundary(4))))
                        .withNode(NodeInstance.of("2", "VAEDecode", in("samples", Link.of("1", 0),
                                "vae", boundary(5)))),
                null, Map.of());
        Workflow wf = Workflow.empty("components").withSubgraph(sampler).withSubgraph(render)
                .withNode(NodeInstance.of("4", "CheckpointLoaderSimple",
                        in("ckpt_name", "noodle-demo-tiny-sd15.safetensors")))
                .withNode(NodeInstance.of("6", "CLIPTextEncode", in("text", "a glass bottle", "clip", Link.of("4", 1))))
                .withNode(NodeInstance.of("7", "CLIPTextEncode", in("text", "watermark", "clip", Link.of("4", 1))))
                .withNode(NodeInstance.of("5", "EmptyLatentImage", in("width", 64L, "height", 64L, "batch_size", 1L)));
        for (String[] use : List.of(new String[] {"20", "1", "9", "a"}, new String[] {"21", "2", "10", "b"})) {
            wf = wf.withNode(NodeInstance.of(use[0], "render", in("model", Link.of("4", 0), "positive", Link.of("6", 0),
                            "negative", Link.of("7", 0), "latent_image", Link.of("5", 0),
                            "seed", Long.parseLong(use[1]), "vae", Link.of("4", 2))))
                    .withNode(NodeInstance.of(use[2], "SaveImage", in("filename_prefix", use[3],
                            "images", Link.of(use[0], 0))));
        }
        return wf;
    }

    @Test
    void nestedComponentsRunTheSameEverywhereAndUpdateBothUses() throws Exception {
        Path models = dir.resolve("models");
        ComponentLibrary lib = new ComponentLibrary(dir.resolve("components"));
        // publish "Sampler", then "Render" (which nests it): the workflow's copies now refer to the library
        Workflow wf = lib.publishNew(built(7.0), "sampler", "Sampler", null).workflow();
        wf = lib.publishNew(wf, "render", "Render", null).workflow();
        assertEquals(2, lib.scan().components().size());
        assertTrue(wf.subgraphs().get("sampler").component() != null && wf.subgraphs().get("render").component() != null);

        // executor (as the editor runs it) and the API export
        Map<String, int[]> direct;
        Map<String, int[]> fromApi;
        try (NoodleNodes nodes = NoodleNodes.create(NodeEnvironment.of(models, dir.resolve("out-direct")))) {
            direct = images(run(nodes, wf));
            Workflow api = WorkflowJson.parse(ComfyApiFormat.write(wf), "api.json", nodes.registry());
            assertTrue(api.nodes().containsKey("20:1:1") && api.nodes().containsKey("21:1:1"), api.nodes().keySet()
                    .toString());
            fromApi = images(run(nodes, api));
        }
        assertEquals(Set.of("a", "b"), direct.keySet());
        assertFalse(java.util.Arrays.equals(direct.get("a"), direct.get("b")), "two seeds, two images");
        assertSame(direct, fromApi);

        // the CLI on the saved file (Noodle format) and on its ComfyUI UI export
        Path file = dir.resolve("components.json");
        WorkflowJson.save(wf, file);
        assertSame(direct, cli(file, dir.resolve("out-cli"), models));
        Path ui = dir.resolve("components-ui.json");
        try (NoodleNodes nodes = NoodleNodes.create(NodeEnvironment.of(models, dir.resolve("x")))) {
            Files.writeString(ui, ComfyUiFormat.write(wf, nodes.registry()));
        }
        assertSame(direct, cli(ui, dir.resolve("out-cli-ui"), models));

        // the server, given the API export as ComfyUI's frontend would queue it
        assertSame(direct, server(wf, models, dir.resolve("out-server")));

        // a new "Sampler": cfg 7 → 4
        Subgraph edited = wf.subgraphs().get("sampler");
        NodeInstance ks = edited.body().node("1");
        Workflow draft = wf.withSubgraph(edited.withBody(edited.body().withNode(ks.withInput("cfg", Literal.of(4.0)))));
        lib.publishVersion(draft, "sampler");
        List<ComponentUpdates.Available> offers = ComponentUpdates.available(wf, lib::newest);
        assertEquals(1, offers.size(), offers.toString());
        assertEquals(2, offers.get(0).latest().version());
        // declining: nothing changes, the file stays as it was
        String before = Files.readString(file);
        assertEquals(before, WorkflowJson.write(WorkflowJson.read(file)));
        // updating: both uses of "Render" take the new "Sampler"
        Component latest = offers.get(0).latest();
        Workflow updated = ComponentUpdates.update(wf, offers.get(0).definitionId(), latest, null, false,
                Components.RANDOM_IDS).workflow();
        Workflow flat = SubgraphFlattener.flatten(updated).workflow();
        assertEquals(Literal.of(4.0), flat.node("20:1:1").input("cfg"));
        assertEquals(Literal.of(4.0), flat.node("21:1:1").input("cfg"));
        try (NoodleNodes nodes = NoodleNodes.create(NodeEnvironment.of(models, dir.resolve("out-updated")))) {
            Map<String, int[]> after = images(run(nodes, updated));
            assertFalse(java.util.Arrays.equals(direct.get("a"), after.get("a")), "use a changed");
            assertFalse(java.util.Arrays.equals(direct.get("b"), after.get("b")), "use b changed");
            // and they are the images of the same graph written out by hand with cfg 4
            assertSame(after, images(run(nodes, built(4.0))));
        }
    }

    private static RunResult run(NoodleNodes nodes, Workflow wf) {
        GraphExecutor executor = new GraphExecutor(nodes.registry(), new ResultCache(1L << 30), nodes.services());
        RunResult r = executor.run(wf, new RunOptions(Set.of(), UUID.randomUUID().toString()), RunListener.none(),
                new CancellationToken());
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message());
        return r;
    }

    /** The first image each Save Image node wrote, by its filename prefix. */
    private static Map<String, int[]> images(RunResult r) throws Exception {
        Map<String, int[]> out = new LinkedHashMap<>();
        for (var o : r.outputs().values()) {
            if (o.ui().get("images") instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof Path p) {
                out.put(p.getFileName().toString().replaceAll("_\\d+_\\.png$", ""), pixels(p));
            }
        }
        return out;
    }

    private static Map<String, int[]> cli(Path file, Path out, Path models) throws Exception {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
            code = NoodleCommand.commandLine().execute("run", file.toString(), "--models", models.toString(),
                    "--out", out.toString());
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        assertEquals(0, code, buf.toString(StandardCharsets.UTF_8));
        return folder(out);
    }

    private static Map<String, int[]> server(Workflow wf, Path models, Path out) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        try (NoodleServer server = NoodleServer.start(new ServerOptions(ServerOptions.LOOPBACK, 0, models, out, null,
                64 << 10))) {
            String base = server.url();
            ObjectNode body = MAPPER.createObjectNode();
            body.set("prompt", MAPPER.readTree(ComfyApiFormat.write(wf)));
            body.put("client_id", UUID.randomUUID().toString());
            var r = postJson(http, base + "/prompt", body);
            assertEquals(200, r.statusCode(), r.body());
            String id = MAPPER.readTree(r.body()).path("prompt_id").asText();
            for (int i = 0; i < 600; i++) {
                JsonNode h = getJson(http, base + "/history/" + id).path(id);
                if (h.path("status").path("completed").asBoolean(false)) {
                    break;
                }
                assertFalse("error".equals(h.path("status").path("status_str").asText()), h.toString());
                Thread.sleep(200);
            }
        }
        return folder(out);
    }

    private static Map<String, int[]> folder(Path out) throws Exception {
        Map<String, int[]> found = new LinkedHashMap<>();
        try (Stream<Path> s = Files.list(out)) {
            for (Path p : s.sorted().toList()) {
                if (p.getFileName().toString().endsWith(".png")) {
                    found.put(p.getFileName().toString().replaceAll("_\\d+_\\.png$", ""), pixels(p));
                }
            }
        }
        return found;
    }

    private static void assertSame(Map<String, int[]> expected, Map<String, int[]> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        for (String k : expected.keySet()) {
            assertArrayEquals(expected.get(k), actual.get(k), k);
        }
    }

    private static int[] pixels(Path png) throws Exception {
        BufferedImage img = ImageIO.read(png.toFile());
        return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
    }
}
