package dev.noodle.nodes.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.noodle.graph.node.NodeRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Jazzer fuzz target for node pack jars in {@code custom_nodes/} (bad-inputs: a broken node pack). Whatever bytes a
 * file named {@code *.jar} holds, loading the folder must refuse it with one problem line naming the jar, register
 * nothing, and throw nothing. Regression inputs live under {@code NodePackJarFuzzTestInputs/load/}.
 */
class NodePackJarFuzzTest {
    @FuzzTest(maxDuration = "10m")
    void load(byte[] jar) throws IOException {
        Path home = Files.createTempDirectory("fuzz-pack");
        try {
            Path custom = Files.createDirectories(home.resolve(CustomNodes.FOLDER_NAME));
            Files.write(custom.resolve("fuzzed.jar"), jar);
            NodeRegistry registry = new NodeRegistry();
            NodePacks packs = NodePacks.load(new CustomNodes(custom), registry,
                    NodeEnvironment.of(home.resolve("models"), home.resolve("output")));
            assertEquals(0, packs.loaded().size(), "random bytes make no loadable pack");
            assertEquals(1, packs.problems().size(), () -> "one line for the jar: " + packs.problems());
            assertTrue(packs.problems().get(0).contains("fuzzed.jar"), packs.problems().get(0));
            assertTrue(registry.all().isEmpty(), "nothing registered");
        } finally {
            try (Stream<Path> s = Files.walk(home)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
