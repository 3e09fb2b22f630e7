package dev.noodle.app.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.noodle.engine.model.DemoCheckpoint;
import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import dev.noodle.nodes.interop.PngTextChunks;
import dev.noodle.nodes.interop.WorkflowSources;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

/**
 * Issue 6's "done when" end to end: ComfyUI's default txt2img workflow, as UI JSON (the frontend's
 * default graph) and as API JSON (ComfyUI's basic_api_example.py), runs headless with {@code noodle
 * run} on the demo checkpoint copied under the file name the workflow asks for, at 64×64 and 2
 * steps through {@code --set}; its PNG carries {@code prompt}, {@code workflow} and {@code
 * parameters}, opens back into the same graph, and {@code noodle run out.png} makes the same
 * pixels.
 */
class ComfyDefaultGraphRunTest {
    private static final Path UI_JSON =
            Path.of(
                    "../graph-core/src/test/resources/dev/noodle/graph/json/comfyui/default_graph.json");
    private static final Path API_JSON =
            Path.of("src/test/resources/dev/noodle/app/cli/comfyui/default_api.json");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"ui", "api"})
    void runsHeadlessAndItsPngReopensAndRerunsToTheSamePixels(String form) throws Exception {
        Path source = form.equals("ui") ? UI_JSON : API_JSON;
        assertTrue(Files.isRegularFile(source), source.toAbsolutePath().toString());
        Path models = dir.resolve("models");
        Path checkpoints = Files.createDirectories(models.resolve("checkpoints"));
        Path demo = DemoCheckpoint.ensure(dir.resolve("demo").resolve(DemoCheckpoint.FILE_NAME));
        String ckptName = checkpointName(source);
        assertTrue(ckptName.startsWith("v1-5-pruned-emaonly"), ckptName);
        Files.copy(demo, checkpoints.resolve(ckptName));

        Path out1 = dir.resolve("out1");
        RunCommandTest.Result first =
                RunCommandTest.run(
                        "run",
                        source.toString(),
                        "--models",
                        models.toString(),
                        "--out",
                        out1.toString(),
                        "--set",
                        "5.width=64",
                        "--set",
                        "5.height=64",
                        "--set",
                        "3.steps=2");
        assertEquals(0, first.code(), first.err());
        Path png = onlyPng(out1);
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(64, image.getWidth());
        assertEquals(64, image.getHeight());

        // the three text chunks
        Map<String, String> texts = PngTextChunks.read(png);
        assertTrue(
                texts.keySet().containsAll(Set.of("prompt", "workflow", "parameters")),
                texts.keySet().toString());
        JsonNode prompt = JSON.readTree(texts.get("prompt"));
        assertEquals("KSampler", prompt.path("3").path("class_type").asText(), texts.get("prompt"));
        assertEquals(
                2,
                prompt.path("3").path("inputs").path("steps").asInt(),
                "the prompt records the override");
        assertTrue(
                JSON.readTree(texts.get("workflow")).has("nodes"), "workflow is ComfyUI UI JSON");
        String parameters = texts.get("parameters");
        assertTrue(
                parameters.contains("Steps: 2") && parameters.contains("Size: 64x64"), parameters);

        // the PNG opens back into the same graph: node types by id and every link
        WorkflowSources sources =
                new WorkflowSources(
                        NoodleNodes.standardRegistry(NodeEnvironment.of(models, out1)),
                        List.of(ckptName));
        Workflow original = sources.open(source);
        Workflow reopened = sources.open(png);
        assertEquals(types(original), types(reopened));
        assertEquals(links(original), links(reopened));
        assertEquals(9, links(reopened).size(), "the default graph has nine links");
        assertEquals(new Literal(2L), reopened.node("3").input("steps"));
        assertEquals(new Literal(64L), reopened.node("5").input("width"));

        // re-running the image gives the same pixels
        Path out2 = dir.resolve("out2");
        RunCommandTest.Result again =
                RunCommandTest.run(
                        "run",
                        png.toString(),
                        "--models",
                        models.toString(),
                        "--out",
                        out2.toString());
        assertEquals(0, again.code(), again.err());
        BufferedImage second = ImageIO.read(onlyPng(out2).toFile());
        assertEquals(64, second.getWidth());
        assertArrayEquals(pixels(image), pixels(second), "same pixels from the re-run");
    }

    @Test
    void anA1111SeedRunReRunsFromItsPngToTheSamePixels() throws Exception {
        Path models = dir.resolve("models");
        Path checkpoints = Files.createDirectories(models.resolve("checkpoints"));
        Path demo = DemoCheckpoint.ensure(dir.resolve("demo").resolve(DemoCheckpoint.FILE_NAME));
        Files.copy(demo, checkpoints.resolve(checkpointName(API_JSON)));
        String[] small = {"--set", "5.width=64", "--set", "5.height=64", "--set", "3.steps=2"};
        Path comfyOut = dir.resolve("comfy");
        assertEquals(0, run(API_JSON, models, comfyOut, small).code());
        Path a1111Out = dir.resolve("a1111");
        RunCommandTest.Result a1111 =
                run(API_JSON, models, a1111Out, concat(small, "--noise-mode", "a1111"));
        assertEquals(0, a1111.code(), a1111.err());
        Path png = onlyPng(a1111Out);
        int[] philox = pixels(ImageIO.read(png.toFile()));
        assertFalse(
                Arrays.equals(pixels(ImageIO.read(onlyPng(comfyOut).toFile())), philox),
                "Philox noise makes another image than torch CPU noise");
        assertNull(System.getProperty("noodle.noiseMode"), "--noise-mode is no JVM-wide setting");
        Path again = dir.resolve("again");
        RunCommandTest.Result rerun = run(png, models, again);
        assertEquals(0, rerun.code(), rerun.err());
        assertArrayEquals(
                philox,
                pixels(ImageIO.read(onlyPng(again).toFile())),
                "the PNG records the a1111 seed mode, so run image.png reproduces it");
    }

    private static RunCommandTest.Result run(Path file, Path models, Path out, String... more) {
        String[] args = {"run", file.toString(), "--models", models.toString(), "--out", out.toString()};
        return RunCommandTest.run(concat(args, more));
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static String checkpointName(Path source) throws IOException {
        JsonNode root = JSON.readTree(source.toFile());
        if (root.has("nodes")) {
            for (JsonNode n : root.get("nodes")) {
                if (n.path("type").asText().equals("CheckpointLoaderSimple")) {
                    return n.path("widgets_values").get(0).asText();
                }
            }
            throw new AssertionError("no checkpoint loader in " + source);
        }
        return root.path("4").path("inputs").path("ckpt_name").asText();
    }

    private static Path onlyPng(Path folder) throws IOException {
        try (Stream<Path> s = Files.walk(folder)) {
            List<Path> pngs = s.filter(p -> p.toString().endsWith(".png")).toList();
            assertEquals(1, pngs.size(), pngs.toString());
            return pngs.get(0);
        }
    }

    private static Map<String, String> types(Workflow wf) {
        Map<String, String> out = new TreeMap<>();
        wf.nodes().forEach((id, n) -> out.put(id, n.type()));
        return out;
    }

    private static Set<String> links(Workflow wf) {
        Set<String> out = new TreeSet<>();
        for (NodeInstance n : wf.nodes().values()) {
            for (Map.Entry<String, InputValue> e : n.inputs().entrySet()) {
                if (e.getValue() instanceof Link l) {
                    out.add(
                            l.nodeId()
                                    + ":"
                                    + l.outputIndex()
                                    + " -> "
                                    + n.id()
                                    + "."
                                    + e.getKey());
                }
            }
        }
        return out;
    }

    private static int[] pixels(BufferedImage img) {
        return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
    }
}
