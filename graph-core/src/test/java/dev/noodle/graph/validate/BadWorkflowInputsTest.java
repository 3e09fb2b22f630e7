package dev.noodle.graph.validate;

import static dev.noodle.graph.testing.FakeNodes.link;
import static dev.noodle.graph.testing.FakeNodes.n;
import static dev.noodle.graph.testing.FakeNodes.wf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.graph.json.WorkflowFormatException;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.testing.FakeNodes;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad-inputs rows W5, W6 and W10 not covered elsewhere: non-finite floats, path-like combo values, huge/deep JSON. */
class BadWorkflowInputsTest {
    private final Validator validator = new Validator(new FakeNodes().registry);

    private List<String> codes(Object strength, Object format) {
        return validator.validate(wf(n("1", "Source", "seed", 1L, "size", 16L),
                        n("2", "Process", "latent", link("1", 0), "strength", strength),
                        n("3", "ToImage", "latent", link("2", 0)),
                        n("4", "Save", "images", link("3", 0), "prefix", "out", "format", format)))
                .stream().map(e -> e.code() + "@" + e.nodeId() + "." + e.input()).toList();
    }

    @Test
    void nonFiniteFloatsAreInvalid() {
        assertEquals(List.of(), codes(0.5, "png"));
        for (Object bad : new Object[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, "NaN",
                "Infinity"}) {
            assertEquals(List.of(ValidationCode.INVALID_INPUT_TYPE + "@2.strength"), codes(bad, "png"),
                    String.valueOf(bad));
        }
    }

    @Test
    void pathLikeComboValuesAreNotInTheList() {
        for (String bad : new String[] {"../png", "../../etc/passwd", "/etc/passwd", "C:\\Windows\\x", "png/..",
                "png\0"}) {
            assertEquals(List.of(ValidationCode.VALUE_NOT_IN_LIST + "@4.format"), codes(0.5, bad), bad);
        }
    }

    @Test
    void deeplyNestedJsonIsRefusedWithADepthMessage() {
        String deep = "{\"format\":1,\"nodes\":{\"1\":{\"type\":\"Source\",\"inputs\":{\"seed\":"
                + "[".repeat(100_000) + "]".repeat(100_000) + "}}}}";
        WorkflowFormatException e = assertThrows(WorkflowFormatException.class,
                () -> WorkflowJson.parse(deep, "deep.json"));
        assertTrue(e.getMessage().contains("deep.json") && e.getMessage().toLowerCase().contains("nesting"),
                e.getMessage());
    }

    @Test
    void hundredMegabyteFileIsRefusedBeforeReading(@TempDir Path dir) throws Exception {
        Path big = dir.resolve("big.json");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(100L << 20); // sparse: no 100 MB written
        }
        WorkflowFormatException e = assertThrows(WorkflowFormatException.class, () -> WorkflowJson.read(big));
        assertTrue(e.getMessage().contains("big.json") && e.getMessage().contains(String.valueOf(100L << 20)),
                e.getMessage());
        assertTrue(Files.exists(big));
    }

    @Test
    void trailingGarbageAfterTheJsonIsADamagedFile() {
        // found by WorkflowFuzzTest: Jackson ignored content after the first JSON value
        WorkflowFormatException e = assertThrows(WorkflowFormatException.class,
                () -> WorkflowJson.parse("{\"format\":1,\"nodes\":{}} {\"x\":1}", "two.json"));
        assertTrue(e.getMessage().contains("two.json"), e.getMessage());
    }

    @Test
    void apiNodeFieldsNamedTypeOrModeDoNotBreakNoodleSaving() {
        // found by WorkflowFuzzTest: a "type" extra was silently lost by write → parse
        var wf = WorkflowJson.parse("{\"7\":{\"class_type\":\"Preview\",\"type\":\"x\",\"mode\":4,"
                + "\"inputs\":{}}}", "api.json");
        assertEquals(wf, WorkflowJson.parse(WorkflowJson.write(wf), "again.json"));
        assertEquals("Preview", wf.node("7").type());
    }
}
