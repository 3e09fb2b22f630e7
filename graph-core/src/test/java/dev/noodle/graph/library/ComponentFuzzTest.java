package dev.noodle.graph.library;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.noodle.graph.json.ComponentJson;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.subgraph.SubgraphFlattener;
import dev.noodle.graph.testing.FakeNodes;
import dev.noodle.graph.validate.Validator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Jazzer fuzz target for component files in a library folder. Whatever a {@code *.json} file there holds, reading it
 * gives a component or a {@link ComponentFileException} naming the file (never another exception); scanning the
 * folder lists it or one problem line naming it; a component that reads writes back unchanged, and once inserted in
 * a workflow flattens and validates without throwing. Regression inputs (corrupt, truncated, hostile, wrong types, a
 * component that nests itself) live under {@code ComponentFuzzTestInputs/readComponent/}.
 */
class ComponentFuzzTest {
    private static final Validator VALIDATOR = new Validator(new FakeNodes().registry);

    @FuzzTest(maxDuration = "10m")
    void readComponent(byte[] bytes) throws IOException {
        Path dir = Files.createTempDirectory("fuzz-components");
        try {
            Path file = Files.write(dir.resolve("fuzzed.json"), bytes);
            Component c;
            try {
                c = ComponentJson.read(file);
            } catch (ComponentFileException e) {
                assertTrue(e.getMessage().startsWith("Cannot read component file " + file + ": "), e.getMessage());
                ComponentLibrary.Listing listing = new ComponentLibrary(dir).scan();
                assertEquals(List.of(), listing.components());
                assertEquals(List.of(e.getMessage()), listing.problems());
                return;
            }
            assertEquals(c, ComponentJson.parse(ComponentJson.write(c), "rewritten"), "write → read must agree");
            assertEquals(List.of(c), new ComponentLibrary(dir).scan().components().stream()
                    .map(ComponentLibrary.Entry::component).toList());
            Components.Embedded e = Components.embed(Workflow.empty("host"), c, Components.RANDOM_IDS);
            Workflow wf = e.workflow().withNode(new NodeInstance("1", e.definitionId(),
                    Map.of("x", new Literal(1L)), null, Map.of()));
            SubgraphFlattener.flatten(wf);
            VALIDATOR.validate(wf);
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
