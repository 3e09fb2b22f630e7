package dev.noodle.nodes.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.graph.json.ComfyApiFormat;
import dev.noodle.graph.json.ComfyUiFormat;
import dev.noodle.graph.json.WorkflowFormatException;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.NodeRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opening JSON files and PNGs that carry workflows, and the bad PNGs of bad-inputs rows G1-G5. */
class WorkflowSourcesTest {
    @TempDir
    Path dir;

    private final NodeRegistry registry = InteropTestSupport.registry();
    private final WorkflowSources sources = new WorkflowSources(registry, List.of("v1-5-pruned-emaonly.safetensors"));

    private Path png(String name, Map<String, String> texts) throws IOException {
        return Files.write(dir.resolve(name), PngTextChunks.write(InteropTestSupport.tinyPng(), texts));
    }

    private Workflow ui() throws IOException {
        return WorkflowJson.parse(InteropTestSupport.UI_WORKFLOW, "ui.json", registry);
    }

    @Test
    void opensAllThreeJsonFormatsByContent() throws IOException {
        Workflow ui = ui();
        Path uiFile = Files.writeString(dir.resolve("ui.json"), InteropTestSupport.UI_WORKFLOW);
        Path apiFile = Files.writeString(dir.resolve("api.txt"), ComfyApiFormat.write(ui));
        Path noodleFile = Files.writeString(dir.resolve("w.noodle"), WorkflowJson.write(ui));
        for (Path p : List.of(uiFile, apiFile, noodleFile)) {
            Workflow wf = sources.open(p);
            assertEquals(new Literal("猫 ☕ 😀 é"), wf.node("2").input("text"), p.toString());
            assertEquals(Link.of("1", 1), wf.node("2").input("clip"));
        }
    }

    @Test
    void pngPrefersWorkflowThenPromptThenParameters() throws IOException {
        Workflow ui = ui();
        String workflow = PngTextChunks.asciiJson(ComfyUiFormat.write(ui, registry));
        String prompt = PngTextChunks.asciiJson(ComfyApiFormat.write(ui));
        String parameters = A1111InfotextTest.A1111_DOCSTRING;
        Map<String, String> all = new LinkedHashMap<>();
        all.put("parameters", parameters);
        all.put("prompt", prompt);
        all.put("workflow", workflow);
        Workflow fromAll = sources.open(png("all.png", all));
        assertTrue(fromAll.extra().containsKey(ComfyUiFormat.WORKFLOW_KEY), "the UI workflow was chosen");
        assertEquals("all", fromAll.name());
        Workflow fromPrompt = sources.open(png("prompt.png", Map.of("prompt", prompt, "parameters", parameters)));
        assertEquals(ui.node("2").inputs(), fromPrompt.node("2").inputs());
        Workflow fromParams = sources.open(png("a1111.png", Map.of("parameters", parameters)));
        assertEquals(1, fromParams.nodes().values().stream().filter(n -> n.type().equals("KSampler")).count());
        // a bad workflow chunk falls back to the prompt
        Workflow fallback = sources.open(png("fallback.png", Map.of("workflow", "not json", "prompt", prompt)));
        assertEquals(ui.node("2").inputs(), fallback.node("2").inputs());
    }

    @Test
    void noWorkflowIsAClearError() throws IOException {
        Path plain = Files.write(dir.resolve("plain.png"), InteropTestSupport.tinyPng());
        PngMetadataException e = assertThrows(PngMetadataException.class, () -> sources.open(plain));
        assertTrue(e.getMessage().contains("holds no workflow"), e.getMessage());
        assertTrue(e.getMessage().contains("plain.png"));
    }

    @Test
    void g1DamagedPngFailsCleanly() throws IOException {
        byte[] good = PngTextChunks.write(InteropTestSupport.tinyPng(), Map.of("workflow", "{}"));
        byte[] bad = good.clone();
        bad[new String(good, StandardCharsets.ISO_8859_1).indexOf("workflow") + 9] ^= 1;
        Path badCrc = Files.write(dir.resolve("crc.png"), bad);
        assertTrue(assertThrows(PngMetadataException.class, () -> sources.open(badCrc)).getMessage()
                .contains("bad CRC"));
        Path cut = Files.write(dir.resolve("cut.png"), Arrays.copyOf(good, good.length - 12));
        assertTrue(assertThrows(PngMetadataException.class, () -> sources.open(cut)).getMessage().contains("IEND"));
    }

    @Test
    void g2BombIsRefusedAtTheCap() throws IOException {
        byte[] bomb = PngTextChunksTest.deflate(new byte[4 << 20]);
        byte[] png = PngTextChunksTest.insert(InteropTestSupport.tinyPng(),
                PngTextChunksTest.chunk("zTXt", PngTextChunksTest.chunkData("workflow", new byte[] {0}, bomb)));
        Path p = Files.write(dir.resolve("bomb.png"), png);
        assertTrue(assertThrows(PngMetadataException.class, () -> sources.open(p)).getMessage()
                .contains("text chunk too large"));
    }

    @Test
    void g3WorkflowTextThatIsNotAWorkflow() throws IOException {
        for (String text : List.of("this is not json", "[1, 2, 3]", "{\"hello\": \"world\"}")) {
            Path p = png("g3.png", Map.of("workflow", text));
            PngMetadataException e = assertThrows(PngMetadataException.class, () -> sources.open(p));
            assertTrue(e.getMessage().contains("'workflow' text is not a workflow"), e.getMessage());
            assertTrue(e.getCause() == null || !(e.getCause() instanceof RuntimeException));
        }
        String huge = "{\"x\": \"" + "a".repeat(WorkflowSources.MAX_WORKFLOW_TEXT) + "\"}";
        Path big = png("big.png", Map.of("workflow", huge));
        assertTrue(assertThrows(PngMetadataException.class, () -> sources.open(big)).getMessage()
                .contains("more than " + WorkflowSources.MAX_WORKFLOW_TEXT));
    }

    @Test
    void g4CjkAndEmojiSurviveAPngRoundTrip() throws IOException {
        Workflow ui = ui();
        Path p = png("g4.png", Map.of("workflow", PngTextChunks.asciiJson(ComfyUiFormat.write(ui, registry)),
                "parameters", "猫 ☕ 😀\nSteps: 20, Sampler: Euler a, CFG scale: 7"));
        assertEquals(new Literal("猫 ☕ 😀 é"), sources.open(p).node("2").input("text"));
        assertEquals("猫 ☕ 😀", A1111Infotext.parse(PngTextChunks.read(p).get("parameters")).prompt());
    }

    @Test
    void g5A1111ParametersWithQuotesAndMultiLinePrompt() throws IOException {
        String params = "line one, \"quoted\"\nline two\nSteps: 12, Sampler: DPM++ 2M Karras, CFG scale: 5,"
                + " Seed: 42, Size: 640x448, Model: v1-5-pruned-emaonly, Lora hashes: \"x: 1, y: 2\"";
        Workflow wf = sources.open(png("g5.png", Map.of("parameters", params)));
        assertEquals(new Literal("v1-5-pruned-emaonly.safetensors"),
                InfotextGraphTest.only(wf, "CheckpointLoaderSimple").input("ckpt_name"));
        assertEquals(new Literal(640L), InfotextGraphTest.only(wf, "EmptyLatentImage").input("width"));
        assertTrue(wf.nodes().values().stream().anyMatch(n -> n.type().equals("CLIPTextEncode")
                && new Literal("line one, \"quoted\"\nline two").equals(n.input("text"))));
        assertEquals(params, InfotextGraph.toInfotext(wf).format());
    }

    @Test
    void missingFileNamesThePath() {
        Path missing = dir.resolve("nope.png");
        WorkflowFormatException e = assertThrows(WorkflowFormatException.class, () -> sources.open(missing));
        assertTrue(e.getMessage().contains("nope.png"));
    }
}
