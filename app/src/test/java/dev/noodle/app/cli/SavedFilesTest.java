package dev.noodle.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.node.NodeOutputs;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The run command's lines for what output nodes show: files once each, texts after every run. */
class SavedFilesTest {
    @Test
    void filesOnceAndPreviewTextsEveryRun() {
        Path work = Path.of("work").toAbsolutePath();
        SavedFiles saved = new SavedFiles(work.resolve("output"), work);
        Map<String, NodeOutputs> outputs = new LinkedHashMap<>();
        outputs.put("9", NodeOutputs.ui(Map.of("images", List.of(work.resolve("output/a_00001_.png")))));
        outputs.put("12", new NodeOutputs(List.of("a dog"), Map.of("text", List.of("a dog"))));
        RunResult r = new RunResult("r", RunResult.Status.SUCCESS, List.of(), outputs, 2, 0, null, null);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        saved.print(r, out);
        saved.print(r, out);
        String sep = System.lineSeparator();
        assertEquals("saved " + Path.of("output", "a_00001_.png") + sep + "text 12: a dog" + sep + "text 12: a dog"
                + sep, bytes.toString(StandardCharsets.UTF_8));
    }
}
