package dev.noodle.graph.library;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.graph.json.ComponentJson;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each broken component file of the fuzz regression set gives one clear error naming the file and the problem. */
class ComponentFileErrorsTest {
    private static Path seed(String name) throws URISyntaxException {
        return Path.of(ComponentFileErrorsTest.class.getResource("ComponentFuzzTestInputs/readComponent/" + name)
                .toURI());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "truncated.json | it is not a readable Noodle file at line 1, column 151: invalid JSON",
        "corrupt_binary.json | the file is not UTF-8 text",
        "hostile_deep_json.json | it is not a readable Noodle file: invalid JSON",
        "hostile_numbers.json | must be a whole number of 1 or more, got 99999999999",
        "wrong_types.json | \"component\".\"id\" must be non-empty text",
        "version_zero.json | \"component\".\"version\" must be a whole number of 1 or more, got 0",
        "missing_definition.json | \"component\".\"definition\" must name one of the file's \"subgraphs\"",
        "component_not_object.json | it has no \"component\" object",
        "plain_workflow.json | it is a workflow, not a component",
        "mismatched_reference.json | the definition says it is component other version 9, the file says c version 1",
        "nests_itself.json | subgraph \"Loop\" (s1) nests itself; remove the inner use of it",
        "nests_itself_through_another.json | subgraph \"A\" (a) nests itself through \"B\"",
        "nested_too_deep.json | nests deeper than 32 levels",
        "port_without_type.json | subgraph \"x\" (s1) input #0 needs a \"name\" and a \"type\"",
    })
    void brokenFilesAreOneClearErrorNamingTheFile(String name, String problem) throws Exception {
        Path file = seed(name);
        ComponentFileException e = assertThrows(ComponentFileException.class, () -> ComponentJson.read(file));
        assertTrue(e.getMessage().startsWith("Cannot read component file " + file + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(problem), e.getMessage());
        assertEquals(1, e.getMessage().split("Cannot read", -1).length - 1, "the file is named once");
    }

    @Test
    void theValidSeedReads() throws Exception {
        Component c = ComponentJson.read(seed("valid.json"));
        assertEquals("c-1", c.id());
        assertEquals(2, c.version());
        assertEquals("latent: LATENT, strength: FLOAT → image: IMAGE", c.interfaceLine());
    }
}
